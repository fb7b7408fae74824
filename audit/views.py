"""The History page of a project: who changed what, when, before and after."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views import View

from projects.views import project_for_action

from . import selectors


class ProjectHistoryView(View):
    """Every change to a project's records, newest first, filtered by kind of record (coordinators, staff)."""

    template_name = "audit/project_history.html"
    paginate_by = 50

    def get(self, request, code):
        project = project_for_action(request, code, "audit.view_history")
        kind = request.GET.get("kind") or None
        page = Paginator(selectors.project_history(project, kind=kind), self.paginate_by).get_page(
            request.GET.get("page")
        )
        context = {
            "project": project,
            "page_obj": page,
            "entries": selectors.history_entries(project, list(page)),
            "kinds": selectors.history_kinds(),
            "kind": kind,
        }
        return render(request, self.template_name, context)
