"""The Open data page of a project: its datasets as CSV or XLSX, their data dictionaries, and the
progress of the large exports a worker writes."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.ratelimits import limit_per_user
from forums.uploads import file_response
from projects.selectors import project_visible_to
from projects.views import add_service_errors

from ..models import ExportRequest, export_file_name
from ..views import HTMX_STOP_POLLING
from . import selectors, services
from .datasets import DATASETS
from .forms import DictionaryForm, ExportForm
from .writers import CONTENT_TYPES, CSV, write_dictionary, write_export


def attachment(content: io.BytesIO, name: str, file_format: str) -> FileResponse:
    """A file written in memory, as a download never kept by shared caches (it is permission-checked)."""
    content.seek(0)
    response = FileResponse(content, as_attachment=True, filename=name, content_type=CONTENT_TYPES[file_format])
    response["Cache-Control"] = "private"
    return response


def export_file_response(export: ExportRequest) -> FileResponse:
    """A finished export's stored file; a request not done, or whose file is lost, is a 404."""
    if export.status != ExportRequest.Status.DONE:
        raise Http404
    return file_response(
        export.file, CONTENT_TYPES[export.file_format], filename=export.download_name, as_attachment=True
    )


class ProjectExportsView(View):
    """The datasets of a project the user may export, with their sizes, formats and languages.

    Open to whoever may read the project; each dataset only to those who see its records on the
    pages. Asking for a large export (POST) needs a signed-in user: the rows are theirs to see.
    """

    template_name = "reports/exports/export_list.html"

    def get(self, request, code: str):
        project = project_visible_to(request.user, code)
        return self.render(request, project, ExportForm())

    @limit_per_user("EXPORT_RATELIMIT")
    def post(self, request, code: str):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        project = project_visible_to(request.user, code)
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                services.export_request(actor=request.user, project=project, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("The export is being prepared. You can download it below when it is ready.")
                )
                return redirect("reports:project-exports", code=project.code)
        return self.render(request, project, form, status=400)

    def render(self, request, project, form: ExportForm, status: int = 200):
        context = {
            "project": project,
            "form": form,
            "datasets": selectors.project_datasets(request.user, project),
            "exports": selectors.project_exports(request.user, project),
            "formats": ExportRequest.FileFormat.choices,
        }
        return render(request, self.template_name, context, status=status)


class DatasetDownloadView(View):
    """A dataset written while the browser waits (at most ``EXPORT_INLINE_MAX_ROWS`` rows).

    A larger one sends the user back to the page, where a worker can prepare it.
    """

    @limit_per_user("EXPORT_RATELIMIT")
    def get(self, request, code: str):
        project = project_visible_to(request.user, code)
        form = ExportForm(request.GET)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose a dataset, a format and a language."))
        dataset, file_format, language = (form.cleaned_data[key] for key in ("dataset", "file_format", "language"))
        services.ensure_can_export(request.user, project, dataset)
        if not selectors.export_is_inline(rows=DATASETS[dataset].count(project, request.user)):
            messages.info(request, _("This dataset is large: ask for it below and a worker prepares the file."))
            return redirect("reports:project-exports", code=project.code)
        content = io.BytesIO()
        write_export(
            project=project,
            dataset_key=dataset,
            language=language,
            file_format=file_format,
            user=request.user,
            out=content,
        )
        return attachment(content, export_file_name(project, dataset, language, file_format), file_format)


class DictionaryDownloadView(View):
    """The data dictionary of a dataset as CSV: each column's meaning, unit and qualifier column."""

    def get(self, request, code: str):
        project = project_visible_to(request.user, code)
        form = DictionaryForm(request.GET)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose a dataset and a language."))
        dataset, language = form.cleaned_data["dataset"], form.cleaned_data["language"]
        services.ensure_can_export(request.user, project, dataset)
        content = io.BytesIO()
        write_dictionary(project=project, dataset_key=dataset, language=language, user=request.user, out=content)
        return attachment(content, export_file_name(project, dataset, language, CSV, dictionary=True), CSV)


class ExportStatusView(LoginRequiredMixin, View):
    """An export's progress, the content of the live region the Open data page polls until it is finished."""

    def get(self, request, pk: int):
        export = selectors.export_for_user(request.user, pk)
        status = HTMX_STOP_POLLING if request.htmx and export.is_finished else 200
        return render(request, "reports/exports/partials/_export_status.html", {"export": export}, status=status)


class ExportDownloadView(LoginRequiredMixin, View):
    """A finished export's file, for its requester (and platform staff); 404 for everyone else."""

    def get(self, request, pk: int):
        return export_file_response(selectors.export_for_user(request.user, pk))
