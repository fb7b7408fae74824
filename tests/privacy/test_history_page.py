"""The History page: a project's coordinators (and staff) see every change, newest first."""

import pytest
from auditlog.context import set_actor
from django.urls import reverse
from django.utils import translation

from forums.models import ForumSession, Qualifier
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.projects.factories import BudgetLineFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db


def history_url(project, **query) -> str:
    with translation.override("en"):
        url = reverse("audit:project-history", kwargs={"code": project.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def get(client, user, url):
    if user.is_authenticated:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),  # a private project does not exist for them
        ("outsider", 404),
        ("other_coordinator", 404),
        ("municipal_staff", 403),
        ("ngo_coordinator", 403),
        ("donor", 403),
        ("coordinator", 200),
        ("staff", 200),
    ],
)
def test_only_coordinators_and_staff_read_the_history(cast, client, who, status):
    assert get(client, getattr(cast, who), history_url(cast.project)).status_code == status


def test_members_of_a_public_project_who_are_not_coordinators_are_refused(cast, client):
    cast.project.is_public = True
    cast.project.save()

    assert get(client, cast.outsider, history_url(cast.project)).status_code == 403
    assert get(client, cast.donor, history_url(cast.project)).status_code == 403


def test_the_nav_links_to_the_history_for_coordinators_only(cast, client):
    project_page = history_url(cast.project).replace("history/", "")
    link = history_url(cast.project)

    assert link in get(client, cast.coordinator, project_page).content.decode()
    client.logout()
    assert link not in get(client, cast.donor, project_page).content.decode()


def test_an_entry_shows_who_when_what_and_each_field_before_and_after(cast, client):
    ohrid = MunicipalityFactory(name_en="Ohrid")
    session = ForumSessionFactory(project=cast.project, status=ForumSession.Status.PLANNED, venue="Library")
    with set_actor(cast.municipal_staff):
        session.status = ForumSession.Status.HELD
        session.municipality = ohrid
        session.save()
        attendance = AttendanceFactory(session=session, participants=20)
        attendance.participants_qualifier = Qualifier.APPROXIMATE
        attendance.save()

    with translation.override("en"):
        page = get(client, cast.coordinator, history_url(cast.project)).content.decode()

    assert str(cast.municipal_staff) in page
    assert "Status: Planned → Held" in page  # field by its verbose name, choices by label
    assert "Host municipality:" in page and "→ Ohrid" in page  # a related record by its name
    assert "Qualifier: exact → approximately" in page
    assert reverse("forums:session", kwargs={"code": cast.project.code, "pk": session.pk}) in page
    assert page.index("Qualifier: exact → approximately") < page.index("Status: Planned → Held")  # newest first
    assert "system" in page  # the factory's writes outside any request
    assert "ID: " not in page  # the automatic id, like reverse relations, says nothing to a reader


def test_the_history_filters_by_kind_of_record(cast, client):
    with set_actor(cast.coordinator):
        BudgetLineFactory(project=cast.project, description_en="Hall rent")
        ForumSessionFactory(project=cast.project, venue="Library")

    with translation.override("en"):
        page = get(client, cast.coordinator, history_url(cast.project, kind="projects.budgetline")).content.decode()

    assert "Hall rent" in page
    assert "Library" not in page
    with translation.override("en"):
        assert reverse("projects:section", kwargs={"code": cast.project.code, "section": "budget"}) in page


def test_the_history_of_one_project_shows_nothing_of_another(cast, client):
    with set_actor(cast.other_coordinator):
        BudgetLineFactory(project=cast.other_project, description_en="Secret line")

    page = get(client, cast.coordinator, history_url(cast.project)).content.decode()

    assert "Secret line" not in page


@pytest.mark.parametrize("sessions", [2, 20])
def test_the_history_page_costs_the_same_queries_for_2_and_20_entries(
    cast, client, django_assert_num_queries, sessions
):
    municipality = MunicipalityFactory()
    with set_actor(cast.coordinator):
        for _ in range(sessions):
            session = ForumSessionFactory(project=cast.project, municipality=municipality)
            session.municipality = MunicipalityFactory()
            session.save()
    client.force_login(cast.coordinator)
    url = history_url(cast.project)
    client.get(url)  # warm the content-type cache, as a running site has it

    # session, user, roles ×2 (project lookup, permission), count, page of entries (with actors and
    # content types), one query for the municipalities the changes name, the nav's two permissions.
    with django_assert_num_queries(8):
        response = client.get(url)

    assert response.status_code == 200


def test_the_history_is_paginated_newest_first(cast, client):
    with set_actor(cast.coordinator):
        for number in range(51):
            BudgetLineFactory(project=cast.project, description_en=f"Line {number:02}")

    with translation.override("en"):
        first = get(client, cast.coordinator, history_url(cast.project)).content.decode()
        second = get(client, cast.coordinator, history_url(cast.project, page=2)).content.decode()

    assert "Page 1 of 2" in first and "Line 50" in first and "Line 01" in first
    assert "Line 00" in second and "Line 50" not in second
