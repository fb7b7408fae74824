"""Large exports written in the background: asked for on the page or the API, written by the task
with its progress counted, followed on the polled status, recovered when a worker is lost."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from reports.exports import services, tasks
from reports.models import ExportRequest

from .conftest import add_sessions, dataset_url, downloaded, read_csv, read_xlsx, sheet_rows
from .factories import ExportRequestFactory

pytestmark = pytest.mark.django_db

Status = ExportRequest.Status


@pytest.fixture
def large(cast, settings):
    """Five sessions in a private project, more than the inline limit of two rows."""
    settings.EXPORT_INLINE_MAX_ROWS = 2
    add_sessions(cast.project, 5)
    return cast


def page_url(code: str) -> str:
    with translation.override("en"):
        return reverse("reports:project-exports", kwargs={"code": code})


def test_a_large_dataset_is_prepared_by_the_task_and_downloaded_from_the_page(
    client, large, django_capture_on_commit_callbacks
):
    client.force_login(large.donor)
    page = page_url(large.project.code)

    refused = client.get(dataset_url(large.project.code, "sessions", "xlsx"))
    assert (refused.status_code, refused.url) == (302, page)
    with translation.override("en"):
        listed = client.get(page)
    assert 'aria-label="Prepare the file: Forum sessions"' in listed.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"dataset": "sessions", "file_format": "xlsx", "language": "mk"})
    assert (response.status_code, response.url) == (302, page)

    export = ExportRequest.objects.get()
    assert (export.status, export.requested_by, export.rows_done, export.rows_total) == (Status.DONE, large.donor, 5, 5)
    assert export.download_name == f"{large.project.code}-sessions-mk.xlsx"
    with translation.override("en"):
        listed = client.get(page).content.decode()
        download = client.get(reverse("reports:export-download", kwargs={"pk": export.pk}))
    assert f"Download {export.download_name}" in listed
    rows = sheet_rows(read_xlsx(downloaded(download)).worksheets[0])
    assert [row["participants"] for row in rows] == [None, 40, 40, 40, 40]
    assert {row["municipality"] for row in rows} == {"Ресен"}


def test_the_task_counts_the_rows_as_it_writes_them(large, monkeypatch):
    monkeypatch.setattr("reports.exports.writers.CHUNK_SIZE", 2)
    progress = []
    record = services._record_progress
    monkeypatch.setattr(
        services,
        "_record_progress",
        lambda export, **counts: (progress.append(tuple(counts.values())), record(export, **counts)),
    )
    export = ExportRequestFactory(project=large.project, requested_by=large.coordinator)

    tasks.export_write_task.delay(export.pk)

    assert progress == [(0, 5), (2, 5), (4, 5)]
    export.refresh_from_db()
    assert (export.status, export.attempts, export.rows_done, export.rows_total) == (Status.DONE, 1, 5, 5)
    assert len(read_csv(export.file.open("rb").read())) == 5


def test_a_second_delivery_of_the_task_writes_nothing(large):
    export = ExportRequestFactory(project=large.project, requested_by=large.coordinator)
    services.export_write(export_id=export.pk)
    export.refresh_from_db()
    written = export.file.name

    assert services.export_write(export_id=export.pk) is None
    export.refresh_from_db()
    assert (export.file.name, export.attempts) == (written, 1)


def test_a_failed_write_is_recorded_with_its_reason(large, monkeypatch, caplog):
    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_export", broken)
    export = ExportRequestFactory(project=large.project, requested_by=large.coordinator)

    with caplog.at_level(logging.ERROR, logger="reports.exports.services"):
        services.export_write(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.error, export.file.name) == (Status.FAILED, "write_failed", "")
    assert f"Writing export request {export.pk} failed" in caplog.text
    with translation.override("en"):
        assert export.get_error_display() == "The export could not be written. Please try again later."


def test_a_second_request_while_one_is_in_progress_joins_it(large, django_capture_on_commit_callbacks):
    ask = {"actor": large.coordinator, "project": large.project, "dataset": "sessions", "file_format": "csv"}
    with django_capture_on_commit_callbacks() as queued:
        first = services.export_request(**ask, language="en")
        second = services.export_request(**ask, language="en")
        other_language = services.export_request(**ask, language="sq")

    assert first == second != other_language
    assert len(queued) == 2


def test_stuck_exports_are_queued_again_or_given_up(large, settings, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    lost = ExportRequestFactory(project=large.project, requested_by=large.coordinator, queued_at=long_ago)
    worn_out = ExportRequestFactory(
        project=large.project,
        requested_by=large.donor,
        status=Status.RUNNING,
        started_at=long_ago,
        attempts=settings.REPORT_MAX_ATTEMPTS,
    )
    recent = ExportRequestFactory(project=large.project, requested_by=large.staff)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.stuck_exports_requeue_task.delay().get() == 1

    for export in (lost, worn_out, recent):
        export.refresh_from_db()
    assert (lost.status, lost.attempts, lost.rows_total) == (Status.DONE, 1, 5)
    assert (worn_out.status, worn_out.error) == (Status.FAILED, "too_many_attempts")
    assert (recent.status, recent.attempts) == (Status.PENDING, 0)


def test_the_status_shows_the_progress_then_stops_the_polling(client, large):
    export = ExportRequestFactory(
        project=large.project, requested_by=large.coordinator, status=Status.RUNNING, rows_done=2, rows_total=5
    )
    client.force_login(large.coordinator)
    with translation.override("en"):
        url = reverse("reports:export-status", kwargs={"pk": export.pk})

    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200
    assert '<progress value="2" max="5">40 %</progress>' in running.content.decode()
    assert "2 of 5 rows (40 %)" in running.content.decode()

    # The worker that was writing it was lost; the re-queued request is written.
    ExportRequest.objects.filter(pk=export.pk).update(status=Status.PENDING)
    services.export_write(export_id=export.pk)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished.status_code == 286
    assert f"Download {export.download_name}" in finished.content.decode()
