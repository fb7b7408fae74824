"""Municipal staff's pages: logging through the one-screen form, conflicts, uploads, lists and figures."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from forums.models import Attachment, Attendance, ForumSession, Participant
from projects.models import Membership
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.projects.factories import MembershipFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

QUALIFIERS = [
    "participants",
    "women",
    "men",
    "gender_undisclosed",
    "age_under_18",
    "age_18_29",
    "age_30_64",
    "age_65_plus",
]


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"forums:{name}", kwargs=kwargs)


def resen(cast):
    return cast.project.target_municipalities.get(name_en="Resen")


def form_data(cast, **overrides) -> dict:
    data = {
        "kind": "forum_deliberative",
        "municipality": resen(cast).pk,
        "status": "held",
        "date": "2024-05-12",
        "venue": "Дом на култура",
        "language": "mk",
        "title": "",
        "participants": "40",
        "women": "25",
        "men": "14",
        "gender_undisclosed": "1",
        **{f"{part}_qualifier": "exact" for part in QUALIFIERS},
    }
    data.update(overrides)
    return data


def png_file(name="sheet.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_resen_staff_logs_a_session_with_attendance_and_sign_in_sheet(client, cast):
    client.force_login(cast.municipal_staff)
    response = client.post(url("session-log", code=cast.project.code), {**form_data(cast), "sign_in_sheet": png_file()})
    assert response.status_code == 302
    session = ForumSession.objects.get()
    assert (session.sequence, session.municipality, session.created_by) == (1, resen(cast), cast.municipal_staff)
    assert (session.attendance.participants, session.attendance.women) == (40, 25)
    assert session.attachments.get().content_type == "image/png"
    page = client.get(response["Location"]).content.decode()
    assert "Change history" in page and str(cast.municipal_staff) in page


def test_empty_attendance_stays_unknown(client, cast):
    client.force_login(cast.municipal_staff)
    data = form_data(cast, participants="", women="", men="", gender_undisclosed="")
    assert client.post(url("session-log", code=cast.project.code), data).status_code == 302
    assert not Attendance.objects.exists()
    session = ForumSession.objects.get()
    page = client.get(session.get_absolute_url()).content.decode()
    assert "the number of participants is unknown" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"men": "30"}, "add up to 56, more than the 40 participants"),
        ({"women": "-1"}, "greater than or equal to 0"),
        ({"date": "2030-01-01"}, "after the project"),
        ({"date": "2023-12-31"}, "before the project"),
        ({"participants": "", "women": "3"}, "Give the total number of participants"),
    ],
)
def test_bad_attendance_is_refused_and_nothing_saved(client, cast, overrides, message):
    client.force_login(cast.municipal_staff)
    response = client.post(url("session-log", code=cast.project.code), form_data(cast, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ForumSession.objects.exists() and not Attendance.objects.exists()


def test_a_renamed_text_file_is_refused_and_nothing_saved(client, cast):
    client.force_login(cast.municipal_staff)
    fake = SimpleUploadedFile("sheet.pdf", b"just text, not a PDF", content_type="application/pdf")
    response = client.post(url("session-log", code=cast.project.code), {**form_data(cast), "sign_in_sheet": fake})
    assert response.status_code == 400
    assert "Only PDF, JPEG or PNG" in response.content.decode()
    assert not ForumSession.objects.exists() and not Attachment.objects.exists()


def test_municipal_staff_can_only_choose_municipalities_they_serve(client, cast):
    bitola = MunicipalityFactory(name_en="Bitola")
    cast.project.target_municipalities.add(bitola)
    client.force_login(cast.municipal_staff)
    response = client.post(url("session-log", code=cast.project.code), form_data(cast, municipality=bitola.pk))
    assert response.status_code == 400
    assert not ForumSession.objects.exists()


def test_bitola_staff_cannot_edit_a_resen_session(client, cast):
    bitola = MunicipalityFactory(name_en="Bitola")
    staff = MembershipFactory(project=cast.project, role=Membership.Role.MUNICIPAL_STAFF)
    staff.municipalities.add(bitola)
    session = ForumSessionFactory(project=cast.project, municipality=resen(cast), date="2024-05-12")
    client.force_login(staff.user)
    assert client.get(url("session-edit", code=cast.project.code, pk=session.pk)).status_code == 403
    response = client.post(url("session-edit", code=cast.project.code, pk=session.pk), form_data(cast, venue="x"))
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.venue == ""


def test_the_second_of_two_concurrent_edits_gets_a_conflict_and_keeps_its_input(client, cast):
    session = ForumSessionFactory(project=cast.project, municipality=resen(cast), date="2024-05-12")
    client.force_login(cast.municipal_staff)
    edit = url("session-edit", code=cast.project.code, pk=session.pk)
    first = form_data(cast, venue="First clerk", version=session.version)
    second = form_data(cast, venue="Second clerk", version=session.version)
    assert client.post(edit, first).status_code == 302
    response = client.post(edit, second)
    assert response.status_code == 400
    assert "Someone else changed this" in response.content.decode()
    assert 'value="Second clerk"' in response.content.decode()
    session.refresh_from_db()
    assert session.venue == "First clerk"


def test_live_check_reports_parts_above_the_total(client, cast):
    client.force_login(cast.municipal_staff)
    response = client.post(url("attendance-check", code=cast.project.code), form_data(cast, men="30"))
    assert "more than the 40 participants" in response.content.decode()
    response = client.post(url("attendance-check", code=cast.project.code), form_data(cast))
    assert "fit within the total" in response.content.decode()


def test_named_participants_need_consent(client, cast):
    session = ForumSessionFactory(project=cast.project, municipality=resen(cast), date="2024-05-12")
    client.force_login(cast.municipal_staff)
    add = url("participant-add", code=cast.project.code, pk=session.pk)
    client.post(add, {"full_name": "Марија Петровска", "municipality": resen(cast).pk})
    assert not Participant.objects.exists()
    client.post(add, {"full_name": "Марија Петровска", "municipality": resen(cast).pk, "consent_given": "on"})
    assert Participant.objects.get().full_name == "Марија Петровска"
    client.force_login(cast.donor)  # donors read figures, never names
    assert "Марија Петровска" not in client.get(session.get_absolute_url()).content.decode()


def make_sessions(cast, count: int) -> None:
    for day in range(count):
        AttendanceFactory(
            session=ForumSessionFactory(project=cast.project, municipality=resen(cast), date=f"2024-05-{day + 1:02d}"),
            participants=10 + day,
        )


@pytest.mark.parametrize("count", [2, 8])
def test_session_list_queries_do_not_grow_with_sessions(client, cast, django_assert_num_queries, count):
    make_sessions(cast, count)
    client.force_login(cast.municipal_staff)
    client.get(url("project-sessions", code=cast.project.code))  # warm the session
    # session, user, project, served municipalities, count, roles, served per project (for the
    # "Log a session" button), municipality choices of the filter, the page of sessions
    with django_assert_num_queries(9):
        assert client.get(url("project-sessions", code=cast.project.code)).status_code == 200


@pytest.mark.parametrize("count", [2, 8])
def test_participation_page_queries_do_not_grow_with_sessions(client, cast, django_assert_num_queries, count):
    make_sessions(cast, count)
    client.force_login(cast.donor)
    client.get(url("participation", code=cast.project.code))
    with django_assert_num_queries(12):
        response = client.get(url("participation", code=cast.project.code))
    assert response.status_code == 200
    total = sum(10 + day for day in range(count))
    assert str(total) in response.content.decode()


def test_seed_participation_page_shows_the_published_figures(client, seeded):
    page = client.get(url("participation", code="MCMS-RESEN-BITOLA-2008")).content.decode()
    for figure in ("735", "656", "1391", "91.88", "82", "at least 1391"):  # as the seed document prints them
        assert figure in page, figure
    page = client.get(url("participation", code="BG05SFOP001-2.025-0025-C01")).content.decode()
    assert "at least 125" in page


def test_a_session_ending_before_it_starts_is_refused_clearly(client, cast):
    client.force_login(cast.municipal_staff)
    data = form_data(cast, start_time="18:00", end_time="17:00")
    response = client.post(url("session-log", code=cast.project.code), data)
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    assert not ForumSession.objects.exists()
