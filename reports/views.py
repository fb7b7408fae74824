"""The Reports page of a project: request a PDF report, watch it being rendered, download it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.ratelimits import limit_per_user
from forums.uploads import file_response
from projects.models import Project
from projects.selectors import project_with_details
from projects.views import add_service_errors, project_for_action

from . import selectors, services
from .forms import ReportRequestForm
from .iati import iati_export
from .models import ReportRequest


def report_file_response(report: ReportRequest) -> FileResponse:
    """A finished report's PDF as an attachment named after project, kind and language.

    A request not done, or whose file is lost from the storage, is a 404.
    """
    if report.status != ReportRequest.Status.DONE:
        raise Http404
    return file_response(report.file, "application/pdf", filename=report.download_name, as_attachment=True)


class ProjectReportsView(LoginRequiredMixin, View):
    """Request a report of the project in a language; its earlier reports with date and fingerprint.

    For the project's coordinators and donors and platform staff (403 for others who may see it). Each user
    may ask for ``REPORT_RATELIMIT`` reports (429 beyond it): each one may cost a worker minutes of rendering.
    """

    template_name = "reports/report_list.html"

    def get(self, request, code: str):
        project = project_for_action(request, code, "reports.request_report")
        return self.render(request, project, ReportRequestForm())

    @limit_per_user("REPORT_RATELIMIT")
    def post(self, request, code: str):
        project = project_for_action(request, code, "reports.request_report")
        form = ReportRequestForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_request(actor=request.user, project=project, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if report.status == ReportRequest.Status.DONE:
                    messages.success(request, _("The data has not changed since this report was made: it is ready."))
                else:
                    messages.success(request, _("The report is requested. You can download it below when it is ready."))
                return redirect("reports:project-reports", code=project.code)
        return self.render(request, project, form, status=400)

    def render(self, request, project, form: ReportRequestForm, status: int = 200):
        context = {"project": project, "form": form, "reports": selectors.project_reports(project)}
        return render(request, self.template_name, context, status=status)


# The status htmx takes as "stop polling", still swapping the content in.
HTMX_STOP_POLLING = 286


class ReportStatusView(LoginRequiredMixin, View):
    """A report's status, the content of the live region the Reports page polls until it is finished."""

    def get(self, request, pk: int):
        report = selectors.report_for_user(request.user, pk)
        status = HTMX_STOP_POLLING if request.htmx and report.is_finished else 200
        return render(request, "reports/partials/_report_status.html", {"report": report}, status=status)


class ReportDownloadView(LoginRequiredMixin, View):
    """A finished report's PDF, for those who may download the project's reports (404 for others)."""

    def get(self, request, pk: int):
        return report_file_response(selectors.report_for_user(request.user, pk))


class ProjectIatiView(LoginRequiredMixin, View):
    """The project's IATI 2.03 file for its coordinators and donors; a page listing what it lacks (409) if it
    cannot be valid."""

    def get(self, request, code: str):
        project = project_for_action(request, code, "reports.export_iati")
        export = iati_export(project_with_details(Project.objects.filter(pk=project.pk)))
        if export.problems:
            context = {"project": project, "problems": export.problems[project.code]}
            return render(request, "reports/iati_problems.html", context, status=409)
        response = HttpResponse(export.xml, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{project.code}-iati.xml"'
        return response
