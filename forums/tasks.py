"""Thin Celery tasks of the forums app."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def named_lists_anonymise_task() -> tuple[int, int]:
    """Daily (Celery beat): delete named lists kept past retention (see ``services.named_lists_anonymise``)."""
    return services.named_lists_anonymise()
