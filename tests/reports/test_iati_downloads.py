"""Where people get the IATI file: the project page's panel and download, and the API; for each role."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from lxml import etree

from projects.models import Organisation, Partner, Project
from tests.grants.factories import AwardFactory, CallFactory, TrancheFactory
from tests.projects.factories import CountryFactory, PartnerFactory, ProjectFactory

from .test_iati import assert_valid_iati
from .test_report_pages import api_client, signed_in

pytestmark = pytest.mark.django_db

IATI_API = "/api/v1/iati/"

# Who gets a private project's IATI file from its page.
DOWNLOAD = {
    "anonymous": 302,
    "outsider": 404,
    "municipal_staff": 403,
    "ngo_coordinator": 403,
    "other_coordinator": 404,
    "coordinator": 200,
    "donor": 200,
    "staff": 200,
}
API = {**DOWNLOAD, "anonymous": 403}


@pytest.fixture(autouse=True)
def publisher(settings):
    settings.IATI_PUBLISHER_IDENTIFIER = "XI-IATI-TEST"
    settings.IATI_PUBLISHER_NAME = "Test portal operator"
    settings.IATI_PUBLISHER_TYPE = "22"


def make_exportable(project: Project) -> Project:
    project.summary_en = "Forums where citizens and the municipality decide together."
    project.save(update_fields=["summary_en"])
    project.countries.add(CountryFactory(code="MK"))
    PartnerFactory(project=project, role=Partner.Role.LEAD, organisation__kind=Organisation.Kind.NGO)
    return project


@pytest.fixture
def exportable(cast) -> Project:
    return make_exportable(cast.project)


def page_url(name: str, code: str) -> str:
    with translation.override("en"):
        return reverse(name, kwargs={"code": code})


# --- The project page ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), DOWNLOAD.items())
def test_who_downloads_the_iati_file_from_the_page(client, cast, exportable, who, expected):
    response = signed_in(client, getattr(cast, who)).get(page_url("reports:project-iati", exportable.code))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/xml"
        assert response["Content-Disposition"] == f'attachment; filename="{exportable.code}-iati.xml"'
        document = assert_valid_iati(response.content)
        assert document.findtext("iati-activity/iati-identifier") == f"XI-IATI-TEST-{exportable.code}"


@pytest.mark.parametrize(("who", "shown"), [("coordinator", True), ("donor", True), ("municipal_staff", False)])
def test_the_project_page_offers_the_download_to_coordinators_and_donors(client, cast, exportable, who, shown):
    with translation.override("en"):
        page = signed_in(client, getattr(cast, who)).get(page_url("projects:detail", exportable.code))
    download = page_url("reports:project-iati", exportable.code)
    assert (download in page.content.decode()) is shown


def test_the_project_page_lists_what_the_project_lacks_instead_of_a_download(client, cast, exportable):
    exportable.start_date = None
    exportable.save(update_fields=["start_date"])
    with translation.override("en"):
        page = signed_in(client, cast.donor).get(page_url("projects:detail", exportable.code)).content.decode()
    assert "The project&#x27;s start date is not known." in page
    assert page_url("reports:project-iati", exportable.code) not in page


def test_a_download_that_cannot_be_valid_lists_the_problems_in_the_readers_language(client, cast, exportable):
    exportable.status = Project.Status.UNKNOWN
    exportable.save(update_fields=["status"])
    with translation.override("mk"):
        url = reverse("reports:project-iati", kwargs={"code": exportable.code})
    response = signed_in(client, cast.coordinator).get(url)
    assert response.status_code == 409
    assert "Статусот на проектот не е познат." in response.content.decode()


def test_the_iati_panel_asks_no_more_queries_with_more_partners(client, cast, exportable):
    signed_in(client, cast.donor)
    url = page_url("projects:detail", exportable.code)
    before = queries_of(lambda: client.get(url))
    PartnerFactory.create_batch(3, project=exportable, role=Partner.Role.FUNDER)
    exportable.countries.add(CountryFactory(code="AL"))
    assert queries_of(lambda: client.get(url)) == before


def queries_of(request) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert request().status_code == 200
    return len(queries.captured_queries)


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), API.items())
def test_who_exports_through_the_api(cast, exportable, who, expected):
    response = api_client(getattr(cast, who)).get(IATI_API, {"project": exportable.pk})
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/xml"
        assert_valid_iati(response.content)
    else:
        assert response["Content-Type"] == "application/json"


def test_several_projects_make_one_file_ordered_by_code(cast, exportable):
    second = make_exportable(ProjectFactory(code="AAA-FIRST", is_public=False))
    second.memberships.create(user=cast.donor, role="donor")
    response = api_client(cast.donor).get(
        IATI_API, {"project": [exportable.pk, second.pk]}, headers={"Accept": "application/xml"}
    )
    document = assert_valid_iati(response.content)
    assert document.xpath("//iati-identifier/text()") == ["XI-IATI-TEST-AAA-FIRST", f"XI-IATI-TEST-{exportable.code}"]


def test_one_project_that_cannot_be_valid_stops_the_whole_file_with_its_problems(cast, exportable):
    lacking = ProjectFactory(code="LACKING", is_public=False, start_date=None)
    lacking.memberships.create(user=cast.coordinator, role="coordinator")
    response = api_client(cast.coordinator).get(IATI_API, {"project": [exportable.pk, lacking.pk]})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["problems"] == {
        "LACKING": [
            "The project has no summary to describe it.",
            "No partner organisation is recorded.",
            "The project's start date is not known.",
            "The project has no recipient country.",
        ]
    }


def test_a_project_the_user_may_see_but_not_export_is_refused(cast, exportable):
    public = make_exportable(ProjectFactory(is_public=True))
    response = api_client(cast.coordinator).get(IATI_API, {"project": [exportable.pk, public.pk]})
    assert response.status_code == 403


@pytest.mark.parametrize("project", [None, "", "abc", "0", str(2**31), str(10**40)])
def test_a_missing_or_impossible_project_id_is_a_400(cast, project):
    query = {} if project is None else {"project": project}
    response = api_client(cast.staff).get(IATI_API, query)
    assert response.status_code == 400
    assert "project" in response.json()


def test_the_api_asks_the_same_number_of_queries_for_one_project_or_three(cast):
    projects = [make_exportable(ProjectFactory(is_public=False)) for _ in range(3)]
    for project in projects:
        TrancheFactory(award=AwardFactory(proposal__call=CallFactory(project=project)), paid=True)
    client = api_client(cast.staff)
    client.get(IATI_API, {"project": projects[0].pk})  # warms the caches of a process's first request
    one = queries_of(lambda: client.get(IATI_API, {"project": projects[0].pk}))
    assert queries_of(lambda: client.get(IATI_API, {"project": [p.pk for p in projects]})) == one


def test_the_api_file_is_the_command_file(cast, exportable, tmp_path):
    output = tmp_path / "iati.xml"
    call_command("export_iati", exportable.code, output=str(output))
    from_api = api_client(cast.staff).get(IATI_API, {"project": exportable.pk}).content

    def without_generation_time(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        del root.attrib["generated-datetime"]
        return etree.tostring(root)

    assert without_generation_time(from_api) == without_generation_time(output.read_bytes())
