"""Who may do what with sessions: the role × action matrix, writes refused untouched, lists = predicates."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from forums import services
from forums.models import Attachment, Attendance, Feedback, ForumSession, Participant
from forums.selectors import municipalities_user_may_log_for, sessions_for_list
from projects.models import Membership, Municipality
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.projects.factories import MembershipFactory, MunicipalityFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(cast):
    """Resen (served by ``cast.municipal_staff``), Bitola and its own clerk, and a session in each."""
    resen = Municipality.objects.get(name_en="Resen")
    bitola = MunicipalityFactory(name_en="Bitola")
    cast.project.target_municipalities.add(bitola)
    bitola_staff = MembershipFactory(project=cast.project, role=Membership.Role.MUNICIPAL_STAFF)
    bitola_staff.municipalities.add(bitola)
    return {
        "resen": resen,
        "bitola": bitola,
        "bitola_staff": bitola_staff.user,
        "resen_session": ForumSessionFactory(project=cast.project, municipality=resen),
        "bitola_session": ForumSessionFactory(project=cast.project, municipality=bitola),
    }


def everyone(cast, places) -> dict[str, object]:
    return {**cast.users(), "bitola_staff": places["bitola_staff"]}


# (permission, what it is checked on)
ACTIONS = {
    "add_session": ("forums.add_session", "project"),
    "change_resen_session": ("forums.change_session", "resen_session"),
    "change_bitola_session": ("forums.change_session", "bitola_session"),
    "names_in_resen": ("forums.view_named_participants", "resen_session"),
    "names_in_bitola": ("forums.view_named_participants", "bitola_session"),
    "read_feedback": ("forums.read_feedback", "project"),
    "moderate_feedback": ("forums.moderate_feedback", "project"),
    "view_resen_session": ("forums.view_session", "resen_session"),
    "view_participation": ("forums.view_participation", "project"),
}
EVERYTHING = set(ACTIONS)
READING = {"view_resen_session", "view_participation"}

# What each person may do with the sessions of a private project they relate to as named.
EXPECTED = {
    "anonymous": set(),
    "outsider": set(),
    "other_coordinator": set(),
    "donor": READING | {"read_feedback"},
    "ngo_coordinator": READING,
    "municipal_staff": READING | {"read_feedback", "add_session", "change_resen_session", "names_in_resen"},
    "bitola_staff": READING | {"read_feedback", "add_session", "change_bitola_session", "names_in_bitola"},
    "coordinator": EVERYTHING,
    "staff": EVERYTHING,
}


@pytest.mark.parametrize("who", EXPECTED)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_matrix(cast, places, who, action):
    permission, target = ACTIONS[action]
    obj = cast.project if target == "project" else places[target]
    user = everyone(cast, places)[who]
    assert user.has_perm(permission, obj) is (action in EXPECTED[who])


def test_staff_of_resen_cannot_edit_bitola_session(cast, places):
    assert cast.municipal_staff.has_perm("forums.change_session", places["resen_session"])
    assert not cast.municipal_staff.has_perm("forums.change_session", places["bitola_session"])


def test_municipal_staff_of_another_project_cannot_edit_a_session_in_the_same_municipality(cast, places):
    elsewhere = MembershipFactory(project=cast.other_project, role=Membership.Role.MUNICIPAL_STAFF)
    elsewhere.municipalities.add(places["resen"])
    assert not elsewhere.user.has_perm("forums.add_session", cast.project)
    assert not elsewhere.user.has_perm("forums.change_session", places["resen_session"])
    assert not elsewhere.user.has_perm("forums.view_session", places["resen_session"])


def test_a_session_without_a_municipality_is_edited_only_by_coordinators_and_staff(cast, places):
    training = ForumSessionFactory(project=cast.project, municipality=None, kind="training")
    allowed = {who for who, user in everyone(cast, places).items() if user.has_perm("forums.change_session", training)}
    assert allowed == {"coordinator", "staff"}


@pytest.mark.parametrize("who", ["anonymous", "outsider", "donor", "ngo_coordinator", "municipal_staff"])
def test_anyone_may_view_a_published_projects_sessions_but_not_moderate(cast, places, who):
    cast.project.is_public = True
    cast.project.save()
    user = cast.users()[who]
    assert user.has_perm("forums.view_session", places["bitola_session"])
    assert user.has_perm("forums.view_participation", cast.project)
    assert not user.has_perm("forums.moderate_feedback", cast.project)
    assert not user.has_perm("forums.change_session", places["bitola_session"])


# --- Lists agree with the predicates ---------------------------------------------------------------


def test_visible_to_agrees_with_the_view_predicate_for_everyone(cast, places):
    public_session = ForumSessionFactory(project=ProjectFactory(is_public=True))
    other_session = ForumSessionFactory(project=cast.other_project)
    sessions = [places["resen_session"], places["bitola_session"], public_session, other_session]
    for who, user in everyone(cast, places).items():
        visible = set(ForumSession.objects.visible_to(user))
        listed = set(sessions_for_list(user))
        for session in sessions:
            allowed = user.has_perm("forums.view_session", session)
            assert (session in visible) is allowed, (who, session.project.code)
            assert (session in listed) is allowed, (who, session.project.code)
        assert public_session in visible, who


def test_outsiders_see_nothing_of_a_private_project(cast, places):
    for who in ("anonymous", "outsider", "other_coordinator"):
        user = cast.users()[who]
        assert not ForumSession.objects.visible_to(user).filter(project=cast.project).exists(), who
        assert not sessions_for_list(user, project=cast.project).exists(), who


def test_session_list_is_one_query_whatever_the_number_of_sessions(cast, places, django_assert_num_queries):
    for n in range(5):
        AttendanceFactory(
            session=ForumSessionFactory(project=cast.project, municipality=places["bitola"]), participants=n + 1
        )
    with django_assert_num_queries(1):
        rows = [
            (s.project.code, s.municipality.name_en, s.attendance.participants if hasattr(s, "attendance") else None)
            for s in sessions_for_list(cast.coordinator, project=cast.project)
        ]
    assert len(rows) == 7
    assert sorted(p for _code, _place, p in rows if p is not None) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("coordinator", {"Resen", "Bitola"}),
        ("staff", {"Resen", "Bitola"}),
        ("municipal_staff", {"Resen"}),
        ("bitola_staff", {"Bitola"}),
        ("donor", set()),
        ("ngo_coordinator", set()),
        ("outsider", set()),
        ("anonymous", set()),
    ],
)
def test_municipalities_a_user_may_log_for(cast, places, who, expected):
    user = everyone(cast, places)[who]
    names = {m.name_en for m in municipalities_user_may_log_for(user, cast.project)}
    assert names == expected
    for municipality in municipalities_user_may_log_for(user, cast.project):
        draft = ForumSession(project=cast.project, municipality=municipality)
        assert user.has_perm("forums.change_session", draft)


# --- Denied writes change nothing ------------------------------------------------------------------

NOT_WRITERS = ["anonymous", "outsider", "other_coordinator", "donor", "ngo_coordinator"]


@pytest.mark.parametrize("who", NOT_WRITERS)
def test_denied_session_log_saves_nothing(cast, places, who):
    draft = ForumSessionFactory.build(project=cast.project, municipality=places["resen"])
    with pytest.raises(PermissionDenied):
        services.forum_session_save(actor=cast.users()[who], session=draft, attendance=Attendance(participants=10))
    assert ForumSession.objects.count() == 2
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", [*NOT_WRITERS, "bitola_staff"])
def test_denied_session_edit_changes_nothing(cast, places, who):
    editing = ForumSession.objects.get(pk=places["resen_session"].pk)
    editing.venue = "Hijacked"
    with pytest.raises(PermissionDenied):
        services.forum_session_save(
            actor=everyone(cast, places)[who],
            session=editing,
            attendance=Attendance(participants=10),
            expected_version=editing.version,
        )
    stored = ForumSession.objects.get(pk=places["resen_session"].pk)
    assert (stored.venue, stored.version) == ("", 1)
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", [*NOT_WRITERS, "bitola_staff"])
def test_denied_attachment_and_named_participant_store_nothing(cast, places, who, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = everyone(cast, places)[who]
    session = places["resen_session"]
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=user,
            session=session,
            kind=Attachment.Kind.MINUTES,
            upload=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
    with pytest.raises(PermissionDenied):
        services.participant_add(
            actor=user, session=session, full_name="Марко Марковски", municipality=None, consent_given=True
        )
    assert not Attachment.objects.exists()
    assert not Participant.objects.exists()
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("who", [*NOT_WRITERS, "municipal_staff", "bitola_staff"])
def test_only_coordinators_and_staff_moderate_feedback(cast, places, who):
    feedback = services.feedback_submit(
        session=places["resen_session"],
        device_id="device",
        satisfaction=5,
        was_useful=True,
        comment="Одлично",
        language="mk",
    )
    with pytest.raises(PermissionDenied):
        services.feedback_moderate(
            actor=everyone(cast, places)[who], feedback=feedback, decision=Feedback.Moderation.APPROVED
        )
    stored = Feedback.objects.get()
    assert (stored.moderation, stored.moderated_by) == (Feedback.Moderation.PENDING, None)


def test_coordinator_moderates_feedback(cast, places):
    feedback = services.feedback_submit(
        session=places["resen_session"],
        device_id="device",
        satisfaction=5,
        was_useful=None,
        comment="Одлично",
        language="mk",
    )
    services.feedback_moderate(actor=cast.coordinator, feedback=feedback, decision=Feedback.Moderation.APPROVED)
    stored = Feedback.objects.get()
    assert (stored.moderation, stored.moderated_by) == (Feedback.Moderation.APPROVED, cast.coordinator)
