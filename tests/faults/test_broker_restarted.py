"""Redis restarted with reports queued and no worker running: no report is lost.

Without persistence the restart empties the queue; the database still knows every request, and the
stuck-requeue (beat's periodic task) queues them again. With an append-only file fsynced on every write,
the messages themselves survive the restart. Either way every report is rendered exactly once.
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from reports import services
from reports.models import ReportRequest

from .conftest import RESEN_BITOLA
from .workers import stored_pdfs, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
Status = ReportRequest.Status

REQUESTS = [
    (ReportRequest.Kind.EXECUTIVE_SUMMARY, "en"),
    (ReportRequest.Kind.EXECUTIVE_SUMMARY, "mk"),
    (ReportRequest.Kind.EXECUTIVE_SUMMARY, "sq"),
]


def request_reports(project, donor) -> list[ReportRequest]:
    return [
        services.report_request(actor=donor, project=project, kind=kind, language=language)
        for kind, language in REQUESTS
    ]


def assert_each_rendered_once(reports: list[ReportRequest], worker) -> None:
    for report in reports:
        report = wait_for(report, lambda report: report.is_finished, worker)
        assert (report.status, report.attempts, report.error) == (Status.DONE, 1, "")
    assert ReportRequest.objects.filter(status=Status.DONE).count() == len(REQUESTS)
    files = {Path(settings.MEDIA_ROOT) / report.file.name for report in reports}
    assert stored_pdfs() == sorted(files)
    assert len(files) == len(REQUESTS)


def test_reports_queued_in_a_restarted_redis_without_persistence_are_queued_again_from_the_database(
    seeded, donor, redis_server, task_queue, start_worker
):
    broker = redis_server(appendonly=False)
    queue = task_queue(broker.url)
    reports = request_reports(seeded[RESEN_BITOLA], donor)
    assert broker.client().llen(queue) == len(REQUESTS)

    broker.restart()

    assert broker.client().llen(queue) == 0, "the restart kept the queue: this test no longer shows a loss"
    assert set(ReportRequest.objects.values_list("status", flat=True)) == {Status.PENDING}
    # Beat's periodic task, run now rather than after REPORT_STUCK_AFTER.
    assert sorted(services.stuck_reports_requeue(older_than=datetime.timedelta(0))) == sorted(r.pk for r in reports)
    assert broker.client().llen(queue) == len(REQUESTS)
    worker = start_worker(broker_url=broker.url, queue=queue)

    assert_each_rendered_once(reports, worker)


def test_reports_queued_in_a_restarted_redis_with_an_append_only_file_survive_without_a_requeue(
    seeded, donor, redis_server, task_queue, start_worker
):
    broker = redis_server(appendonly=True)
    queue = task_queue(broker.url)
    reports = request_reports(seeded[RESEN_BITOLA], donor)

    broker.restart()

    assert broker.client().llen(queue) == len(REQUESTS)
    worker = start_worker(broker_url=broker.url, queue=queue)

    assert_each_rendered_once(reports, worker)
