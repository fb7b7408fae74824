"""Report requests: the database row is the truth about a PDF report, the Celery queue only a hint.

A row says which report of which project in which language was asked for, how far its rendering got,
the fingerprint of the data it was made from and, once done, the stored PDF (see ARCHITECTURE.md,
Reports, and ``services.py`` for the workflow).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Membership, Project

# The roles of a project that request and download its reports; see ``reports.rules``.
REPORT_ROLES = (Membership.Role.COORDINATOR, Membership.Role.DONOR)


def report_upload_to(report: ReportRequest, filename: str) -> str:
    """One folder per project, so an operator finds a project's PDFs together in the storage."""
    return f"reports/{report.project.code}/{filename}"


class ReportRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReportRequestQuerySet:
        """Requests of the projects whose reports the user may request and download; all for staff.

        Kept consistent with the ``reports.request_report`` predicate by tests.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        projects = Membership.objects.filter(user=user, role__in=REPORT_ROLES).values("project_id")
        return self.filter(project_id__in=projects)

    def in_progress(self) -> ReportRequestQuerySet:
        return self.filter(status__in=ReportRequest.IN_PROGRESS)


class BackgroundRequest(models.Model):
    """What a request for work done by a worker records: where it stands, its attempts and their times.

    The row is the truth and the queue only a hint: ``reports.background`` claims, finishes and
    re-queues requests of every kind through these fields.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for its turn")
        RUNNING = "running", _("Being rendered")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    IN_PROGRESS = (Status.PENDING, Status.RUNNING)

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("last queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ReportRequest(BackgroundRequest):
    """One requested PDF report of a project, in one language, and how its rendering went."""

    class Kind(models.TextChoices):
        EXECUTIVE_SUMMARY = "executive_summary", _("Executive summary")
        FINAL_REPORT = "final_report", _("Final report")

    class Error(models.TextChoices):
        """Why a report failed, as the requester reads it; the technical detail goes to the log."""

        RENDER_FAILED = "render_failed", _("The report could not be rendered. Please try again later.")
        TIMED_OUT = "timed_out", _("Rendering the report took too long. Please try again later.")
        TOO_MANY_ATTEMPTS = "too_many_attempts", _("The report could not be rendered after several attempts.")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="report_requests"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_requests",
    )
    fingerprint = models.CharField(
        _("data fingerprint"),
        max_length=64,
        help_text=_("Identifies the figures and texts the report was made from; unchanged data, same fingerprint."),
    )
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True)
    error = models.CharField(_("error"), max_length=20, choices=Error.choices, blank=True)

    objects = ReportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("report request")
        verbose_name_plural = _("report requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["project", "kind", "language", "fingerprint"], name="reportrequest_reuse_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="reportrequest_done_has_file"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="reportrequest_failed_has_error"),
            # A second request while one is pending or running joins it: one render, not two.
            models.UniqueConstraint(
                fields=["project", "kind", "language"],
                condition=Q(status__in=["pending", "running"]),
                name="reportrequest_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.kind} {self.language} ({self.status})"

    @property
    def short_fingerprint(self) -> str:
        """Enough of the fingerprint to tell two reports apart by eye, as the PDFs print it."""
        return self.fingerprint[:12]

    @property
    def download_name(self) -> str:
        """The file name a downloaded report gets: project code, kind and language."""
        return f"{self.project.code}-{self.kind.replace('_', '-')}-{self.language}.pdf"


def export_upload_to(export: ExportRequest, filename: str) -> str:
    """Beside the project's reports, in a folder of its own."""
    return f"exports/{export.project.code}/{filename}"


def export_file_name(project: Project, dataset: str, language: str, extension: str, *, dictionary: bool = False) -> str:
    """``CODE-proposal-budget-lines-mk.xlsx``; ``…-dictionary-mk.csv`` for a data dictionary."""
    parts = [project.code, dataset.replace("_", "-"), *(["dictionary"] if dictionary else []), language]
    return f"{'-'.join(parts)}.{extension}"


class ExportRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> ExportRequestQuerySet:
        """The user's own export requests (their rows are what the requester may see); all for staff.

        Kept consistent with the ``reports.download_export`` predicate by tests.
        """
        if not user.is_authenticated:
            return self.none()
        return self.all() if user.is_staff else self.filter(requested_by=user)

    def in_progress(self) -> ExportRequestQuerySet:
        return self.filter(status__in=ExportRequest.IN_PROGRESS)


class ExportRequest(BackgroundRequest):
    """An open-data file of a project (one dataset, format and language) written by a worker.

    Small exports are written while the browser waits and leave no row; this one records a large
    export's progress (rows done of the total) and, once done, its stored file.
    """

    class Error(models.TextChoices):
        """Why an export failed, as the requester reads it; the technical detail goes to the log."""

        WRITE_FAILED = "write_failed", _("The export could not be written. Please try again later.")
        TIMED_OUT = "timed_out", _("Writing the export took too long. Please try again later.")
        TOO_MANY_ATTEMPTS = "too_many_attempts", _("The export could not be written after several attempts.")

    class FileFormat(models.TextChoices):
        CSV = "csv", _("CSV (UTF-8)")
        XLSX = "xlsx", _("Excel workbook (XLSX)")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="export_requests"
    )
    dataset = models.CharField(_("dataset"), max_length=32)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat.choices)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="export_requests",
        help_text=_("Whose permissions decide which rows the file holds."),
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_upload_to, blank=True)
    error = models.CharField(_("error"), max_length=20, choices=Error.choices, blank=True)

    objects = ExportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("export request")
        verbose_name_plural = _("export requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="exportrequest_done_has_file"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="exportrequest_failed_has_error"),
            models.CheckConstraint(
                condition=Q(rows_total__isnull=True) | Q(rows_done__lte=models.F("rows_total")),
                name="exportrequest_progress_within_total",
            ),
            # A second request of the same file while one is being written joins it.
            models.UniqueConstraint(
                fields=["project", "dataset", "file_format", "language", "requested_by"],
                condition=Q(status__in=["pending", "running"]),
                name="exportrequest_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.dataset} {self.file_format} {self.language} ({self.status})"

    @property
    def progress_percent(self) -> int | None:
        """Rows written as a whole percentage of the total; None before the total is known."""
        if not self.rows_total:
            return None
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def download_name(self) -> str:
        return export_file_name(self.project, self.dataset, self.language, self.file_format)
