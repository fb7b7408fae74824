"""A runaway render (a final report of thousands of sessions) hits the soft time limit: the request is
failed with the reason ``timed_out``, and the same worker process goes on to render the next report.

The worker runs with a soft limit of a few seconds instead of two minutes; the runaway input is made
big enough to take many times longer than that (6,000 sessions: over a minute on a development machine).
"""

import datetime

import pytest

from forums.models import Attendance, ForumSession, Kind, Qualifier
from reports import services
from reports.models import ReportRequest
from reports.tasks import report_render_task

from .conftest import RESEN_BITOLA
from .workers import stored_pdfs, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
Status = ReportRequest.Status

SOFT_TIME_LIMIT_SECONDS = 3
HARD_TIME_LIMIT_SECONDS = 120
RUNAWAY_SESSIONS = 6000


def add_held_sessions(project, count: int) -> None:
    """``count`` held forum sessions with their attendance, each a line of the final report."""
    municipality = project.target_municipalities.first()
    sessions = ForumSession.objects.bulk_create(
        ForumSession(
            project=project,
            kind=Kind.FORUM_INFORMATIONAL,
            municipality=municipality,
            status=ForumSession.Status.HELD,
            date=datetime.date(2024, 1, 1) + datetime.timedelta(days=number % 700),
            language=project.original_language,
            title=f"Session {number}",
            feedback_token=f"runaway-{number}",
        )
        for number in range(count)
    )
    Attendance.objects.bulk_create(
        Attendance(session=session, participants=25, participants_qualifier=Qualifier.EXACT) for session in sessions
    )


def test_a_runaway_render_times_out_and_the_worker_renders_the_next_report(
    seeded, donor, redis_server, task_queue, start_worker, monkeypatch
):
    runaway_project = seeded[RESEN_BITOLA]
    add_held_sessions(runaway_project, RUNAWAY_SESSIONS)
    broker = redis_server(appendonly=False)
    queue = task_queue(broker.url)
    limits = {"REPORT_SOFT_TIME_LIMIT": str(SOFT_TIME_LIMIT_SECONDS), "REPORT_TIME_LIMIT": str(HARD_TIME_LIMIT_SECONDS)}
    worker = start_worker(broker_url=broker.url, queue=queue, environment=limits)
    # The limits travel in the task's message, set by the process that queues it (here this one, in
    # production the web process or beat): it must use the worker's settings too.
    monkeypatch.setattr(report_render_task, "soft_time_limit", SOFT_TIME_LIMIT_SECONDS)
    monkeypatch.setattr(report_render_task, "time_limit", HARD_TIME_LIMIT_SECONDS)
    monkeypatch.setattr(report_render_task, "_exec_options", None)  # Celery keeps them from the task's first call

    runaway = services.report_request(
        actor=donor, project=runaway_project, kind=ReportRequest.Kind.FINAL_REPORT, language="en"
    )
    runaway = wait_for(runaway, lambda report: report.is_finished, worker)
    next_report = services.report_request(
        actor=donor, project=runaway_project, kind=ReportRequest.Kind.EXECUTIVE_SUMMARY, language="en"
    )
    next_report = wait_for(next_report, lambda report: report.is_finished, worker)

    assert (runaway.status, runaway.error, runaway.attempts) == (Status.FAILED, ReportRequest.Error.TIMED_OUT, 1)
    assert not runaway.file
    assert runaway.finished_at - runaway.started_at < datetime.timedelta(seconds=SOFT_TIME_LIMIT_SECONDS + 10)
    assert (next_report.status, next_report.error) == (Status.DONE, "")
    assert [path.name for path in stored_pdfs()] == [next_report.file.name.rsplit("/", 1)[-1]]
    assert worker.is_alive
    log = worker.log.read_text(errors="replace")
    assert "SoftTimeLimitExceeded" in log or "soft time limit" in log
    # One pool process did both: the soft limit stopped the render, not the process (a hard kill would log it).
    assert "WorkerLostError" not in log
    assert "Hard time limit" not in log
