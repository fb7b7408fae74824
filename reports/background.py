"""The pieces shared by the background work of this app: PDF reports and large open-data exports.

Both keep a request row, a ``BackgroundRequest`` with an ``error`` whose choices have
``TOO_MANY_ATTEMPTS``. The row is the truth, the queue a hint: a worker works on a request only after
claiming it (pending → running under a row lock), and a periodic task queues again the requests whose
message or worker was lost.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .models import BackgroundRequest

logger = logging.getLogger(__name__)

Status = BackgroundRequest.Status


@transaction.atomic
def claim_pending(model: type[models.Model], pk: int):
    """Mark a pending request running and count the attempt; None if it is not pending or is locked."""
    request = (
        model.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("project")
        .filter(pk=pk, status=Status.PENDING)
        .first()
    )
    if request is None:
        return None
    request.status = Status.RUNNING
    request.attempts += 1
    request.started_at = timezone.now()
    request.save(update_fields=["status", "attempts", "started_at"])
    return request


def lock_current_attempt(request):
    """The request's row, locked, if it is still the attempt ``request`` holds; None otherwise.

    After a re-queue another worker may have claimed the request (a later attempt): the result of
    this one is then dropped, so exactly one file is ever stored for a request. Call inside a transaction.
    """
    current = (
        type(request).objects.select_for_update(of=("self",)).select_related("project").filter(pk=request.pk).first()
    )
    if current is None or current.status != Status.RUNNING or current.attempts != request.attempts:
        logger.warning(
            "%s %s was taken over or deleted during attempt %s; its result is dropped",
            type(request).__name__,
            request.pk,
            request.attempts,
        )
        return None
    return current


@transaction.atomic
def requeue_stuck(model: type[models.Model], task, *, older_than: datetime.timedelta | None = None) -> list[int]:
    """Queue ``task`` again for the requests whose message or worker was lost; fail those out of attempts.

    Stuck means pending since it was last queued, or running since it started, for longer than
    ``older_than`` (``REPORT_STUCK_AFTER`` by default). Returns the ids queued again. Requests another
    transaction holds are left for the next run.
    """
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.REPORT_STUCK_AFTER)
    now = timezone.now()
    cutoff = now - older_than
    stuck = model.objects.select_for_update(skip_locked=True).filter(
        Q(status=Status.PENDING, queued_at__lt=cutoff) | Q(status=Status.RUNNING, started_at__lt=cutoff)
    )
    requeued = []
    for request in stuck:
        if request.attempts >= settings.REPORT_MAX_ATTEMPTS:
            logger.error("%s %s failed %s attempts; it is given up", model.__name__, request.pk, request.attempts)
            request.status = Status.FAILED
            request.error = model.Error.TOO_MANY_ATTEMPTS
            request.finished_at = now
        else:
            logger.warning("%s %s was stuck %s; queued again", model.__name__, request.pk, request.status)
            request.status = Status.PENDING
            request.queued_at = now
            requeued.append(request.pk)
            transaction.on_commit(partial(task.delay, request.pk))
        request.save(update_fields=["status", "error", "finished_at", "queued_at"])
    return requeued
