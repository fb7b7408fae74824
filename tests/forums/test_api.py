"""The forums API under /api/v1/: who sees and logs which session, what bad input gets back, edits that
cross, and the participation figures (unknown stays null)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from forums.api import CategoriesSerializer
from forums.models import (
    Attendance,
    Category,
    Forum,
    ForumSession,
    GroupCount,
    Kind,
    Qualifier,
    ResidenceCount,
)
from projects.models import Membership, Project
from tests.forums.factories import (
    AttendanceFactory,
    ForumSessionFactory,
    GroupCountFactory,
    ResidenceCountFactory,
    VulnerableGroupFactory,
)
from tests.projects.factories import MembershipFactory, MunicipalityFactory, ProjectFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
SLIVEN = "BG05SFOP001-2.025-0025-C01"
LINK4COOP = "LINK4COOP-BIH-2021"


# --- Helpers -------------------------------------------------------------------------------------


def client_for(user=None, language: str = "en") -> APIClient:
    """An API client speaking ``language``, signed in as ``user`` unless it is anonymous."""
    client = APIClient(headers={"Accept-Language": language})
    if user is not None and user.is_authenticated:
        client.force_authenticate(user)
    return client


def session_url(session: ForumSession) -> str:
    return f"{SESSIONS}{session.pk}/"


def participation_url(project: Project) -> str:
    return f"/api/v1/projects/{project.pk}/participation/"


def listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def stored() -> dict[str, list[dict]]:
    """Every session, forum and attendance row as stored now, to show a refused request saved nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (ForumSession, Forum, Attendance, GroupCount, ResidenceCount)
    }


def errors_of(response, *path: str) -> str:
    """The messages of one (nested) field of a 400, as one string."""
    assert response.status_code == 400, (response.status_code, response.data)
    errors = response.data
    for key in path:
        assert key in errors, response.data
        errors = errors[key]
    return " ".join(str(message) for message in errors)


def resen_of(cast):
    return cast.project.target_municipalities.get(name_en="Resen")


@pytest.fixture
def bitola(cast):
    bitola = MunicipalityFactory(name_en="Bitola")
    cast.project.target_municipalities.add(bitola)
    return bitola


@pytest.fixture
def bitola_clerk(cast, bitola):
    """Municipal staff of the same project, serving Bitola only."""
    membership = MembershipFactory(project=cast.project, role=Membership.Role.MUNICIPAL_STAFF)
    membership.municipalities.add(bitola)
    return membership.user


@pytest.fixture
def resen_session(cast):
    """A held forum session in Resen with 20 participants, 2 of them from a vulnerable group."""
    session = ForumSessionFactory(project=cast.project, municipality=resen_of(cast), title_mk="Буџет 2025")
    attendance = AttendanceFactory(session=session, participants=20, women=12)
    GroupCountFactory(attendance=attendance, count=2)
    ResidenceCountFactory(attendance=attendance, municipality=resen_of(cast), count=15)
    return session


def new_session(cast, **overrides) -> dict:
    return {
        "project": cast.project.pk,
        "kind": Kind.FORUM_DELIBERATIVE,
        "municipality": resen_of(cast).pk,
        "status": ForumSession.Status.HELD,
        "date": "2024-06-01",
        "venue": "Resen town hall",
        "title_mk": "Јавна расправа за буџетот",
        **overrides,
    }


def post_session(user, payload: dict, language: str = "en"):
    return client_for(user, language).post(SESSIONS, payload, format="json")


def patch_session(user, session: ForumSession, version: int | None = 1, language: str = "en", **changes):
    payload = {**changes, **({"version": version} if version is not None else {})}
    return client_for(user, language).patch(session_url(session), payload, format="json")


# --- 1. Who sees which session -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_coordinator"])
def test_session_of_a_private_project_is_hidden_from_non_members(cast, resen_session, who):
    client = client_for(getattr(cast, who))

    assert resen_session.pk not in listed_ids(client.get(SESSIONS))
    assert client.get(session_url(resen_session)).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "municipal_staff", "ngo_coordinator", "donor", "staff"])
def test_members_and_staff_list_and_read_sessions_of_a_private_project(cast, resen_session, who):
    client = client_for(getattr(cast, who))

    assert listed_ids(client.get(SESSIONS)) == {resen_session.pk}
    assert client.get(session_url(resen_session)).data["id"] == resen_session.pk


def test_anonymous_reads_sessions_of_a_public_project(cast):
    session = ForumSessionFactory(project=ProjectFactory(is_public=True))
    AttendanceFactory(session=session, participants=31)
    client = client_for()

    assert listed_ids(client.get(SESSIONS)) == {session.pk}
    data = client.get(session_url(session)).data
    assert data["attendance"]["participants"] == 31


def test_filtering_by_a_private_project_answers_as_for_a_missing_one(cast, resen_session):
    missing = Project.objects.order_by("pk").last().pk + 1

    for project_id in (cast.project.pk, missing):
        response = client_for(cast.outsider).get(SESSIONS, {"project": project_id})
        assert "valid choice" in errors_of(response, "project")
    response = client_for(cast.donor).get(SESSIONS, {"project": cast.project.pk})
    assert listed_ids(response) == {resen_session.pk}


def test_participation_of_a_private_project_is_404_for_non_members(cast):
    assert client_for(cast.outsider).get(participation_url(cast.project)).status_code == 404
    assert client_for().get(participation_url(cast.project)).status_code == 404
    assert client_for(cast.donor).get(participation_url(cast.project)).status_code == 200


# --- 2. Fields, filters, ordering ----------------------------------------------------------------


def test_session_shows_its_place_texts_and_attendance(cast, resen_session):
    data = client_for(cast.donor, "mk").get(session_url(resen_session)).data

    assert data["project"] == cast.project.pk
    assert (data["kind"], data["category"], data["status"]) == ("forum_informational", "forum", "held")
    assert data["municipality"] == resen_of(cast).pk
    assert data["title"] == "Буџет 2025"
    assert data["page_url"] == f"http://testserver/mk/projects/{cast.project.code}/sessions/{resen_session.pk}/"
    attendance = data["attendance"]
    assert (attendance["participants"], attendance["women"], attendance["men"]) == (20, 12, None)
    assert attendance["groups"] == [
        {"group": GroupCount.objects.get().group_id, "count": 2, "qualifier": Qualifier.EXACT}
    ]
    assert attendance["residence"] == [{"municipality": resen_of(cast).pk, "count": 15, "qualifier": "exact"}]


def test_session_without_attendance_shows_it_as_null_not_zero(cast):
    session = ForumSessionFactory(project=cast.project, municipality=resen_of(cast))

    assert client_for(cast.donor).get(session_url(session)).data["attendance"] is None


def test_list_is_ordered_by_date_and_filters_by_status_kind_place_and_dates(cast, bitola):
    resen = resen_of(cast)
    late = ForumSessionFactory(project=cast.project, municipality=resen, date=datetime.date(2024, 9, 1))
    early = ForumSessionFactory(project=cast.project, municipality=bitola, date=datetime.date(2024, 3, 1))
    planned = ForumSessionFactory(
        project=cast.project,
        municipality=resen,
        kind=Kind.TRAINING,
        status=ForumSession.Status.PLANNED,
        date=datetime.date(2024, 6, 1),
    )
    client = client_for(cast.donor)

    def ids(**params) -> list[int]:
        response = client.get(SESSIONS, params)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids() == [early.pk, planned.pk, late.pk]
    assert ids(status="planned") == [planned.pk]
    assert ids(kind="training") == [planned.pk]
    assert ids(category="forum") == [early.pk, late.pk]
    assert ids(municipality=bitola.pk) == [early.pk]
    assert ids(date_after="2024-06-01", date_before="2024-12-31") == [planned.pk, late.pk]


def test_vulnerable_groups_are_listed_in_order_in_the_request_language(db):
    roma = VulnerableGroupFactory(name_en="Roma", name_mk="Роми", order=100)
    retired = VulnerableGroupFactory(name_en="Refugees", name_mk="", is_active=False, order=101)

    response = client_for(language="mk").get("/api/v1/vulnerable-groups/")

    assert response.status_code == 200
    rows = response.data["results"]
    assert [(r["id"], r["name"], r["is_active"]) for r in rows[-2:]] == [
        (roma.pk, "Роми", True),
        (retired.pk, "Refugees", False),
    ]
    assert rows[-2]["name_en"] == "Roma"


# --- 3. Logging and editing by role --------------------------------------------------------------


def test_resen_clerk_logs_a_held_session_with_attendance_and_the_figures_show_it(cast):
    roma = VulnerableGroupFactory(name_en="Roma")
    attendance = {
        "participants": 40,
        "women": 25,
        "men": 14,
        "gender_undisclosed": 1,
        "age_18_29": 10,
        "age_30_64": 22,
        "age_65_plus": 6,
        "age_65_plus_qualifier": "approximate",
        "groups": [{"group": roma.pk, "count": 7}],
        "residence": [{"municipality": resen_of(cast).pk, "count": 36, "qualifier": "at_least"}],
    }

    response = post_session(cast.municipal_staff, new_session(cast, attendance=attendance))

    assert response.status_code == 201, response.data
    session = ForumSession.objects.get(pk=response.data["id"])
    assert (session.created_by, session.language, session.version) == (cast.municipal_staff, "en", 1)
    assert (session.forum.municipality, session.sequence) == (resen_of(cast), 1)
    assert (response.data["forum"], response.data["sequence"]) == (session.forum_id, 1)
    stored_attendance = Attendance.objects.get(session=session)
    assert (stored_attendance.participants, stored_attendance.women, stored_attendance.age_under_18) == (40, 25, None)
    assert response.data["attendance"]["groups"] == [{"group": roma.pk, "count": 7, "qualifier": "exact"}]
    assert response.data["attendance"]["residence"] == [
        {"municipality": resen_of(cast).pk, "count": 36, "qualifier": "at_least"}
    ]

    figures = client_for(cast.donor).get(participation_url(cast.project)).data
    forum = figures["categories"]["forum"]
    assert forum["sessions"] == 1
    assert forum["participants"] == {"value": 40, "qualifier": "exact", "suppressed": False}
    assert forum["average_per_session"] == {"value": "40.00", "qualifier": "exact", "suppressed": False}
    [resen] = forum["by_municipality"]
    assert resen["municipality"] == {"id": resen_of(cast).pk, "name": "Resen"}
    assert (resen["sessions"], resen["sessions_with_figures"], resen["includes_reported"]) == (1, 1, False)
    assert figures["participants_total"] == {"value": 40, "qualifier": "exact", "suppressed": False}
    assert figures["sessions_by_kind"] == [{"kind": "forum_deliberative", "planned": 0, "held": 1, "cancelled": 0}]
    gender = {part["part"]: (part["count"]["value"], part["share"]["value"]) for part in figures["gender"]["parts"]}
    assert gender == {"women": (25, "62.50"), "men": (14, "35.00"), "gender_undisclosed": (1, "2.50")}
    age = {part["part"]: (part["count"], part["share"]) for part in figures["age"]["parts"]}
    assert age["age_under_18"] == (
        {"value": None, "qualifier": "exact", "suppressed": False},
        {"value": None, "qualifier": "exact", "suppressed": False},
    )
    assert age["age_65_plus"] == (
        {"value": 6, "qualifier": "approximate", "suppressed": False},
        {"value": "15.00", "qualifier": "approximate", "suppressed": False},
    )
    assert figures["age"]["not_recorded"] == {"value": 2, "qualifier": "approximate", "suppressed": False}


def test_the_next_forum_session_in_a_municipality_gets_the_next_number(cast):
    first = post_session(cast.municipal_staff, new_session(cast))
    second = post_session(cast.municipal_staff, new_session(cast, date="2024-07-01"))

    assert (first.data["sequence"], second.data["sequence"]) == (1, 2)
    assert first.data["forum"] == second.data["forum"]


def test_resen_clerk_cannot_log_a_session_in_bitola(cast, bitola):
    before = stored()

    response = post_session(cast.municipal_staff, new_session(cast, municipality=bitola.pk))

    assert response.status_code == 403, response.data
    assert "only log and edit sessions in the municipalities you serve" in str(response.data["detail"])
    assert stored() == before


def test_bitola_clerk_cannot_edit_a_resen_session(cast, resen_session, bitola_clerk):
    before = stored()

    response = patch_session(bitola_clerk, resen_session, venue="Bitola", attendance={"participants": 99})

    assert response.status_code == 403, response.data
    assert stored() == before


def test_resen_clerk_cannot_move_a_session_to_bitola(cast, resen_session, bitola):
    before = stored()

    response = patch_session(cast.municipal_staff, resen_session, municipality=bitola.pk)

    assert response.status_code == 403, response.data
    assert "only log and edit sessions in the municipalities you serve" in str(response.data["detail"])
    assert stored() == before


def test_coordinator_moving_a_forum_session_gives_it_the_next_number_in_the_other_forum(cast, bitola):
    resen_first = post_session(cast.coordinator, new_session(cast)).data
    post_session(cast.coordinator, new_session(cast, municipality=bitola.pk))
    session = ForumSession.objects.get(pk=resen_first["id"])

    response = patch_session(cast.coordinator, session, municipality=bitola.pk)

    assert response.status_code == 200, response.data
    assert (response.data["forum"], response.data["sequence"]) == (Forum.objects.get(municipality=bitola).pk, 2)


CREATE_REFUSED = {"ngo_coordinator": 403, "donor": 403, "outsider": 400, "other_coordinator": 400}


@pytest.mark.parametrize(("who", "status"), CREATE_REFUSED.items())
def test_users_who_may_not_log_sessions_are_refused_and_nothing_is_saved(cast, who, status):
    before = stored()

    response = post_session(getattr(cast, who), new_session(cast, attendance={"participants": 10}))

    assert response.status_code == status, response.data
    if status == 400:  # a project the user cannot see is no valid choice: its existence is not revealed
        assert "project" in response.data
    assert stored() == before


@pytest.mark.parametrize("who", ["coordinator", "staff"])
def test_coordinator_and_staff_log_sessions_in_any_municipality(cast, bitola, who):
    response = post_session(getattr(cast, who), new_session(cast, municipality=bitola.pk))

    assert response.status_code == 201, response.data


@pytest.mark.parametrize("who", ["donor", "ngo_coordinator"])
def test_donor_and_ngo_coordinator_cannot_edit_a_session(cast, resen_session, who):
    before = stored()

    response = patch_session(getattr(cast, who), resen_session, venue="Elsewhere")

    assert response.status_code == 403
    assert stored() == before


def test_anonymous_cannot_log_or_edit_a_session_of_a_public_project(cast, resen_session):
    Project.objects.filter(pk=cast.project.pk).update(is_public=True)
    before = stored()

    assert post_session(None, new_session(cast)).status_code in {401, 403}
    assert patch_session(None, resen_session, venue="Elsewhere").status_code in {401, 403}
    assert stored() == before


def test_sessions_cannot_be_deleted_only_cancelled(cast, resen_session):
    client = client_for(cast.coordinator)

    assert client.delete(session_url(resen_session)).status_code == 405
    response = patch_session(cast.coordinator, resen_session, status="cancelled")
    assert response.status_code == 200, response.data
    assert ForumSession.objects.get(pk=resen_session.pk).status == "cancelled"


def test_project_of_a_session_cannot_be_changed(cast, resen_session):
    MembershipFactory(user=cast.coordinator, project=cast.other_project, role=Membership.Role.COORDINATOR)

    response = patch_session(cast.coordinator, resen_session, project=cast.other_project.pk, venue="Hall")

    assert response.status_code == 200, response.data
    assert ForumSession.objects.get(pk=resen_session.pk).project == cast.project


# --- 4. Editing attendance -----------------------------------------------------------------------


def test_patching_some_counts_keeps_the_others(cast, resen_session):
    response = patch_session(
        cast.municipal_staff, resen_session, attendance={"men": 8, "participants_qualifier": "at_least"}
    )

    assert response.status_code == 200, response.data
    attendance = Attendance.objects.get(session=resen_session)
    assert (attendance.participants, attendance.participants_qualifier) == (20, "at_least")
    assert (attendance.women, attendance.men) == (12, 8)
    assert GroupCount.objects.get(attendance=attendance).count == 2
    assert ResidenceCount.objects.get(attendance=attendance).count == 15
    assert response.data["version"] == 2


def test_putting_attendance_replaces_it_whole(cast, resen_session):
    data = client_for(cast.municipal_staff).get(session_url(resen_session)).data
    payload = {key: value for key, value in data.items() if value is not None}
    payload["attendance"] = {"participants": 18, "groups": []}

    response = client_for(cast.municipal_staff).put(session_url(resen_session), payload, format="json")

    assert response.status_code == 200, response.data
    attendance = Attendance.objects.get(session=resen_session)
    assert (attendance.participants, attendance.women) == (18, None)
    assert not GroupCount.objects.exists()
    assert not ResidenceCount.objects.exists()


def test_null_attendance_clears_what_was_recorded(cast, resen_session):
    response = patch_session(cast.municipal_staff, resen_session, attendance=None)

    assert response.status_code == 200, response.data
    assert response.data["attendance"]["participants"] is None
    assert not GroupCount.objects.exists()
    figures = client_for(cast.donor).get(participation_url(cast.project)).data
    assert figures["categories"]["forum"]["participants"] == {"value": None, "qualifier": "exact", "suppressed": False}
    assert figures["participants_total"]["value"] is None


def test_every_part_above_the_total_is_named_not_only_the_last(cast):
    roma = VulnerableGroupFactory(name_en="Roma")
    attendance = {
        "participants": 10,
        "groups": [{"group": roma.pk, "count": 11}],
        "residence": [{"municipality": resen_of(cast).pk, "count": 12}],
    }

    response = post_session(cast.municipal_staff, new_session(cast, attendance=attendance))

    messages = errors_of(response, "attendance", "participants")
    assert "Roma: 11 is more than the 10 participants." in messages
    assert "The municipalities of residence add up to 12, more than the 10 participants." in messages


def test_a_group_counted_twice_is_refused(cast):
    roma = VulnerableGroupFactory()
    before = stored()
    twice = [{"group": roma.pk, "count": 1}, {"group": roma.pk, "count": 2}]

    response = post_session(cast.municipal_staff, new_session(cast, attendance={"participants": 5, "groups": twice}))

    assert "only once" in errors_of(response, "attendance", "groups")
    assert stored() == before


# --- 5. Bad input: a clear message on the field, nothing saved -----------------------------------


def roma_above_the_total() -> list[dict]:
    return [{"group": VulnerableGroupFactory(name_en="Roma").pk, "count": 11}]


def residents_above_the_total(cast) -> list[dict]:
    return [
        {"municipality": resen_of(cast).pk, "count": 7},
        {"municipality": MunicipalityFactory().pk, "count": 5},
    ]


# Each case: the attendance sent (built for the cast), the field named in the 400 and its message.
BAD_ATTENDANCE = {
    "negative count": (lambda cast: {"participants": -1}, "participants", "greater than or equal to 0"),
    "women and men above the total": (
        lambda cast: {"participants": 10, "women": 6, "men": 5},
        "women",
        "Women, men and undisclosed add up to 11, more than the 10 participants.",
    ),
    "age bands above the total": (
        lambda cast: {"participants": 10, "age_under_18": 4, "age_65_plus": 7},
        "age_under_18",
        "The age bands add up to 11, more than the 10 participants.",
    ),
    "parts without a total": (lambda cast: {"women": 3}, "participants", "Give the total number of participants"),
    "residence above the total": (
        lambda cast: {"participants": 10, "residence": residents_above_the_total(cast)},
        "participants",
        "The municipalities of residence add up to 12, more than the 10 participants.",
    ),
    "group above the total": (
        lambda cast: {"participants": 10, "groups": roma_above_the_total()},
        "participants",
        "Roma: 11 is more than the 10 participants.",
    ),
    "unknown qualifier": (
        lambda cast: {"participants": 10, "women_qualifier": "maybe"},
        "women_qualifier",
        "not a valid choice",
    ),
}


@pytest.mark.parametrize(("attendance_for", "field", "message"), BAD_ATTENDANCE.values(), ids=BAD_ATTENDANCE)
def test_bad_attendance_of_a_new_session_is_refused_on_its_field_and_nothing_is_saved(
    cast, attendance_for, field, message
):
    payload = new_session(cast, attendance=attendance_for(cast))
    before = stored()

    response = post_session(cast.municipal_staff, payload)

    assert message in errors_of(response, "attendance", field)
    assert stored() == before


@pytest.mark.parametrize(("attendance_for", "field", "message"), BAD_ATTENDANCE.values(), ids=BAD_ATTENDANCE)
def test_bad_attendance_of_an_edit_is_refused_and_the_stored_one_is_kept(
    cast, resen_session, attendance_for, field, message
):
    # Sent whole, so what the stored attendance has (20 participants, 12 women) does not mix in.
    attendance = {"participants": None, "women": None, "groups": [], "residence": [], **attendance_for(cast)}
    before = stored()

    response = patch_session(cast.municipal_staff, resen_session, venue="Changed", attendance=attendance)

    assert message in errors_of(response, "attendance", field)
    assert stored() == before


def future(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


BAD_SESSIONS = {
    "before the project's start": ({"date": "2023-12-31"}, "date", "The date is before the project's start."),
    "after the project's end": ({"date": "2026-01-01"}, "date", "The date is after the project's end."),
    "unknown kind": ({"kind": "picnic"}, "kind", "not a valid choice"),
    "no municipality": ({"municipality": None}, "municipality", "Choose the municipality that hosts the session."),
}


@pytest.mark.parametrize(("changes", "field", "message"), BAD_SESSIONS.values(), ids=BAD_SESSIONS)
def test_bad_session_is_refused_on_its_field_and_nothing_is_saved(cast, changes, field, message):
    payload = new_session(cast, attendance={"participants": 12}, **changes)
    before = stored()

    response = post_session(cast.municipal_staff, payload)

    assert message in errors_of(response, field)
    assert stored() == before


def test_session_in_the_future_cannot_have_been_held(cast):
    # The project runs on past today, so only the status is wrong.
    Project.objects.filter(pk=cast.project.pk).update(end_date=timezone.localdate() + datetime.timedelta(days=365))
    before = stored()

    response = post_session(cast.municipal_staff, new_session(cast, date=future(30), attendance={"participants": 12}))

    assert "A session in the future cannot have been held yet." in errors_of(response, "status")
    assert stored() == before


def test_planned_session_may_be_in_the_future(cast):
    Project.objects.filter(pk=cast.project.pk).update(end_date=timezone.localdate() + datetime.timedelta(days=365))

    response = post_session(cast.municipal_staff, new_session(cast, status="planned", date=future(30)))

    assert response.status_code == 201, response.data


def test_date_outside_the_period_of_an_edited_session_is_refused_and_its_attendance_kept(cast, resen_session):
    before = stored()

    response = patch_session(cast.municipal_staff, resen_session, date="2026-02-01", attendance={"participants": 25})

    assert "after the project's end" in errors_of(response, "date")
    assert stored() == before


# --- 6. Edits that cross -------------------------------------------------------------------------


def test_second_of_two_edits_from_the_same_version_gets_a_conflict_and_changes_nothing(cast, resen_session):
    first = patch_session(cast.municipal_staff, resen_session, version=1, venue="School", attendance={"men": 7})
    assert first.status_code == 200, first.data
    before = stored()

    second = patch_session(cast.coordinator, resen_session, version=1, venue="Library", attendance={"men": 3})

    assert second.status_code == 409, second.data
    assert "Someone else changed this while you were editing it" in str(second.data["detail"])
    assert stored() == before
    assert Attendance.objects.get(session=resen_session).men == 7


def test_edit_without_version_is_refused(cast, resen_session):
    before = stored()

    response = patch_session(cast.municipal_staff, resen_session, version=None, venue="School")

    assert "Send the version the edit started from" in errors_of(response, "version")
    assert stored() == before


# --- 7. Figures of the seed projects -------------------------------------------------------------


def test_resen_bitola_forum_figures_come_from_the_published_totals(seeded):
    figures = client_for().get(participation_url(seeded[RESEN_BITOLA])).data

    forum = figures["categories"]["forum"]
    places = {row["municipality"]["name"]: row for row in forum["by_municipality"]}
    assert set(places) == {"Resen", "Bitola"}
    for name, sessions, participants, average in (("Resen", 8, 735, "91.88"), ("Bitola", 8, 656, "82.00")):
        assert places[name]["sessions"] == sessions
        assert places[name]["participants"] == {"value": participants, "qualifier": "exact", "suppressed": False}
        assert places[name]["average_per_session"] == {"value": average, "qualifier": "exact", "suppressed": False}
        assert places[name]["includes_reported"] is True
    assert forum["participants"] == {"value": 1391, "qualifier": "exact", "suppressed": False}
    # The three trainings have no count: the total is a lower bound, not a smaller exact figure.
    assert figures["categories"]["training"]["sessions"] == 3
    assert figures["categories"]["training"]["participants"] == {
        "value": None,
        "qualifier": "exact",
        "suppressed": False,
    }
    assert figures["participants_total"] == {"value": 1391, "qualifier": "at_least", "suppressed": False}
    assert {(r["category"], r["municipality"]["name"], r["participants"]) for r in figures["reported"]} == {
        ("forum", "Resen", 735),
        ("forum", "Bitola", 656),
    }
    assert all(r["source"] for r in figures["reported"])


def test_sliven_events_total_is_a_lower_bound(seeded):
    events = client_for().get(participation_url(seeded[SLIVEN])).data["categories"]["event"]

    assert events["sessions"] == 6
    assert events["participants"] == {"value": 125, "qualifier": "at_least", "suppressed": False}


def test_link4cooperation_has_only_planned_sessions_and_no_participants_yet(seeded):
    figures = client_for().get(participation_url(seeded[LINK4COOP])).data

    assert sum(row["planned"] for row in figures["sessions_by_kind"]) == 5
    assert sum(row["held"] for row in figures["sessions_by_kind"]) == 0
    assert figures["participants_total"] == {"value": None, "qualifier": "exact", "suppressed": False}
    unknown = {"value": None, "qualifier": "exact", "suppressed": False}
    assert figures["gender"] == {"base": unknown, "parts": [], "not_recorded": unknown}


def test_figures_have_one_entry_per_category(db):
    assert set(CategoriesSerializer().fields) == set(Category.values)


# --- 8. Query counts -----------------------------------------------------------------------------


def sessions_with_everything(count: int) -> Project:
    """A public project with ``count`` held sessions, each in its own municipality, fully counted."""
    project = ProjectFactory(is_public=True)
    groups = [VulnerableGroupFactory(), VulnerableGroupFactory()]
    for _ in range(count):
        place = MunicipalityFactory()
        project.target_municipalities.add(place)
        attendance = AttendanceFactory(
            session=ForumSessionFactory(project=project, municipality=place), participants=30, women=16, men=14
        )
        for group in groups:
            GroupCountFactory(attendance=attendance, group=group, count=3)
        ResidenceCountFactory(attendance=attendance, municipality=place, count=20)
        ResidenceCountFactory(attendance=attendance, count=5)
    return project


# A count, the sessions with their project, place and attendance, then group and residence counts.
LIST_QUERIES = 4


@pytest.mark.parametrize("count", [2, 3, 8, 9])
def test_session_list_queries_do_not_grow_with_the_number_of_sessions(db, django_assert_num_queries, count):
    sessions_with_everything(count)
    client = client_for()

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(SESSIONS)

    assert response.data["count"] == count
    for row in response.data["results"]:
        # Each vulnerable group counts 3 people: an anonymous reader gets them withheld, and told so.
        assert row["attendance"]["groups"] == []
        assert len([key for key in row["attendance"]["suppressed"] if key.startswith("groups:")]) == 2
        assert len(row["attendance"]["residence"]) == 2


@pytest.mark.parametrize("count", [2, 8])
def test_member_session_list_queries_do_not_grow_either(cast, django_assert_num_queries, count):
    for _ in range(count):
        AttendanceFactory(session=ForumSessionFactory(project=cast.project, municipality=resen_of(cast)))
    client = client_for(cast.municipal_staff)

    # and the ?project= choice among the visible projects, and the reader's roles (exact small groups or "<5")
    with django_assert_num_queries(LIST_QUERIES + 2):
        response = client.get(SESSIONS, {"project": cast.project.pk, "status": "held"})

    assert response.data["count"] == count


# The project; sessions by kind and status; held sessions by category and place; the published
# totals with their places; the places of the held sessions; the gender and age sums.
PARTICIPATION_QUERIES = 6


@pytest.mark.parametrize("count", [2, 8])
def test_participation_queries_do_not_grow_with_the_number_of_sessions(db, django_assert_num_queries, count):
    project = sessions_with_everything(count)
    client = client_for()

    with django_assert_num_queries(PARTICIPATION_QUERIES):
        response = client.get(participation_url(project))

    assert response.data["categories"]["forum"]["participants"] == {
        "value": 30 * count,
        "qualifier": "exact",
        "suppressed": False,
    }
    assert len(response.data["categories"]["forum"]["by_municipality"]) == count


# --- 9. Schema -----------------------------------------------------------------------------------


def test_schema_documents_sessions_and_participation(db):
    schema = client_for().get("/api/schema/", {"format": "json"}).json()

    assert "409" in schema["paths"]["/api/v1/sessions/{id}/"]["patch"]["responses"]
    participation = schema["paths"]["/api/v1/projects/{id}/participation/"]["get"]
    assert participation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ParticipationFigures"
    }
    assert "delete" not in schema["paths"]["/api/v1/sessions/{id}/"]


def test_schema_is_generated_without_warnings(db, tmp_path):
    # --fail-on-warn turns any warning (an untyped field, an enum name collision) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
