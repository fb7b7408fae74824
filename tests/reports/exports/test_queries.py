"""The number of queries of an export and of the Open data page does not grow with the number of rows."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from reports.exports.datasets import DATASETS
from reports.exports.writers import write_export
from tests.forums.factories import ReportedParticipationFactory
from tests.projects.factories import FundingContributionFactory

from .conftest import add_grants, add_sessions
from .factories import DoneExportFactory

pytestmark = pytest.mark.django_db

# Sessions: the vulnerable groups and the municipalities of residence that get a column, the sessions
# with their attendance, then the breakdowns' rows and their groups and municipalities (one query each).
QUERIES = {
    "sessions": 7,
    "trainings": 7,
    "events": 7,
    "reported_participation": 1,
    "proposals": 1,
    "proposal_budget_lines": 1,
    "awards": 1,
    "tranches": 1,
    "funding": 2,  # the contributions, then the rates of their currencies
}


@pytest.fixture(params=[1, 4], ids=["small", "larger"])
def filled(request, cast):
    """A project with ``size`` times every kind of record."""
    organisation = cast.ngo_coordinator.memberships.get().organisation
    for _ in range(request.param):
        add_grants(cast.project, organisation)
        FundingContributionFactory(project=cast.project, currency="MKD")
        ReportedParticipationFactory(project=cast.project)
    for kind in ("forum_deliberative", "training", "event_round_table"):
        add_sessions(cast.project, 2 * request.param, kind=kind)
    return cast


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("dataset", "queries"), QUERIES.items())
def test_an_export_takes_the_same_queries_for_any_number_of_rows(
    filled, dataset, queries, file_format, django_assert_num_queries
):
    user = type(filled.coordinator).objects.get(pk=filled.coordinator.pk)  # the roles are loaded, as per request
    user.has_perm("reports.export_sessions", filled.project)

    with django_assert_num_queries(queries):
        write_export(
            project=filled.project,
            dataset_key=dataset,
            language="mk",
            file_format=file_format,
            user=user,
            out=io.BytesIO(),
        )


def test_the_open_data_page_takes_the_same_queries_for_any_number_of_rows(client, filled, django_assert_num_queries):
    client.force_login(filled.coordinator)
    with translation.override("en"):
        url = reverse("reports:project-exports", kwargs={"code": filled.project.code})

    # Session and user, the project, the user's roles, one count per dataset (9), the user's requests.
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 5])
def test_the_api_list_of_export_requests_takes_the_same_queries_for_any_number(cast, size, django_assert_num_queries):
    for dataset in list(DATASETS)[:size]:
        DoneExportFactory(project=cast.project, requested_by=cast.coordinator, dataset=dataset)
    client = APIClient()
    client.force_authenticate(cast.coordinator)

    # The count of the page, then the requests with their projects.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/exports/")
    assert response.data["count"] == size
