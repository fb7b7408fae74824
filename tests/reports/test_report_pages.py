"""Where people get reports: the Reports page with its polled status, the downloads and the API, for
each role; and their query counts, which do not grow with the number of reports."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from reports.models import ReportRequest
from tests.projects.factories import ProjectFactory

from .factories import PDF_BYTES, DoneReportFactory, FailedReportFactory, ReportRequestFactory

pytestmark = pytest.mark.django_db

REPORTS_API = "/api/v1/reports/"
Status = ReportRequest.Status

# Who gets what from a private project's Reports page, its reports' status and their downloads.
PAGE = {
    "anonymous": 302,
    "outsider": 404,
    "municipal_staff": 403,
    "ngo_coordinator": 403,
    "other_coordinator": 404,
    "coordinator": 200,
    "donor": 200,
    "staff": 200,
}
DOWNLOAD = {**PAGE, "municipal_staff": 404, "ngo_coordinator": 404}
API = {**DOWNLOAD, "anonymous": 403}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def signed_in(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    if user.is_authenticated:
        client.force_authenticate(user)
    return client


# --- The Reports page -----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), PAGE.items())
def test_who_sees_the_reports_page(client, cast, who, expected):
    response = signed_in(client, getattr(cast, who)).get(url("reports:project-reports", code=cast.project.code))
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), PAGE.items())
def test_who_may_request_a_report_from_the_page(client, cast, who, expected, django_capture_on_commit_callbacks):
    page = url("reports:project-reports", code=cast.project.code)
    with django_capture_on_commit_callbacks() as queued:
        response = signed_in(client, getattr(cast, who)).post(page, {"kind": "final_report", "language": "sq"})

    assert response.status_code == (302 if expected == 200 else expected)
    if expected == 200:
        assert response.url == page
        report = ReportRequest.objects.get()
        assert (report.kind, report.language, report.status) == ("final_report", "sq", Status.PENDING)
        assert len(queued) == 1
    else:
        assert not ReportRequest.objects.exists()
        assert queued == []


def test_a_public_projects_reports_are_still_only_for_its_coordinators_and_donors(client, cast):
    cast.project.is_public = True
    cast.project.save(update_fields=["is_public"])
    response = signed_in(client, cast.outsider).get(url("reports:project-reports", code=cast.project.code))
    assert response.status_code == 403


def test_the_language_defaults_to_the_pages(client, cast):
    response = signed_in(client, cast.donor).get(url("reports:project-reports", "bg", code=cast.project.code))
    assert '<option value="bg" selected>' in response.content.decode()


def test_the_page_lists_the_projects_reports_with_date_kind_language_and_fingerprint(client, cast):
    done = DoneReportFactory(project=cast.project, kind="final_report", language="bg")
    failed = FailedReportFactory(project=cast.project, language="mk")
    elsewhere = DoneReportFactory(project=cast.other_project)

    page = signed_in(client, cast.donor).get(url("reports:project-reports", code=cast.project.code)).content.decode()

    assert done.short_fingerprint in page
    assert "Final report" in page and "Bulgarian" in page
    assert url("reports:download", pk=done.pk) in page
    assert "The report could not be rendered. Please try again later." in page
    assert failed.short_fingerprint in page
    assert elsewhere.short_fingerprint not in page


def test_a_report_requested_on_the_page_is_rendered_and_offered_for_download(
    client, cast, django_capture_on_commit_callbacks
):
    client = signed_in(client, cast.donor)
    page = url("reports:project-reports", code=cast.project.code)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"kind": "executive_summary", "language": "en"}, follow=True)

    report = ReportRequest.objects.get()
    assert report.status == Status.DONE
    assert "The report is requested." in response.content.decode()
    download = client.get(url("reports:download", pk=report.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    with django_capture_on_commit_callbacks() as queued:
        again = client.post(page, {"kind": "executive_summary", "language": "en"}, follow=True)
    assert "The data has not changed since this report was made: it is ready." in again.content.decode()
    assert queued == []
    assert ReportRequest.objects.count() == 1


def test_a_bad_choice_is_shown_on_the_form_and_nothing_is_requested(client, cast):
    response = signed_in(client, cast.donor).post(
        url("reports:project-reports", code=cast.project.code), {"kind": "annual_report", "language": "de"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"kind", "language"}
    assert not ReportRequest.objects.exists()


@pytest.mark.parametrize(("who", "shown"), [("donor", True), ("coordinator", True), ("municipal_staff", False)])
def test_the_project_menu_offers_reports_to_those_who_may_request_them(client, cast, who, shown):
    page = signed_in(client, getattr(cast, who)).get(url("forums:participation", code=cast.project.code))
    assert (url("reports:project-reports", code=cast.project.code) in page.content.decode()) is shown


# --- Progress, polled by htmx ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.PENDING, Status.RUNNING])
def test_a_report_in_progress_polls_its_status_every_two_seconds(client, cast, status):
    report = ReportRequestFactory(project=cast.project, status=status)
    status_url = url("reports:status", pk=report.pk)
    client = signed_in(client, cast.donor)

    page = client.get(url("reports:project-reports", code=cast.project.code)).content.decode()
    polled = client.get(status_url, headers={"HX-Request": "true"})

    assert f'<div id="report-status-{report.pk}" role="status" hx-get="{status_url}" hx-trigger="every 2s">' in page
    assert polled.status_code == 200
    assert report.get_status_display() in polled.content.decode()
    assert url("reports:download", pk=report.pk) not in polled.content.decode()


def test_a_finished_report_stops_the_polling_and_offers_its_download(client, cast):
    done = DoneReportFactory(project=cast.project)
    failed = FailedReportFactory(project=cast.project, error=ReportRequest.Error.TIMED_OUT)
    client = signed_in(client, cast.donor)

    page = client.get(url("reports:project-reports", code=cast.project.code)).content.decode()
    done_polled = client.get(url("reports:status", pk=done.pk), headers={"HX-Request": "true"})
    failed_polled = client.get(url("reports:status", pk=failed.pk), headers={"HX-Request": "true"})

    assert "hx-trigger" not in page
    # 286: htmx swaps the content in and polls no more.
    assert done_polled.status_code == failed_polled.status_code == 286
    assert f'href="{url("reports:download", pk=done.pk)}"' in done_polled.content.decode()
    assert "Rendering the report took too long. Please try again later." in failed_polled.content.decode()


@pytest.mark.parametrize(("who", "expected"), DOWNLOAD.items())
def test_who_sees_a_reports_status(client, cast, who, expected):
    report = ReportRequestFactory(project=cast.project)
    response = signed_in(client, getattr(cast, who)).get(url("reports:status", pk=report.pk))
    assert response.status_code == expected


# --- Downloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), DOWNLOAD.items())
def test_who_may_download_a_report(client, cast, who, expected):
    report = DoneReportFactory(project=cast.project, kind="final_report", language="sq")

    response = signed_in(client, getattr(cast, who)).get(url("reports:download", pk=report.pk))

    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{cast.project.code}-final-report-sq.pdf"'
        assert response["Cache-Control"] == "private"
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_report_not_done_or_lost_from_the_storage_is_not_found(client, cast):
    pending = ReportRequestFactory(project=cast.project)
    lost = DoneReportFactory(project=cast.project, language="mk")
    lost.file.storage.delete(lost.file.name)
    client = signed_in(client, cast.donor)

    assert client.get(url("reports:download", pk=pending.pk)).status_code == 404
    assert client.get(url("reports:download", pk=lost.pk)).status_code == 404
    assert client.get(url("reports:download", pk=lost.pk + 1000)).status_code == 404


def test_the_list_of_visible_reports_matches_the_download_permission(cast):
    reports = [
        DoneReportFactory(project=cast.project),
        ReportRequestFactory(project=cast.project, language="mk"),
        DoneReportFactory(project=cast.other_project),
        DoneReportFactory(project=ProjectFactory(is_public=True)),
    ]
    for who, user in [*cast.users().items(), ("nobody", AnonymousUser())]:
        visible = set(ReportRequest.objects.visible_to(user))
        allowed = {report for report in reports if user.has_perm("reports.download_report", report)}
        assert visible == allowed, who


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), API.items())
def test_who_may_request_a_report_through_the_api(cast, who, expected, django_capture_on_commit_callbacks):
    cast.project.is_public = True  # so that a refusal is about reports, not about seeing the project
    cast.project.save(update_fields=["is_public"])
    with django_capture_on_commit_callbacks() as queued:
        response = api_client(getattr(cast, who)).post(
            REPORTS_API, {"project": cast.project.pk, "kind": "executive_summary", "language": "bg"}, format="json"
        )

    if expected == 200:
        assert response.status_code == 202, response.data
        report = ReportRequest.objects.get()
        assert response.data["id"] == report.pk
        assert response.data["status"] == "pending"
        assert response.data["download_url"] is None
        assert len(queued) == 1
    else:
        assert response.status_code == 403, response.data
        assert not ReportRequest.objects.exists()


def test_a_project_the_user_cannot_see_is_an_invalid_choice(cast):
    response = api_client(cast.other_coordinator).post(
        REPORTS_API, {"project": cast.project.pk, "kind": "executive_summary", "language": "en"}, format="json"
    )
    assert response.status_code == 400
    assert response.data.keys() == {"project"}
    assert not ReportRequest.objects.exists()


def test_an_api_request_is_followed_to_its_download(cast, django_capture_on_commit_callbacks):
    client = api_client(cast.donor)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            REPORTS_API, {"project": cast.project.pk, "kind": "executive_summary", "language": "en"}, format="json"
        )
    assert created.status_code == 202

    status = client.get(f"{REPORTS_API}{created.data['id']}/")

    assert status.status_code == 200
    assert status.data["status"] == "done"
    assert status.data["error"] is None and status.data["error_message"] is None
    assert len(status.data["fingerprint"]) == 64
    download_url = f"http://testserver{REPORTS_API}{created.data['id']}/download/"
    assert status.data["download_url"] == download_url
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    again = client.post(
        REPORTS_API, {"project": cast.project.pk, "kind": "executive_summary", "language": "en"}, format="json"
    )
    assert (again.status_code, again.data["id"], again.data["status"]) == (202, created.data["id"], "done")


def test_a_failed_request_says_why_through_the_api(cast):
    report = FailedReportFactory(project=cast.project)
    data = api_client(cast.coordinator).get(f"{REPORTS_API}{report.pk}/").data
    assert (data["status"], data["error"]) == ("failed", "render_failed")
    assert data["error_message"] == "The report could not be rendered. Please try again later."
    assert data["download_url"] is None


@pytest.mark.parametrize(("who", "expected"), API.items())
def test_who_sees_a_report_request_and_its_download_through_the_api(cast, who, expected):
    report = DoneReportFactory(project=cast.project)
    client = api_client(getattr(cast, who))
    assert client.get(f"{REPORTS_API}{report.pk}/").status_code == expected
    assert client.get(f"{REPORTS_API}{report.pk}/download/").status_code == expected


def test_the_api_lists_only_the_requests_the_user_may_see(cast):
    mine = DoneReportFactory(project=cast.project)
    ReportRequestFactory(project=cast.other_project)

    listed = api_client(cast.donor).get(REPORTS_API).data["results"]
    everything = api_client(cast.staff).get(REPORTS_API).data["results"]

    assert [row["id"] for row in listed] == [mine.pk]
    assert len(everything) == 2


# --- Query counts ---------------------------------------------------------------------------------


def make_reports(project, count: int) -> None:
    for index in range(count):
        DoneReportFactory(project=project, language=("en", "mk", "bg", "sq")[index % 4])
        FailedReportFactory(project=project)


@pytest.mark.parametrize("count", [1, 5])
def test_the_reports_page_queries_do_not_grow_with_reports(client, cast, count, django_assert_num_queries):
    make_reports(cast.project, count)
    client = signed_in(client, cast.donor)
    # session, user, project, the user's roles, the reports with their requesters
    with django_assert_num_queries(5):
        assert client.get(url("reports:project-reports", code=cast.project.code)).status_code == 200


@pytest.mark.parametrize("count", [1, 5])
def test_the_api_list_queries_do_not_grow_with_reports(cast, count, django_assert_num_queries):
    make_reports(cast.project, count)
    client = api_client(cast.donor)
    # count, the page of requests with their projects
    with django_assert_num_queries(2):
        response = client.get(REPORTS_API)
    assert response.data["count"] == 2 * count
