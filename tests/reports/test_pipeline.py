"""The report pipeline in one process (Celery eager): a request renders once into a stored PDF, an
unchanged report is reused, failures are recorded with their reason, lost work is queued again and
a second rendering never leaves a second file. ``tests/faults/`` does the same with real workers."""

import datetime
import io
import logging

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from pypdf import PdfReader

from config.celery_app import app as celery_app
from projects.models import Membership
from reports import rendering, services, tasks
from reports.figures import data_fingerprint
from reports.models import ReportRequest
from tests.projects.factories import MembershipFactory

from .factories import DoneReportFactory, ReportRequestFactory

RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
SUMMARY = ReportRequest.Kind.EXECUTIVE_SUMMARY
Status = ReportRequest.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def resen_bitola(seeded):
    return seeded[RESEN_BITOLA]


@pytest.fixture
def donor(resen_bitola):
    return MembershipFactory(project=resen_bitola, role=Membership.Role.DONOR).user


@pytest.fixture
def renders(monkeypatch):
    """Counts the PDFs rendered, rendering them for real."""
    rendered = []
    real_render = services.render_report

    def counting_render(project, kind, language):
        rendered.append((project.code, kind, language))
        return real_render(project, kind, language)

    monkeypatch.setattr(services, "render_report", counting_render)
    return rendered


def request_and_run(django_capture_on_commit_callbacks, **kwargs) -> ReportRequest:
    """Request a report and run what the request queued (the eager task), as a commit would."""
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(**kwargs)
    report.refresh_from_db()
    return report


def stored_pdfs(media) -> list:
    return sorted((media / "reports").rglob("*.pdf")) if (media / "reports").exists() else []


def pdf_text(report: ReportRequest) -> str:
    with report.file.open("rb") as file:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(file.read())).pages)


# --- Request → task → stored file -----------------------------------------------------------------


def test_a_request_is_rendered_once_into_a_stored_pdf(
    resen_bitola, donor, renders, media, django_capture_on_commit_callbacks
):
    before = timezone.now()
    report = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )

    assert report.status == Status.DONE
    assert report.error == ""
    assert report.attempts == 1
    assert before <= report.requested_at <= report.started_at <= report.finished_at
    assert report.requested_by == donor
    assert report.fingerprint == data_fingerprint(resen_bitola, SUMMARY, "en")
    assert renders == [(RESEN_BITOLA, SUMMARY, "en")]
    assert stored_pdfs(media) == [media / report.file.name]
    assert report.file.name.startswith(f"reports/{RESEN_BITOLA}/{RESEN_BITOLA}-executive-summary-en")
    # The PDF prints the fingerprint of the data it was made from: the one the request records.
    assert report.short_fingerprint in pdf_text(report).replace("\n", "")


def test_an_unchanged_report_is_reused_without_rendering(
    resen_bitola, donor, renders, media, django_capture_on_commit_callbacks
):
    first = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )
    coordinator = MembershipFactory(project=resen_bitola, role=Membership.Role.COORDINATOR).user

    with django_capture_on_commit_callbacks() as queued:
        again = services.report_request(actor=coordinator, project=resen_bitola, kind=SUMMARY, language="en")

    assert again == first
    assert again.status == Status.DONE
    assert queued == []
    assert len(renders) == 1
    assert ReportRequest.objects.count() == 1
    assert len(stored_pdfs(media)) == 1


def test_a_changed_project_gives_a_new_render(resen_bitola, donor, renders, media, django_capture_on_commit_callbacks):
    first = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )
    resen_bitola.title_en = "Citizens' forums in Resen and Bitola, second edition"
    resen_bitola.save(update_fields=["title_en"])

    second = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )

    assert second.pk != first.pk
    assert second.status == Status.DONE
    assert second.fingerprint != first.fingerprint
    assert second.fingerprint == data_fingerprint(resen_bitola, SUMMARY, "en")
    assert len(renders) == 2
    assert len(stored_pdfs(media)) == 2
    assert "second edition" in pdf_text(second)


def test_another_language_is_another_report(resen_bitola, donor, renders, django_capture_on_commit_callbacks):
    english = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )
    macedonian = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="mk"
    )

    assert macedonian.pk != english.pk
    assert (macedonian.status, macedonian.language) == (Status.DONE, "mk")
    assert renders == [(RESEN_BITOLA, SUMMARY, "en"), (RESEN_BITOLA, SUMMARY, "mk")]


def test_a_second_request_while_the_first_is_pending_joins_it_and_renders_once(
    resen_bitola, donor, renders, media, django_capture_on_commit_callbacks
):
    coordinator = MembershipFactory(project=resen_bitola, role=Membership.Role.COORDINATOR).user
    with django_capture_on_commit_callbacks(execute=True) as queued:
        first = services.report_request(actor=donor, project=resen_bitola, kind=SUMMARY, language="bg")
        second = services.report_request(actor=coordinator, project=resen_bitola, kind=SUMMARY, language="bg")

    assert second == first
    assert len(queued) == 1
    assert len(renders) == 1
    assert ReportRequest.objects.get().status == Status.DONE
    assert len(stored_pdfs(media)) == 1


def test_the_one_request_in_progress_is_kept_by_the_database(resen_bitola):
    from django.db import IntegrityError, transaction

    ReportRequestFactory(project=resen_bitola, status=Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRequestFactory(project=resen_bitola, status=Status.PENDING)


# --- Idempotent task ------------------------------------------------------------------------------


def test_running_the_task_again_on_a_done_request_does_nothing(
    resen_bitola, donor, renders, media, django_capture_on_commit_callbacks
):
    report = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )

    tasks.report_render_task.delay(report.pk)

    again = ReportRequest.objects.get(pk=report.pk)
    assert (again.status, again.attempts, again.file.name, again.finished_at) == (
        Status.DONE,
        1,
        report.file.name,
        report.finished_at,
    )
    assert len(renders) == 1
    assert len(stored_pdfs(media)) == 1


def test_the_task_leaves_a_request_another_worker_is_rendering(resen_bitola, renders):
    started = timezone.now()
    report = ReportRequestFactory(project=resen_bitola, status=Status.RUNNING, attempts=1, started_at=started)

    tasks.report_render_task.delay(report.pk)

    report.refresh_from_db()
    assert (report.status, report.attempts, report.started_at) == (Status.RUNNING, 1, started)
    assert renders == []


def test_a_rendering_taken_over_by_another_worker_is_dropped(
    resen_bitola, donor, media, monkeypatch, django_capture_on_commit_callbacks
):
    """The first rendering takes long; meanwhile its request is re-queued and rendered by another
    worker. The first one's result is dropped: one stored file, from the second attempt."""
    real_render = rendering.render_report
    took_over = []

    def slow_render(project, kind, language):
        if not took_over:
            took_over.append(True)
            with django_capture_on_commit_callbacks(execute=True):
                services.stuck_reports_requeue(older_than=datetime.timedelta(0))
        return real_render(project, kind, language)

    monkeypatch.setattr(services, "render_report", slow_render)
    report = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )

    assert report.status == Status.DONE
    assert report.attempts == 2
    assert stored_pdfs(media) == [media / report.file.name]


# --- Failures -------------------------------------------------------------------------------------


def failing_render(error: Exception):
    def render(project, kind, language):
        raise error

    return render


def test_a_failure_is_recorded_with_its_reason_and_the_detail_is_logged(
    resen_bitola, donor, media, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "render_report", failing_render(OSError("cannot load library 'pango'")))

    with caplog.at_level(logging.ERROR, logger="reports.services"):
        report = request_and_run(
            django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
        )

    assert report.status == Status.FAILED
    assert report.error == ReportRequest.Error.RENDER_FAILED
    with translation.override("en"):  # the requester reads the reason in the page's language
        assert report.get_error_display() == "The report could not be rendered. Please try again later."
    assert report.finished_at is not None
    assert report.file.name == ""
    assert stored_pdfs(media) == []
    assert f"Rendering report request {report.pk} failed" in caplog.text
    assert "cannot load library 'pango'" in caplog.text


def test_a_render_over_the_soft_time_limit_is_recorded_as_too_long(
    resen_bitola, donor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "render_report", failing_render(SoftTimeLimitExceeded()))

    report = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )

    assert (report.status, report.error) == (Status.FAILED, ReportRequest.Error.TIMED_OUT)


def test_a_failed_report_can_be_requested_again(
    resen_bitola, donor, renders, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patch:
        patch.setattr(services, "render_report", failing_render(RuntimeError("boom")))
        failed = request_and_run(
            django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
        )

    again = request_and_run(
        django_capture_on_commit_callbacks, actor=donor, project=resen_bitola, kind=SUMMARY, language="en"
    )

    assert again.pk != failed.pk
    assert again.status == Status.DONE
    assert ReportRequest.objects.get(pk=failed.pk).status == Status.FAILED


def test_the_database_refuses_a_done_request_without_file_and_a_failed_one_without_error(resen_bitola):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRequestFactory(project=resen_bitola, status=Status.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRequestFactory(project=resen_bitola, status=Status.FAILED)


# --- Stuck requests -------------------------------------------------------------------------------


def long_ago() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.REPORT_STUCK_AFTER + 60)


def test_requests_stuck_pending_or_running_are_queued_again_and_rendered(
    seeded, renders, django_capture_on_commit_callbacks
):
    lost_message = ReportRequestFactory(project=seeded[RESEN_BITOLA], queued_at=long_ago())
    lost_worker = ReportRequestFactory(
        project=seeded["BG05SFOP001-2.025-0163-C01"], language="bg", status=Status.RUNNING, attempts=1
    )
    ReportRequest.objects.filter(pk=lost_worker.pk).update(started_at=long_ago())
    waiting = ReportRequestFactory(project=seeded["LINK4COOP-BIH-2021"])
    rendering_now = ReportRequestFactory(
        project=seeded["07-23-73"], status=Status.RUNNING, attempts=1, started_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        requeued = tasks.stuck_reports_requeue_task.delay().get()

    assert requeued == 2
    lost_message.refresh_from_db()
    lost_worker.refresh_from_db()
    assert (lost_message.status, lost_message.attempts) == (Status.DONE, 1)
    assert (lost_worker.status, lost_worker.attempts) == (Status.DONE, 2)
    assert sorted(renders) == sorted([(RESEN_BITOLA, SUMMARY, "en"), ("BG05SFOP001-2.025-0163-C01", SUMMARY, "bg")])
    assert ReportRequest.objects.get(pk=waiting.pk).status == Status.PENDING
    assert ReportRequest.objects.get(pk=rendering_now.pk).status == Status.RUNNING


def test_a_request_out_of_attempts_is_failed_not_queued_again(
    resen_bitola, renders, django_capture_on_commit_callbacks
):
    report = ReportRequestFactory(project=resen_bitola, status=Status.RUNNING, attempts=settings.REPORT_MAX_ATTEMPTS)
    ReportRequest.objects.filter(pk=report.pk).update(started_at=long_ago())

    with django_capture_on_commit_callbacks(execute=True):
        assert services.stuck_reports_requeue() == []

    report.refresh_from_db()
    assert (report.status, report.error) == (Status.FAILED, ReportRequest.Error.TOO_MANY_ATTEMPTS)
    assert report.finished_at is not None
    assert renders == []


def test_the_requeue_runs_periodically_and_the_render_task_survives_a_lost_worker():
    celery_app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["stuck-reports-requeue"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == settings.REPORT_REQUEUE_EVERY < settings.REPORT_STUCK_AFTER
    task = tasks.report_render_task
    assert task.acks_late and task.reject_on_worker_lost
    assert (task.soft_time_limit, task.time_limit) == (settings.REPORT_SOFT_TIME_LIMIT, settings.REPORT_TIME_LIMIT)
    assert task.soft_time_limit < task.time_limit < settings.REPORT_STUCK_AFTER


# --- Who may request ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("outsider", False),
        ("municipal_staff", False),
        ("ngo_coordinator", False),
        ("other_coordinator", False),
        ("coordinator", True),
        ("donor", True),
        ("staff", True),
    ],
)
def test_who_may_request_a_report(cast, who, allowed, django_capture_on_commit_callbacks):
    actor = getattr(cast, who)
    with django_capture_on_commit_callbacks() as queued:
        if allowed:
            report = services.report_request(actor=actor, project=cast.project, kind=SUMMARY, language="mk")
            assert (report.status, report.requested_by, report.language) == (Status.PENDING, actor, "mk")
        else:
            with pytest.raises(PermissionDenied):
                services.report_request(actor=actor, project=cast.project, kind=SUMMARY, language="mk")
    assert ReportRequest.objects.count() == len(queued) == (1 if allowed else 0)


@pytest.mark.parametrize(("kind", "language"), [("annual_report", "en"), (SUMMARY, "de")])
def test_an_unknown_kind_or_language_is_refused(cast, kind, language, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued, pytest.raises(ValidationError):
        services.report_request(actor=cast.donor, project=cast.project, kind=kind, language=language)
    assert queued == []
    assert not ReportRequest.objects.exists()


def test_a_reused_report_is_the_newest_done_one(cast, django_capture_on_commit_callbacks):
    fingerprint = data_fingerprint(cast.project, SUMMARY, "en")
    DoneReportFactory(project=cast.project, fingerprint=fingerprint)
    newest = DoneReportFactory(project=cast.project, fingerprint=fingerprint)

    with django_capture_on_commit_callbacks() as queued:
        assert services.report_request(actor=cast.donor, project=cast.project, kind=SUMMARY, language="en") == newest
    assert queued == []


# --- The command for scripts ----------------------------------------------------------------------


def test_the_command_renders_a_report_to_a_file_without_recording_a_request(resen_bitola, tmp_path):
    output = tmp_path / "summary.pdf"

    call_command("render_report", RESEN_BITOLA, kind=SUMMARY, language="bg", output=str(output), stdout=io.StringIO())

    text = "".join(page.extract_text() for page in PdfReader(output).pages)
    assert data_fingerprint(resen_bitola, SUMMARY, "bg")[:12] in text.replace("\n", "")
    assert not ReportRequest.objects.exists()


def test_the_command_names_an_unknown_project(db):
    with pytest.raises(CommandError, match="No project has the code 'NOPE'"):
        call_command("render_report", "NOPE", language="en")
