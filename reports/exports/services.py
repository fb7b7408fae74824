"""Asking for a large open-data export and writing it in a worker, with its progress.

Small exports (at most ``EXPORT_INLINE_MAX_ROWS`` rows) are written while the browser waits and need
none of this. A large one is an ``ExportRequest`` row written by a Celery task, claimed and finished
under the same rules as the PDF reports (``reports.background``): a message delivered twice, a
re-queued request or a killed worker never leaves two files. The file is written outside any
transaction; only the progress counter is updated as the rows are written.
"""

from __future__ import annotations

import datetime
import logging
import tempfile

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import ensure_can
from projects.models import Project

from ..background import claim_pending, lock_current_attempt, requeue_stuck
from ..models import ExportRequest
from . import tasks
from .datasets import DATASETS
from .writers import write_export

logger = logging.getLogger(__name__)

Status = ExportRequest.Status


def ensure_can_export(actor, project: Project, dataset: str) -> None:
    """Refuse an unknown dataset (``ValidationError``) or one the actor may not export (``PermissionDenied``)."""
    if dataset not in DATASETS:
        raise ValidationError({"dataset": _("There is no such dataset.")})
    ensure_can(actor, DATASETS[dataset].permission, project)


@transaction.atomic
def export_request(*, actor, project: Project, dataset: str, file_format: str, language: str) -> ExportRequest:
    """Ask for a project's dataset as a file; a worker writes it after commit.

    A request while the same file of the same requester is pending or running joins that one.
    The rows are those the requester may see when the worker writes them.
    """
    ensure_can_export(actor, project, dataset)
    ExportRequest(project=project, dataset=dataset, file_format=file_format, language=language).full_clean(
        exclude=["project", "requested_by"], validate_unique=False, validate_constraints=False
    )
    export, created = ExportRequest.objects.in_progress().get_or_create(
        project=project, dataset=dataset, file_format=file_format, language=language, requested_by=actor
    )
    if created:
        transaction.on_commit(lambda: tasks.export_write_task.delay(export.pk))
    return export


def export_write(*, export_id: int) -> ExportRequest | None:
    """Write a pending request's file and store it, counting the rows as they are written.

    Does nothing (returns None) when the request is not pending or another worker is claiming it.
    A failure is recorded with its reason; the technical detail goes to the log.
    """
    export = claim_pending(ExportRequest, export_id)
    if export is None:
        return None
    dataset = DATASETS[export.dataset]
    try:
        total = dataset.count(export.project, export.requested_by)
        _record_progress(export, rows_done=0, rows_total=total)
        with tempfile.TemporaryFile() as out:
            rows = write_export(
                project=export.project,
                dataset_key=export.dataset,
                language=export.language,
                file_format=export.file_format,
                user=export.requested_by,
                out=out,
                progress=lambda done: _record_progress(export, rows_done=min(done, total), rows_total=total),
            )
            out.seek(0)
            return _finish(export, status=Status.DONE, rows=rows, content=File(out))
    except SoftTimeLimitExceeded:
        logger.warning("Writing export request %s exceeded the soft time limit", export.pk)
        return _finish(export, status=Status.FAILED, error=ExportRequest.Error.TIMED_OUT)
    except Exception:
        logger.exception("Writing export request %s failed", export.pk)
        return _finish(export, status=Status.FAILED, error=ExportRequest.Error.WRITE_FAILED)


def _record_progress(export: ExportRequest, *, rows_done: int, rows_total: int) -> None:
    """Count the rows written so far, if the attempt still holds the request (one UPDATE, no lock held)."""
    ExportRequest.objects.filter(pk=export.pk, status=Status.RUNNING, attempts=export.attempts).update(
        rows_done=rows_done, rows_total=rows_total
    )


@transaction.atomic
def _finish(
    export: ExportRequest, *, status: str, error: str = "", rows: int | None = None, content: File | None = None
) -> ExportRequest | None:
    """Record the end of the attempt ``export`` holds, if the request is still that attempt's."""
    current = lock_current_attempt(export)
    if current is None:
        return None
    update_fields = ["status", "error", "finished_at"]
    if content is not None:
        # Written before the row: if the commit fails, the storage keeps an orphan, never a row without its file.
        current.file.save(current.download_name, content, save=False)
        current.rows_done = current.rows_total = rows
        update_fields += ["file", "rows_done", "rows_total"]
    current.status = status
    current.error = error
    current.finished_at = timezone.now()
    current.full_clean(exclude=["project", "requested_by"], validate_unique=False, validate_constraints=False)
    current.save(update_fields=update_fields)
    return current


def stuck_exports_requeue(*, older_than: datetime.timedelta | None = None) -> list[int]:
    """Queue again the export requests whose message or worker was lost; fail those out of attempts."""
    return requeue_stuck(ExportRequest, tasks.export_write_task, older_than=older_than)
