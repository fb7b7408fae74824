"""Who gets which export, on the page, as a download and through the API: the same people who see the
same records on the pages. Another project's exports are a 404, never a hint that they exist."""

import pytest
import rules
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from reports.exports.datasets import DATASETS
from reports.models import ExportRequest
from tests.forums.factories import ForumSessionFactory
from tests.projects.factories import ProjectFactory

from .conftest import dataset_url, downloaded, read_csv, signed_in
from .factories import DoneExportFactory

pytestmark = pytest.mark.django_db

EXPORTS_API = "/api/v1/exports/"
MEMBERS = ("coordinator", "municipal_staff", "ngo_coordinator", "donor")
NOBODY = {"anonymous": 404, "outsider": 404, "other_coordinator": 404, "staff": 200}

# What each user gets from a private project's dataset downloads.
READERS = {**NOBODY, **dict.fromkeys(MEMBERS, 200)}
AWARDS = {**NOBODY, "coordinator": 200, "ngo_coordinator": 200, "municipal_staff": 403, "donor": 403}
# On the pages for whoever may read the project (anyone, for a public one).
OPEN_TO_READERS = ("sessions", "trainings", "events", "reported_participation", "funding")
EXPECTED = {
    **dict.fromkeys(OPEN_TO_READERS, READERS),
    "proposals": READERS,
    "proposal_budget_lines": READERS,
    "awards": AWARDS,
    "tranches": AWARDS,
}
MATRIX = [(dataset, who, status) for dataset, statuses in EXPECTED.items() for who, status in statuses.items()]


def page_url(code: str) -> str:
    with translation.override("en"):
        return reverse("reports:project-exports", kwargs={"code": code})


def api_client(user) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    if user.is_authenticated:
        client.force_authenticate(user)
    return client


def test_every_dataset_has_its_expected_permissions():
    assert set(EXPECTED) == set(DATASETS)
    assert all(rules.perm_exists(dataset.permission) for dataset in DATASETS.values())


@pytest.mark.parametrize(("dataset", "who", "expected"), MATRIX)
def test_who_downloads_which_dataset(client, cast_with_grants, dataset, who, expected):
    response = signed_in(client, getattr(cast_with_grants, who)).get(
        dataset_url(cast_with_grants.project.code, dataset)
    )

    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Cache-Control"] == "private"
        assert f'filename="{cast_with_grants.project.code}-' in response["Content-Disposition"]


@pytest.mark.parametrize(("dataset", "who", "expected"), MATRIX)
def test_who_downloads_which_data_dictionary(client, cast_with_grants, dataset, who, expected):
    with translation.override("en"):
        url = reverse("reports:export-dictionary", kwargs={"code": cast_with_grants.project.code})
    response = signed_in(client, getattr(cast_with_grants, who)).get(url, {"dataset": dataset, "language": "sq"})

    assert response.status_code == expected
    if expected == 200:
        assert read_csv(downloaded(response))[0]["column"] == "generated_at"


@pytest.mark.parametrize("who", [*MEMBERS, "staff"])
def test_the_page_lists_exactly_the_datasets_each_user_may_download(client, cast_with_grants, who):
    user = getattr(cast_with_grants, who)
    response = signed_in(client, user).get(page_url(cast_with_grants.project.code))

    assert response.status_code == 200
    listed = [row.dataset.key for row in response.context["datasets"]]
    assert listed == [key for key in DATASETS if EXPECTED[key][who] == 200]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_coordinator"])
def test_a_private_projects_page_is_a_404_for_who_may_not_read_it(client, cast, who):
    response = signed_in(client, getattr(cast, who)).get(page_url(cast.project.code))

    assert response.status_code == 404


def test_anyone_downloads_the_sessions_of_a_public_project_but_not_its_grants(client):
    project = ProjectFactory(is_public=True)
    ForumSessionFactory(project=project)

    with translation.override("en"):
        page = client.get(page_url(project.code))
    assert [row.dataset.key for row in page.context["datasets"]] == list(OPEN_TO_READERS)
    assert len(read_csv(downloaded(client.get(dataset_url(project.code, "sessions"))))) == 1
    assert client.get(dataset_url(project.code, "proposals")).status_code == 403


def test_an_unknown_dataset_or_format_is_a_400(client, cast):
    client.force_login(cast.coordinator)
    assert client.get(dataset_url(cast.project.code, "passwords")).status_code == 400
    assert client.get(dataset_url(cast.project.code, "sessions", file_format="pdf")).status_code == 400


# --- Prepared files ---------------------------------------------------------------------------------


EXPORT_DOWNLOAD = {**dict.fromkeys(["anonymous", "outsider", "other_coordinator", *MEMBERS], 404), "staff": 200}


@pytest.mark.parametrize(("who", "expected"), {**EXPORT_DOWNLOAD, "coordinator": 200, "anonymous": 302}.items())
def test_a_prepared_file_is_for_its_requester_and_staff_only(client, cast, who, expected):
    export = DoneExportFactory(project=cast.project, requested_by=cast.coordinator)
    with translation.override("en"):
        url = reverse("reports:export-download", kwargs={"pk": export.pk})

    response = signed_in(client, getattr(cast, who)).get(url)

    assert response.status_code == expected
    if expected == 200:
        assert downloaded(response) == export.file.open("rb").read()


def test_a_requester_who_left_the_project_no_longer_downloads_its_file(client, cast):
    export = DoneExportFactory(project=cast.project, requested_by=cast.donor)
    cast.donor.memberships.all().delete()
    client.force_login(cast.donor)

    with translation.override("en"):
        response = client.get(reverse("reports:export-download", kwargs={"pk": export.pk}))

    assert response.status_code == 404


def test_visible_to_matches_the_download_rule(cast):
    exports = [DoneExportFactory(project=cast.project, requested_by=getattr(cast, who)) for who in MEMBERS]
    for who, user in cast.users().items():
        visible = set(ExportRequest.objects.visible_to(user))
        assert visible == {export for export in exports if user.has_perm("reports.download_export", export)}, who


# --- API --------------------------------------------------------------------------------------------


API_CREATE = {
    "anonymous": 403,
    "outsider": 400,
    "other_coordinator": 400,
    "coordinator": 202,
    "municipal_staff": 403,
    "ngo_coordinator": 202,
    "donor": 403,
    "staff": 202,
}


@pytest.mark.parametrize(("who", "expected"), API_CREATE.items())
def test_who_asks_for_the_awards_through_the_api(cast, who, expected, django_capture_on_commit_callbacks):
    body = {"project": cast.project.pk, "dataset": "awards", "file_format": "xlsx", "language": "mk"}
    with django_capture_on_commit_callbacks() as queued:
        response = api_client(getattr(cast, who)).post(EXPORTS_API, body, format="json")

    assert response.status_code == expected
    if expected == 202:
        assert response.data["status"] == "pending"
        assert (response.data["dataset"], response.data["file_format"]) == ("awards", "xlsx")
        assert len(queued) == 1
    else:
        assert not ExportRequest.objects.exists()


@pytest.mark.parametrize(("who", "expected"), {**EXPORT_DOWNLOAD, "coordinator": 200, "anonymous": 403}.items())
def test_who_follows_and_downloads_an_export_through_the_api(cast, who, expected):
    export = DoneExportFactory(project=cast.project, requested_by=cast.coordinator)
    client = api_client(getattr(cast, who))

    response = client.get(f"{EXPORTS_API}{export.pk}/")
    download = client.get(f"{EXPORTS_API}{export.pk}/download/")

    assert (response.status_code, download.status_code) == (expected, expected)
    if expected == 200:
        assert response.data["download_url"].endswith(f"{EXPORTS_API}{export.pk}/download/")
        assert (response.data["rows_done"], response.data["rows_total"], response.data["progress_percent"]) == (
            3,
            3,
            100,
        )
        assert downloaded(download) == export.file.open("rb").read()
