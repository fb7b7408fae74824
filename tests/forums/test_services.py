"""Writes of the forums app: logging sessions with attendance, files, named participants, feedback.

Every refusal is checked against the database afterwards: no session, no attendance, no counts.
"""

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from forums import services
from forums.models import (
    Attachment,
    Attendance,
    Feedback,
    Forum,
    ForumSession,
    GroupCount,
    Kind,
    Participant,
    Qualifier,
    ResidenceCount,
)
from forums.services import CountInput, DuplicateFeedback
from projects.models import Membership, Municipality
from projects.services import StaleEdit
from tests.forums.factories import AttendanceFactory, ForumSessionFactory, VulnerableGroupFactory
from tests.projects.factories import MembershipFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

SESSION_DATE = datetime.date(2024, 5, 10)  # inside the cast project's period (2024–2025)


@pytest.fixture
def resen(cast):
    return Municipality.objects.get(name_en="Resen")


@pytest.fixture
def bitola(cast):
    bitola = MunicipalityFactory(name_en="Bitola")
    cast.project.target_municipalities.add(bitola)
    return bitola


@pytest.fixture
def roma():
    return VulnerableGroupFactory(name_en="Roma (test)")


def draft(project, municipality, **fields):
    """An unsaved held forum session, as the logging form hands it to the service."""
    fields.setdefault("date", SESSION_DATE)
    return ForumSessionFactory.build(project=project, municipality=municipality, **fields)


def stored_rows() -> dict[str, int]:
    return {
        "sessions": ForumSession.objects.count(),
        "attendance": Attendance.objects.count(),
        "group counts": GroupCount.objects.count(),
        "residence counts": ResidenceCount.objects.count(),
        "forums": Forum.objects.count(),
    }


# --- Logging a session -----------------------------------------------------------------------------


def test_logging_a_session_saves_it_with_attendance_and_group_and_residence_counts(cast, resen, bitola, roma):
    session = services.forum_session_save(
        actor=cast.municipal_staff,
        session=draft(cast.project, resen, venue="Дом на култура"),
        attendance=Attendance(
            participants=40,
            women=22,
            men=15,
            gender_undisclosed=3,
            age_18_29=10,
            age_30_64=25,
            age_30_64_qualifier=Qualifier.APPROXIMATE,
        ),
        group_counts={roma: CountInput(5, Qualifier.EXACT)},
        residence_counts={resen: CountInput(30, Qualifier.EXACT), bitola: CountInput(8, Qualifier.AT_LEAST)},
    )

    stored = ForumSession.objects.get()
    assert stored.pk == session.pk
    assert (stored.venue, stored.created_by, stored.version) == ("Дом на култура", cast.municipal_staff, 1)
    attendance = Attendance.objects.get(session=stored)
    assert (attendance.participants, attendance.women, attendance.men, attendance.gender_undisclosed) == (40, 22, 15, 3)
    assert (attendance.age_under_18, attendance.age_18_29, attendance.age_30_64) == (None, 10, 25)
    assert attendance.age_30_64_qualifier == Qualifier.APPROXIMATE
    assert [(c.group, c.count, c.qualifier) for c in attendance.group_counts.all()] == [(roma, 5, Qualifier.EXACT)]
    assert {(c.municipality.name_en, c.count, c.qualifier) for c in attendance.residence_counts.all()} == {
        ("Resen", 30, Qualifier.EXACT),
        ("Bitola", 8, Qualifier.AT_LEAST),
    }


def test_a_session_without_attendance_keeps_no_attendance_row(cast, resen):
    services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, resen))
    assert ForumSession.objects.count() == 1
    assert not Attendance.objects.exists()


def test_forum_sessions_are_numbered_within_the_forum_of_their_municipality(cast, resen, bitola):
    first = services.forum_session_save(actor=cast.municipal_staff, session=draft(cast.project, resen))
    second = services.forum_session_save(actor=cast.municipal_staff, session=draft(cast.project, resen))
    in_bitola = services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, bitola))
    training = services.forum_session_save(
        actor=cast.coordinator, session=draft(cast.project, bitola, kind=Kind.TRAINING)
    )

    assert (first.sequence, second.sequence, in_bitola.sequence) == (1, 2, 1)
    assert first.forum == second.forum != in_bitola.forum
    assert (first.forum.municipality, in_bitola.forum.municipality) == (resen, bitola)
    assert {forum.project for forum in Forum.objects.all()} == {cast.project}
    assert Forum.objects.count() == 2
    assert (training.forum, training.sequence) == (None, None)


def test_a_session_without_a_language_gets_the_projects_original_language(cast, resen):
    session = services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, resen, language=""))
    assert ForumSession.objects.get(pk=session.pk).language == cast.project.original_language == "en"


def test_editing_attendance_replaces_the_group_and_residence_counts(cast, resen, bitola, roma):
    other_group = VulnerableGroupFactory()
    session = services.forum_session_save(
        actor=cast.coordinator,
        session=draft(cast.project, resen),
        attendance=Attendance(participants=40),
        group_counts={roma: CountInput(5, Qualifier.EXACT)},
        residence_counts={resen: CountInput(30, Qualifier.EXACT)},
    )

    editing = ForumSession.objects.get(pk=session.pk)
    attendance = editing.attendance
    attendance.participants = 50
    services.forum_session_save(
        actor=cast.municipal_staff,
        session=editing,
        attendance=attendance,
        group_counts={other_group: CountInput(7, Qualifier.APPROXIMATE)},
        residence_counts={bitola: CountInput(12, Qualifier.EXACT)},
        expected_version=1,
    )

    stored = Attendance.objects.get()
    assert stored.participants == 50
    assert [(c.group, c.count, c.qualifier) for c in stored.group_counts.all()] == [
        (other_group, 7, Qualifier.APPROXIMATE)
    ]
    assert [(c.municipality, c.count) for c in stored.residence_counts.all()] == [(bitola, 12)]
    assert ForumSession.objects.get().version == 2


def test_a_session_moved_to_another_municipality_gets_the_next_number_there(cast, resen, bitola):
    moving = services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, resen))
    services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, resen))
    services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, bitola))

    moving = ForumSession.objects.get(pk=moving.pk)
    moving.municipality = bitola
    services.forum_session_save(actor=cast.coordinator, session=moving, expected_version=1)

    moved = ForumSession.objects.get(pk=moving.pk)
    assert (moved.forum.municipality, moved.sequence) == (bitola, 2)


# --- Bad input -------------------------------------------------------------------------------------


def _future_held(cast, resen):
    # The project runs on past today, so only the status is wrong.
    cast.project.end_date = timezone.localdate() + datetime.timedelta(days=365)
    cast.project.save()
    return {"session": draft(cast.project, resen, date=timezone.localdate() + datetime.timedelta(days=7))}


BAD_INPUT = {
    "negative total": ("participants", lambda cast, resen, bitola, roma: {"attendance": Attendance(participants=-1)}),
    "negative women": (
        "women",
        lambda cast, resen, bitola, roma: {"attendance": Attendance(participants=10, women=-2)},
    ),
    "negative age band": (
        "age_65_plus",
        lambda cast, resen, bitola, roma: {"attendance": Attendance(participants=10, age_65_plus=-1)},
    ),
    "gender above total": (
        "women",
        lambda cast, resen, bitola, roma: {"attendance": Attendance(participants=10, women=6, men=5)},
    ),
    "ages above total": (
        "age_under_18",
        lambda cast, resen, bitola, roma: {"attendance": Attendance(participants=10, age_18_29=6, age_30_64=6)},
    ),
    "parts without a total": (
        "participants",
        lambda cast, resen, bitola, roma: {"attendance": Attendance(participants=None, women=3)},
    ),
    "group above total": (
        "participants",
        lambda cast, resen, bitola, roma: {
            "attendance": Attendance(participants=10),
            "group_counts": {roma: CountInput(11, Qualifier.EXACT)},
        },
    ),
    "group counts without a total": (
        "participants",
        lambda cast, resen, bitola, roma: {
            "attendance": Attendance(participants=None),
            "group_counts": {roma: CountInput(2, Qualifier.EXACT)},
        },
    ),
    "residents above total": (
        "participants",
        lambda cast, resen, bitola, roma: {
            "attendance": Attendance(participants=10),
            "residence_counts": {resen: CountInput(6, Qualifier.EXACT), bitola: CountInput(5, Qualifier.EXACT)},
        },
    ),
    "date before the project": (
        "date",
        lambda cast, resen, bitola, roma: {"session": draft(cast.project, resen, date=datetime.date(2023, 12, 31))},
    ),
    "date after the project": (
        "date",
        lambda cast, resen, bitola, roma: {"session": draft(cast.project, resen, date=datetime.date(2026, 1, 1))},
    ),
    "held in the future": ("status", lambda cast, resen, bitola, roma: _future_held(cast, resen)),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(cast, resen, bitola, roma, case):
    field, make = BAD_INPUT[case]
    kwargs = {"session": draft(cast.project, resen), **make(cast, resen, bitola, roma)}
    before = stored_rows()

    with pytest.raises(ValidationError) as refused:
        services.forum_session_save(actor=cast.municipal_staff, **kwargs)

    assert field in refused.value.message_dict
    assert all(message.strip() for message in refused.value.message_dict[field])
    assert (
        stored_rows()
        == before
        == {
            "sessions": 0,
            "attendance": 0,
            "group counts": 0,
            "residence counts": 0,
            "forums": 0,
        }
    )


@pytest.mark.parametrize("counts", ["group_counts", "residence_counts"])
def test_negative_group_or_residence_count_is_refused_with_a_message(cast, resen, roma, counts):
    key = roma if counts == "group_counts" else resen
    with pytest.raises(ValidationError) as refused:
        services.forum_session_save(
            actor=cast.coordinator,
            session=draft(cast.project, resen),
            attendance=Attendance(participants=10),
            **{counts: {key: CountInput(-3, Qualifier.EXACT)}},
        )
    assert refused.value.message_dict
    assert stored_rows()["sessions"] == 0


def test_residence_counts_cannot_offset_each_other_with_a_negative_count(cast, resen, bitola):
    # 15 + (-10) is within 10, but neither count is a head count; nothing may be stored.
    with pytest.raises((ValidationError, IntegrityError)):
        services.forum_session_save(
            actor=cast.coordinator,
            session=draft(cast.project, resen),
            attendance=Attendance(participants=10),
            residence_counts={resen: CountInput(15, Qualifier.EXACT), bitola: CountInput(-10, Qualifier.EXACT)},
        )
    assert stored_rows() == {"sessions": 0, "attendance": 0, "group counts": 0, "residence counts": 0, "forums": 0}


def test_refusal_of_parts_above_the_total_says_by_how_much(cast, resen):
    with pytest.raises(ValidationError) as refused:
        services.forum_session_save(
            actor=cast.coordinator,
            session=draft(cast.project, resen),
            attendance=Attendance(participants=10, women=6, men=5),
        )
    assert refused.value.message_dict["women"] == [
        "Women, men and undisclosed add up to 11, more than the 10 participants."
    ]


def test_vulnerable_groups_overlap_so_each_only_has_to_fit_in_the_total(cast, resen, roma):
    disabled = VulnerableGroupFactory()
    services.forum_session_save(
        actor=cast.coordinator,
        session=draft(cast.project, resen),
        attendance=Attendance(participants=10),
        group_counts={roma: CountInput(10, Qualifier.EXACT), disabled: CountInput(8, Qualifier.APPROXIMATE)},
    )
    assert sorted(GroupCount.objects.values_list("count", flat=True)) == [8, 10]


@pytest.mark.parametrize(
    "parts",
    [{"women": 6, "men": 5}, {"age_under_18": 4, "age_65_plus": 7}],
    ids=["gender", "ages"],
)
def test_the_database_itself_refuses_parts_above_the_total(cast, resen, parts):
    session = ForumSessionFactory(project=cast.project, municipality=resen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(session=session, participants=10, **parts)
    assert not Attendance.objects.exists()


def test_existing_attendance_of_another_session_is_untouched_by_a_refused_save(cast, resen):
    kept = AttendanceFactory(session=ForumSessionFactory(project=cast.project, municipality=resen), participants=17)
    with pytest.raises(ValidationError):
        services.forum_session_save(
            actor=cast.coordinator,
            session=draft(cast.project, resen),
            attendance=Attendance(participants=5, women=6),
        )
    assert list(Attendance.objects.values_list("participants", flat=True)) == [17]
    assert ForumSession.objects.get() == kept.session


def test_staff_of_resen_cannot_log_a_session_in_bitola(cast, bitola):
    with pytest.raises(PermissionDenied, match="municipalities you serve"):
        services.forum_session_save(
            actor=cast.municipal_staff,
            session=draft(cast.project, bitola),
            attendance=Attendance(participants=12),
        )
    assert stored_rows() == {"sessions": 0, "attendance": 0, "group counts": 0, "residence counts": 0, "forums": 0}


def test_staff_of_resen_cannot_edit_a_bitola_session(cast, bitola):
    logged = services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, bitola, venue="Bitola"))
    editing = ForumSession.objects.get(pk=logged.pk)
    editing.venue = "Changed by Resen"

    with pytest.raises(PermissionDenied):
        services.forum_session_save(
            actor=cast.municipal_staff, session=editing, attendance=Attendance(participants=5), expected_version=1
        )

    stored = ForumSession.objects.get(pk=logged.pk)
    assert (stored.venue, stored.version) == ("Bitola", 1)
    assert not Attendance.objects.exists()


def test_staff_of_resen_cannot_move_a_resen_session_to_bitola(cast, resen, bitola):
    logged = services.forum_session_save(actor=cast.municipal_staff, session=draft(cast.project, resen))
    editing = ForumSession.objects.get(pk=logged.pk)
    editing.municipality = bitola

    with pytest.raises(PermissionDenied):
        services.forum_session_save(actor=cast.municipal_staff, session=editing, expected_version=1)

    stored = ForumSession.objects.get(pk=logged.pk)
    assert (stored.municipality, stored.forum.municipality, stored.sequence, stored.version) == (resen, resen, 1, 1)
    assert Forum.objects.count() == 1


def test_staff_of_bitola_logs_in_bitola_but_not_in_resen(cast, resen, bitola):
    membership = MembershipFactory(project=cast.project, role=Membership.Role.MUNICIPAL_STAFF)
    membership.municipalities.add(bitola)

    services.forum_session_save(actor=membership.user, session=draft(cast.project, bitola))
    with pytest.raises(PermissionDenied):
        services.forum_session_save(actor=membership.user, session=draft(cast.project, resen))

    assert [s.municipality for s in ForumSession.objects.all()] == [bitola]


def test_second_of_two_concurrent_edits_gets_stale_edit_and_changes_nothing(cast, resen):
    logged = services.forum_session_save(actor=cast.coordinator, session=draft(cast.project, resen, venue="Hall"))
    first_clerk = ForumSession.objects.get(pk=logged.pk)
    second_clerk = ForumSession.objects.get(pk=logged.pk)

    first_clerk.venue = "Town hall"
    services.forum_session_save(actor=cast.coordinator, session=first_clerk, expected_version=1)
    second_clerk.venue = "School"
    with pytest.raises(StaleEdit) as refused:
        services.forum_session_save(
            actor=cast.municipal_staff,
            session=second_clerk,
            attendance=Attendance(participants=30),
            expected_version=1,
        )

    assert "Someone else changed this" in refused.value.messages[0]
    stored = ForumSession.objects.get(pk=logged.pk)
    assert (stored.venue, stored.version) == ("Town hall", 2)
    assert not Attendance.objects.exists()


# --- Audit trail -----------------------------------------------------------------------------------


def test_logging_and_editing_a_session_leave_audit_entries_with_who_and_what(cast, resen):
    logged = services.forum_session_save(
        actor=cast.municipal_staff,
        session=draft(cast.project, resen, venue="Hall"),
        attendance=Attendance(participants=25),
    )
    editing = ForumSession.objects.get(pk=logged.pk)
    editing.venue = "Town hall"
    services.forum_session_save(actor=cast.coordinator, session=editing, expected_version=1)

    created, updated = LogEntry.objects.get_for_object(logged).order_by("timestamp", "pk")
    assert (created.action, created.actor) == (LogEntry.Action.CREATE, cast.municipal_staff)
    assert created.changes_dict["venue"][1] == "Hall"
    assert (updated.action, updated.actor) == (LogEntry.Action.UPDATE, cast.coordinator)
    assert updated.changes_dict["venue"] == ["Hall", "Town hall"]
    assert "version" not in updated.changes_dict

    attendance_entry = LogEntry.objects.get_for_object(Attendance.objects.get()).get()
    assert attendance_entry.actor == cast.municipal_staff
    assert attendance_entry.changes_dict["participants"][1] == "25"


# --- Attachments -----------------------------------------------------------------------------------


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color=(200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def logged(cast, resen):
    return ForumSessionFactory(project=cast.project, municipality=resen)


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("sheet.png", lambda: _image("PNG"), "image/png"),
        ("photo.jpg", lambda: _image("JPEG"), "image/jpeg"),
        ("minutes.pdf", lambda: MINIMAL_PDF, "application/pdf"),
    ],
)
def test_attachment_of_a_real_png_jpeg_or_pdf_is_kept(cast, logged, media, name, make, content_type):
    content = make()
    attachment = services.attachment_add(
        actor=cast.municipal_staff,
        session=logged,
        kind=Attachment.Kind.SIGN_IN_SHEET,
        upload=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    )

    stored = Attachment.objects.get()
    assert stored.pk == attachment.pk
    assert (stored.content_type, stored.size, stored.uploaded_by) == (content_type, len(content), cast.municipal_staff)
    with stored.file.open("rb") as kept:
        assert kept.read() == content
    assert str(media) in stored.file.path


def test_attachment_of_exactly_10_mb_is_kept(cast, logged, media):
    content = _image("PNG")
    content += b"\0" * (10 * 1024 * 1024 - len(content))
    services.attachment_add(
        actor=cast.coordinator,
        session=logged,
        kind=Attachment.Kind.PHOTO,
        upload=SimpleUploadedFile("big.png", content),
    )
    assert Attachment.objects.get().size == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("minutes.pdf", b"These are the minutes of the session, typed as plain text.\n" * 20, "Only PDF, JPEG or PNG"),
        ("sheet.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200, "Only PDF, JPEG or PNG"),
        ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024 + 1 - 8), "at most 10 MB"),
    ],
    ids=["text-renamed-pdf", "exe-renamed-png", "over-10-mb"],
)
def test_attachment_is_refused_by_its_content_and_size_and_nothing_is_stored(
    cast, logged, media, name, content, message
):
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(
            actor=cast.coordinator,
            session=logged,
            kind=Attachment.Kind.MINUTES,
            upload=SimpleUploadedFile(name, content, content_type="application/pdf"),
        )
    assert not Attachment.objects.exists()
    assert [path for path in media.rglob("*") if path.is_file()] == []


def test_attachment_to_a_session_of_a_municipality_not_served_is_refused(cast, bitola, media):
    session = ForumSessionFactory(project=cast.project, municipality=bitola)
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=cast.municipal_staff,
            session=session,
            kind=Attachment.Kind.PHOTO,
            upload=SimpleUploadedFile("photo.png", _image("PNG")),
        )
    assert not Attachment.objects.exists()
    assert [path for path in media.rglob("*") if path.is_file()] == []


def _session_with_a_good_and_a_bad_file(cast, resen):
    return services.forum_session_save(
        actor=cast.coordinator,
        session=draft(cast.project, resen),
        attendance=Attendance(participants=10),
        attachments=[
            (Attachment.Kind.SIGN_IN_SHEET, SimpleUploadedFile("sheet.png", _image("PNG"))),
            (Attachment.Kind.MINUTES, SimpleUploadedFile("minutes.pdf", b"Typed minutes, not a PDF.\n")),
        ],
    )


def test_a_refused_file_refuses_the_whole_session_log(cast, resen, media):
    with pytest.raises(ValidationError, match="Only PDF, JPEG or PNG"):
        _session_with_a_good_and_a_bad_file(cast, resen)
    assert stored_rows() == {"sessions": 0, "attendance": 0, "group counts": 0, "residence counts": 0, "forums": 0}
    assert not Attachment.objects.exists()


def test_a_refused_file_leaves_no_earlier_file_on_disk(cast, resen, media):
    with pytest.raises(ValidationError):
        _session_with_a_good_and_a_bad_file(cast, resen)
    assert [path.name for path in media.rglob("*") if path.is_file()] == []


# --- Named participants ----------------------------------------------------------------------------


def test_a_named_participant_is_refused_without_consent(cast, logged, resen):
    with pytest.raises(ValidationError) as refused:
        services.participant_add(
            actor=cast.municipal_staff,
            session=logged,
            full_name="Ана Петровска",
            municipality=resen,
            consent_given=False,
        )
    assert "consent_given" in refused.value.message_dict
    assert not Participant.objects.exists()


def test_a_named_participant_with_consent_is_kept_with_who_recorded_it(cast, logged, resen):
    services.participant_add(
        actor=cast.municipal_staff, session=logged, full_name="Ана Петровска", municipality=resen, consent_given=True
    )
    participant = Participant.objects.get()
    assert (participant.session, participant.full_name, participant.municipality) == (logged, "Ана Петровска", resen)
    assert (participant.consent_given, participant.recorded_by) == (True, cast.municipal_staff)
    assert participant.consent_recorded_at is not None


def test_the_database_itself_refuses_a_named_participant_without_consent(logged):
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(session=logged, full_name="Без согласност", consent_given=False)
    assert not Participant.objects.exists()


# --- Feedback --------------------------------------------------------------------------------------


def _feedback(session, device_id="device-1", satisfaction=4, comment="  Добро организирано.  "):
    return services.feedback_submit(
        session=session,
        device_id=device_id,
        satisfaction=satisfaction,
        was_useful=True,
        comment=comment,
        language="mk",
    )


def test_feedback_is_kept_anonymously_with_a_trimmed_comment(logged):
    _feedback(logged)
    feedback = Feedback.objects.get()
    assert (feedback.session, feedback.satisfaction, feedback.comment) == (logged, 4, "Добро организирано.")
    assert feedback.moderation == Feedback.Moderation.PENDING
    assert "device-1" not in feedback.device_hash
    assert len(feedback.device_hash) == 64


def test_feedback_is_accepted_once_per_device_and_session(logged):
    _feedback(logged, device_id="device-1")
    with pytest.raises(DuplicateFeedback, match="already given feedback"):
        _feedback(logged, device_id="device-1", satisfaction=1)
    _feedback(logged, device_id="device-2")
    _feedback(ForumSessionFactory(project=logged.project), device_id="device-1")

    assert Feedback.objects.filter(session=logged).count() == 2
    assert Feedback.objects.get(session=logged, satisfaction=4, device_hash=services.device_hash("device-1"))


@pytest.mark.parametrize("status", [ForumSession.Status.PLANNED, ForumSession.Status.CANCELLED])
def test_feedback_on_a_session_not_held_is_refused(cast, resen, status):
    session = ForumSessionFactory(project=cast.project, municipality=resen, status=status)
    with pytest.raises(ValidationError, match="once the session has been held"):
        _feedback(session)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("satisfaction", [0, 6, -1])
def test_feedback_satisfaction_outside_1_to_5_is_refused(logged, satisfaction):
    with pytest.raises(ValidationError) as refused:
        _feedback(logged, satisfaction=satisfaction)
    assert "satisfaction" in refused.value.message_dict
    assert not Feedback.objects.exists()
