"""A worker renders a requested report; a worker killed mid-render loses no report and the report is
rendered exactly once (one finished request, one stored file), by the next worker."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from reports import services
from reports.models import ReportRequest

from .conftest import RESEN_BITOLA
from .workers import stored_pdfs, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
Status = ReportRequest.Status


@pytest.fixture
def broker(redis_server, task_queue):
    """A throwaway Redis broker and this test's queue on it."""
    server = redis_server(appendonly=False)
    return {"broker_url": server.url, "queue": task_queue(server.url)}


def test_a_worker_renders_a_requested_report(seeded, donor, broker, start_worker):
    worker = start_worker(**broker)

    report = services.report_request(
        actor=donor, project=seeded[RESEN_BITOLA], kind=ReportRequest.Kind.EXECUTIVE_SUMMARY, language="mk"
    )

    report = wait_for(report, lambda report: report.is_finished, worker)
    assert (report.status, report.attempts, report.error) == (Status.DONE, 1, "")
    assert stored_pdfs() == [Path(settings.MEDIA_ROOT) / report.file.name]
    with report.file.open("rb") as file:
        text = "".join(page.extract_text() for page in PdfReader(file).pages)
    assert "1391" in text.replace(" ", "").replace(".", "")


def test_a_worker_killed_mid_render_loses_no_report_and_leaves_one_file(seeded, donor, broker, start_worker):
    first = start_worker(**broker)
    report = services.report_request(
        actor=donor, project=seeded[RESEN_BITOLA], kind=ReportRequest.Kind.FINAL_REPORT, language="en"
    )
    wait_for(report, lambda report: report.status == Status.RUNNING, first, poll=0.02)

    first.kill()

    report.refresh_from_db()
    assert (report.status, report.attempts) == (Status.RUNNING, 1), "the render ended before the worker was killed"
    assert stored_pdfs() == []

    second = start_worker(**broker)
    # Beat's periodic task, run now rather than after REPORT_STUCK_AFTER.
    assert services.stuck_reports_requeue(older_than=datetime.timedelta(0)) == [report.pk]

    report = wait_for(report, lambda report: report.is_finished, second)
    assert (report.status, report.attempts) == (Status.DONE, 2)
    assert stored_pdfs() == [Path(settings.MEDIA_ROOT) / report.file.name]
    assert ReportRequest.objects.filter(status=Status.DONE).count() == 1
