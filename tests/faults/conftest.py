"""Fixtures of the fault tests: throwaway servers to restart, real workers to kill, tasks routed to them.

Without the programs these tests need (PostgreSQL's server programs, redis-server) or without PostgreSQL
as the test database, they are skipped, unless ``PORTAL_REQUIRE_FAULT_SERVERS`` (set by ``.ci/run``) or
``CI`` demands them: then they fail.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import redis
from django.db import connection

from config.celery_app import app as celery_app
from projects.models import Membership
from tests.projects.factories import MembershipFactory

from .servers import ThrowawayPostgres, ThrowawayRedis, missing_servers
from .workers import Worker

RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"


def skip_or_fail(reason: str) -> None:
    if os.environ.get("PORTAL_REQUIRE_FAULT_SERVERS") or os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def fault_servers():
    """Skips (or, on CI, fails) the test when the throwaway servers or a PostgreSQL test database are missing."""
    reason = missing_servers()
    if reason is None and connection.vendor != "postgresql":
        reason = "the workers share the test database, which needs PostgreSQL (DATABASE_URL)"
    if reason:
        skip_or_fail(reason)


@pytest.fixture
def redis_server(fault_servers, tmp_path):
    """Starts a throwaway Redis: ``redis_server(appendonly=...)``; all are deleted after the test."""
    servers: list[ThrowawayRedis] = []

    def start(*, appendonly: bool) -> ThrowawayRedis:
        server = ThrowawayRedis(tmp_path / f"redis-{len(servers) + 1}", appendonly=appendonly)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.destroy()


@pytest.fixture
def postgres_server(fault_servers):
    """A started throwaway PostgreSQL cluster, deleted after the test."""
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def task_queue(db, settings, tmp_path, monkeypatch):
    """Routes this process's tasks to a queue of this test on a broker: ``task_queue(broker_url)`` → its name.

    Instead of running them eagerly: the tests put the queue and the worker between request and report.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    name = f"reports-fault-{uuid.uuid4().hex[:12]}"
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    used: list[str] = []

    def route(broker_url: str) -> str:
        celery_app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=name)
        # Celery reads the broker from the environment before its configuration (as on CI, which sets one).
        monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
        # Even eager tasks take a producer from the app's pools, which then hold connections to the
        # configured (empty) broker URL. Dropped here as Celery drops them after a fork (``_after_fork``),
        # so new ones reach the test broker; the old ones are put back afterwards.
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
        used.append(broker_url)
        return name

    yield route
    celery_app.conf.update(saved)
    for broker_url in used:
        forget_queue(broker_url, name)


def forget_queue(broker_url: str, name: str) -> None:
    """Remove the test's queue, its bindings and the messages its killed workers left unacknowledged."""
    try:
        client = redis.Redis.from_url(broker_url, socket_connect_timeout=2)
        client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
        for tag, payload in client.hgetall("unacked").items():
            if json.loads(payload)[2] == name:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    except redis.ConnectionError:
        pass  # a throwaway server already gone, and its queue with it


@pytest.fixture
def start_worker(tmp_path):
    """Starts workers: ``start_worker(broker_url=..., queue=..., environment=...)``; all stopped after the test."""
    workers: list[Worker] = []

    def start(**options) -> Worker:
        worker = Worker(log=tmp_path / f"worker-{len(workers) + 1}.log", **options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def donor(seeded):
    """A donor of the Resen–Bitola seed project: may request its reports."""
    return MembershipFactory(project=seeded[RESEN_BITOLA], role=Membership.Role.DONOR).user
