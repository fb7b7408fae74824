"""Report requests: asking for a PDF report, rendering it once in a worker, recovering lost work.

The database row is the truth and the queue only a hint (ARCHITECTURE.md, Reports). A worker renders
a request only after claiming it (pending → running, under a row lock), and stores the PDF only if
its claim still holds, so a message delivered twice, a re-queued request or a killed worker never
leaves two files. Rendering runs outside any transaction: no row stays locked for seconds.
"""

from __future__ import annotations

import datetime
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.permissions import ensure_can
from projects.models import Project

from . import tasks
from .background import claim_pending, lock_current_attempt, requeue_stuck
from .figures import data_fingerprint
from .models import ReportRequest
from .rendering import render_report

logger = logging.getLogger(__name__)

Status = ReportRequest.Status


@transaction.atomic
def report_request(*, actor, project: Project, kind: str, language: str) -> ReportRequest:
    """Ask for a project's report in a language; its rendering is queued after commit.

    An unchanged report already rendered (same project, kind, language and data fingerprint) is
    returned as it is: no new render. A request while the same report is pending or running joins
    that one, which renders the data as it is when its worker starts.
    """
    ensure_can(actor, "reports.request_report", project)
    # Checks the kind and language; the one-in-progress constraint is kept by get_or_create below.
    ReportRequest(project=project, kind=kind, language=language).full_clean(
        exclude=["project", "requested_by", "fingerprint"], validate_unique=False, validate_constraints=False
    )
    fingerprint = data_fingerprint(project, kind, language)
    rendered = (
        ReportRequest.objects.filter(
            project=project, kind=kind, language=language, fingerprint=fingerprint, status=Status.DONE
        )
        .select_related("project")
        .first()
    )
    if rendered is not None:
        return rendered
    report, created = ReportRequest.objects.in_progress().get_or_create(
        project=project,
        kind=kind,
        language=language,
        defaults={"requested_by": actor, "fingerprint": fingerprint},
    )
    if created:
        transaction.on_commit(lambda: tasks.report_render_task.delay(report.pk))
    return report


def report_render(*, report_id: int) -> ReportRequest | None:
    """Render a pending request's PDF and store it; records a failure with its reason.

    Does nothing (returns None) when the request is not pending or another worker is claiming it:
    running it twice does no harm. The technical detail of a failure goes to the log.
    """
    report = claim_pending(ReportRequest, report_id)
    if report is None:
        return None
    try:
        rendered = render_report(report.project, report.kind, report.language)
    except SoftTimeLimitExceeded:
        logger.warning("Rendering report request %s exceeded the soft time limit", report.pk)
        return _finish(report, status=Status.FAILED, error=ReportRequest.Error.TIMED_OUT)
    except Exception:
        logger.exception("Rendering report request %s failed", report.pk)
        return _finish(report, status=Status.FAILED, error=ReportRequest.Error.RENDER_FAILED)
    return _finish(report, status=Status.DONE, fingerprint=rendered.fingerprint, pdf=rendered.pdf)


@transaction.atomic
def _finish(
    report: ReportRequest, *, status: str, error: str = "", fingerprint: str = "", pdf: bytes = b""
) -> ReportRequest | None:
    """Record the end of the attempt ``report`` holds, if the request is still that attempt's.

    After a re-queue, another worker may have claimed the request (a later attempt): the result of
    this one is then dropped, so exactly one PDF is ever stored for a request.
    """
    current = lock_current_attempt(report)
    if current is None:
        return None
    if pdf:
        current.fingerprint = fingerprint
        # Written before the row: if the commit fails, the storage keeps an orphan, never a row without its file.
        current.file.save(current.download_name, ContentFile(pdf), save=False)
    current.status = status
    current.error = error
    current.finished_at = timezone.now()
    current.full_clean(exclude=["project", "requested_by"], validate_unique=False, validate_constraints=False)
    current.save(update_fields=["fingerprint", "file", "status", "error", "finished_at"])
    return current


def stuck_reports_requeue(*, older_than: datetime.timedelta | None = None) -> list[int]:
    """Queue again the requests whose message or worker was lost; fail those out of attempts.

    Stuck means pending since it was last queued, or running since it started, for longer than
    ``older_than`` (``REPORT_STUCK_AFTER`` by default, longer than a render may live). Returns the ids
    queued again. Requests another transaction holds are left for the next run.
    """
    return requeue_stuck(ReportRequest, tasks.report_render_task, older_than=older_than)
