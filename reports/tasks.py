"""Thin Celery tasks: they take a report request's id and call the services.

Acknowledged late and rejected when the worker is lost, so a message is not gone before its report
is; the services make a second delivery harmless.
"""

from celery import shared_task
from django.conf import settings

from . import services
from .exports.tasks import export_write_task, stuck_exports_requeue_task  # noqa: F401  (registered with the worker)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
)
def report_render_task(report_id: int) -> None:
    """Render and store the PDF of a pending report request (nothing if it is not pending)."""
    services.report_render(report_id=report_id)


@shared_task(acks_late=True)
def stuck_reports_requeue_task() -> int:
    """Periodic (Celery beat): queue again the report requests whose message or worker was lost."""
    return len(services.stuck_reports_requeue())
