"""Reads of report requests, shaped for the Reports page, the downloads and the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from projects.models import Project

from .models import ReportRequest


def project_reports(project: Project) -> QuerySet[ReportRequest]:
    """A project's report requests, newest first, with what the Reports page shows of each."""
    return project.report_requests.select_related("project", "requested_by")


def reports_for_list(user) -> QuerySet[ReportRequest]:
    """The report requests the user may see and download (the API's list)."""
    return ReportRequest.objects.visible_to(user).select_related("project")


def report_for_user(user, pk: int) -> ReportRequest:
    """A report request the user may download; 404 otherwise, never revealing that it exists."""
    report = ReportRequest.objects.select_related("project").filter(pk=pk).first()
    if not user.has_perm("reports.download_report", report):
        raise Http404
    return report
