"""Thin Celery tasks of the exports: they take an export request's id and call the services.

Acknowledged late and rejected when the worker is lost, like the reports' tasks; the services make
a second delivery harmless. ``reports.tasks`` imports this module so that workers register them.
"""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
)
def export_write_task(export_id: int) -> None:
    """Write and store the file of a pending export request (nothing if it is not pending)."""
    services.export_write(export_id=export_id)


@shared_task(acks_late=True)
def stuck_exports_requeue_task() -> int:
    """Periodic (Celery beat): queue again the export requests whose message or worker was lost."""
    return len(services.stuck_exports_requeue())
