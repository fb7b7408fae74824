"""Real Celery workers against the real Redis broker and the test database: a requested report is
rendered by a worker; a worker killed mid-render loses no report and leaves exactly one file.

The workers are separate processes (``celery -A config worker``), so the test data must be committed
(transactional tests) and they are pointed at the test database, a Redis database of their own and a
queue named for this run. Without Redis or PostgreSQL the tests are skipped, except on CI.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from config.celery_app import app as celery_app
from projects.models import Membership
from reports import services
from reports.models import ReportRequest
from tests.projects.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Database 9 of the local Redis: neither the default (0) of a developer's worker nor CI's broker.
BROKER_URL = os.environ.get("REPORTS_TEST_BROKER_URL", "redis://127.0.0.1:6379/9")
RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
WAIT_SECONDS = 90
Status = ReportRequest.Status


def broker_unavailable() -> str | None:
    """Why a real worker cannot run here, or None."""
    if connection.vendor != "postgresql":
        return "the workers share the test database, which needs PostgreSQL (DATABASE_URL)"
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis broker at {BROKER_URL}: {error}"
    return None


@pytest.fixture
def queue(db, settings, tmp_path, monkeypatch):
    """Route this process's tasks to a queue of this run on the test broker, instead of running them eagerly."""
    reason = broker_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    settings.MEDIA_ROOT = tmp_path / "media"
    name = f"reports-test-{uuid.uuid4().hex[:12]}"
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    celery_app.conf.update(broker_url=BROKER_URL, task_always_eager=False, task_default_queue=name)
    # Celery reads the broker from the environment before its configuration (as on CI, which sets one).
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    # Even eager tasks take a producer from the app's pools, which then hold connections to the
    # configured (empty) broker URL. Dropped here as Celery drops them after a fork (``_after_fork``),
    # so new ones reach the test broker; the old ones are put back afterwards.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield name
    celery_app.conf.update(saved)
    forget_queue(name)


def forget_queue(name: str) -> None:
    """Remove the run's queue, its bindings and the messages its killed workers left unacknowledged."""
    client = redis.Redis.from_url(BROKER_URL)
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
    for tag, payload in client.hgetall("unacked").items():
        if json.loads(payload)[2] == name:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


class Worker:
    """A ``celery -A config worker`` process on the run's queue, with the test's database and media."""

    def __init__(self, queue: str, log: Path):
        database = connection.settings_dict
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": (
                f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
            ),
            "CELERY_BROKER_URL": BROKER_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", f"{log.stem}@%h"),
            *("--pool", "prefork", "--concurrency", "1", "--without-gossip", "--without-mingle", "-l", "info"),
        ]
        self.log = log
        with log.open("wb") as output:
            # A session of its own: killing its group kills the main process and its pool child at once,
            # as when the machine running them dies.
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def start_worker(queue, tmp_path):
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(queue, tmp_path / f"worker-{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(report: ReportRequest, condition, worker: Worker, poll: float = 0.2) -> ReportRequest:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if condition(report):
            return report
        time.sleep(poll)
    pytest.fail(f"report request {report.pk} stayed {report.status}; the worker's log:\n{worker.tail()}")


def stored_pdfs() -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "reports").rglob("*.pdf"))


@pytest.fixture
def donor(seeded):
    return MembershipFactory(project=seeded[RESEN_BITOLA], role=Membership.Role.DONOR).user


def test_a_worker_renders_a_requested_report(seeded, donor, start_worker):
    worker = start_worker()

    report = services.report_request(
        actor=donor, project=seeded[RESEN_BITOLA], kind=ReportRequest.Kind.EXECUTIVE_SUMMARY, language="mk"
    )

    report = wait_for(report, lambda report: report.is_finished, worker)
    assert (report.status, report.attempts, report.error) == (Status.DONE, 1, "")
    assert stored_pdfs() == [Path(settings.MEDIA_ROOT) / report.file.name]
    with report.file.open("rb") as file:
        text = "".join(page.extract_text() for page in PdfReader(file).pages)
    assert "1391" in text.replace(" ", "").replace(".", "")


def test_a_worker_killed_mid_render_loses_no_report_and_leaves_one_file(seeded, donor, start_worker):
    first = start_worker()
    report = services.report_request(
        actor=donor, project=seeded[RESEN_BITOLA], kind=ReportRequest.Kind.FINAL_REPORT, language="en"
    )
    wait_for(report, lambda report: report.status == Status.RUNNING, first, poll=0.02)

    first.kill()

    report.refresh_from_db()
    assert (report.status, report.attempts) == (Status.RUNNING, 1), "the render ended before the worker was killed"
    assert stored_pdfs() == []

    second = start_worker()
    # Beat's periodic task, run now rather than after REPORT_STUCK_AFTER.
    assert services.stuck_reports_requeue(older_than=datetime.timedelta(0)) == [report.pk]

    report = wait_for(report, lambda report: report.is_finished, second)
    assert (report.status, report.attempts) == (Status.DONE, 2)
    assert stored_pdfs() == [Path(settings.MEDIA_ROOT) / report.file.name]
    assert ReportRequest.objects.filter(status=Status.DONE).count() == 1
