"""Who the audit trail names as the author of a write: the signed-in user, the API's token holder, or
nobody ("system") for background work.

auditlog's middleware fixes the actor before the view runs; DRF authenticates a token only inside
the view, so the API names its user here once it knows it. Celery tasks run with no actor, even when
run eagerly inside a user's request: what a task writes, the system wrote.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from auditlog.context import auditlog_value, set_actor


def record_actor(user) -> None:
    """Name ``user`` as the actor of the rest of the current request's audit entries."""
    try:
        context = auditlog_value.get()
    except LookupError:  # not inside a request the audit middleware saw
        return
    if context.get("actor") is None:
        context["actor"] = user


@contextlib.contextmanager
def acting_as(actor) -> Iterator[None]:
    """Writes inside the block name ``actor``; afterwards the request's own actor is named again.

    auditlog's ``set_actor`` replaces the request's context and does not put it back, so the writes that
    follow the block in the same request would name nobody.
    """
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = None
    try:
        with set_actor(actor):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


@contextlib.contextmanager
def as_system() -> Iterator[None]:
    """Writes inside the block record no actor; the caller's context comes back afterwards."""
    # A fresh context whose id matches no connected receiver: auditlog adds nothing to the entries.
    token = auditlog_value.set({"actor": None, "signal_duid": ("system", time.monotonic_ns())})
    try:
        yield
    finally:
        auditlog_value.reset(token)


_running_tasks: dict[str, contextlib.AbstractContextManager] = {}


def task_started(task_id: str, **_kwargs) -> None:
    """Celery ``task_prerun``: the task's writes are the system's."""
    block = as_system()
    block.__enter__()
    _running_tasks[task_id] = block


def task_finished(task_id: str, **_kwargs) -> None:
    """Celery ``task_postrun``: give the caller's context back (eager tasks run inside a request)."""
    block = _running_tasks.pop(task_id, None)
    if block is not None:
        block.__exit__(None, None, None)
