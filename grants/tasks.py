"""Thin Celery tasks: they take ids, load, and call the notification functions."""

from celery import shared_task

from . import notifications


@shared_task(acks_late=True)
def proposal_submitted_notify_task(proposal_id: int) -> int:
    """Mail the coordinators about a submitted proposal."""
    return notifications.proposal_submitted_notify(proposal_id)


@shared_task(acks_late=True)
def proposal_decision_notify_task(proposal_id: int) -> int:
    """Mail the applicant about a decision on their proposal."""
    return notifications.proposal_decision_notify(proposal_id)


@shared_task(acks_late=True)
def final_reports_due_notify_task() -> int:
    """Daily (Celery beat): remind grantees of final reports falling due."""
    return notifications.final_reports_due_notify()
