"""Real ``celery -A config worker`` processes for the fault tests, and waiting on the reports they render.

The workers are separate processes, so the test data must be committed (transactional tests); they are
pointed at the test database, the test's broker, a queue named for the test and its media folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from reports.models import ReportRequest

WAIT_SECONDS = 90


def database_url() -> str:
    """The URL of the test database this process uses, for the processes it starts."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


class Worker:
    """A worker with one pool process on ``queue`` of ``broker_url``; ``environment`` adds settings (time limits)."""

    def __init__(self, *, broker_url: str, queue: str, log: Path, environment: dict[str, str] | None = None):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **(environment or {}),
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

    @property
    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.is_alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def wait_for(report: ReportRequest, condition, worker: Worker, poll: float = 0.2) -> ReportRequest:
    """``report`` reloaded once ``condition(report)`` holds; fails with the worker's log after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if condition(report):
            return report
        time.sleep(poll)
    pytest.fail(f"report request {report.pk} stayed {report.status}; the worker's log:\n{worker.tail()}")


def stored_pdfs() -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "reports").rglob("*.pdf"))
