"""Project pages: list, detail, create/edit, and one formset page per editable section."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from . import selectors, services
from .filters import ProjectFilter
from .forms import SECTIONS, OrganisationForm, ProjectForm
from .models import Project


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form, on its fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def project_for_action(request, code: str, permission: str) -> Project:
    """The project if the user may see it (else 404) and act on it (else 403)."""
    project = selectors.project_visible_to(request.user, code)
    if not request.user.has_perm(permission, project):
        raise PermissionDenied(_("You do not have permission to do this."))
    return project


class ProjectListView(FilterView):
    filterset_class = ProjectFilter
    template_name = "projects/project_list.html"
    paginate_by = 20

    def get_queryset(self):
        return selectors.project_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add_project"] = self.request.user.has_perm("projects.add_project")
        return context


class ProjectDetailView(TemplateView):
    template_name = "projects/project_detail.html"

    def get_context_data(self, **kwargs):
        project = selectors.project_for_page(self.request.user, kwargs["code"])
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "project": project,
            "figures": selectors.project_figures(project),
            "can_edit": user.has_perm("projects.change_project", project),
            "can_manage_partners": user.has_perm("projects.manage_partners", project),
            "can_manage_funding": user.has_perm("projects.manage_funding", project),
            "sections": SECTIONS,
        }


class ProjectCreateView(LoginRequiredMixin, View):
    template_name = "projects/project_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("projects.add_project"):
            raise PermissionDenied(_("You do not have permission to do this."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": ProjectForm()})

    def post(self, request):
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                project = services.project_create(
                    actor=request.user,
                    project=form.save(commit=False),
                    countries=form.cleaned_data["countries"],
                    target_municipalities=form.cleaned_data["target_municipalities"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The project was created."))
                return redirect(project)
        return render(request, self.template_name, {"form": form}, status=400)


class ProjectUpdateView(LoginRequiredMixin, View):
    template_name = "projects/project_form.html"

    def get(self, request, code):
        project = project_for_action(request, code, "projects.change_project")
        return render(request, self.template_name, {"form": ProjectForm(instance=project), "project": project})

    def post(self, request, code):
        project = project_for_action(request, code, "projects.change_project")
        # The form writes its input onto the instance it edits; the page keeps the stored project.
        form = ProjectForm(request.POST, instance=copy.copy(project))
        if form.is_valid():
            try:
                services.project_update(
                    actor=request.user,
                    project=form.save(commit=False),
                    expected_version=form.cleaned_data["version"],
                    countries=form.cleaned_data["countries"],
                    target_municipalities=form.cleaned_data["target_municipalities"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The project was saved."))
                return redirect(project)
        return render(request, self.template_name, {"form": form, "project": project}, status=400)


class ProjectSectionView(LoginRequiredMixin, View):
    """Edit one list of a project's rows (partners, funding, objectives, …) as a formset."""

    template_name = "projects/project_section.html"

    def section(self, slug: str):
        try:
            return SECTIONS[slug]
        except KeyError:
            raise Http404 from None

    def get(self, request, code, section):
        section = self.section(section)
        project = project_for_action(request, code, services.PART_PERMISSIONS[section.model])
        return self.render(request, project, section, section.formset(project))

    def post(self, request, code, section):
        section = self.section(section)
        project = project_for_action(request, code, services.PART_PERMISSIONS[section.model])
        formset = section.formset(project, request.POST)
        if formset.is_valid():
            try:
                with transaction.atomic():
                    saved = formset.save(commit=False)
                    services.project_parts_update(
                        actor=request.user,
                        project=project,
                        saved=saved,
                        deleted=formset.deleted_objects,
                        expected_version=_int_or_none(request.POST.get("version")),
                    )
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect(project)
        return self.render(request, project, section, formset, status=400)

    def render(self, request, project, section, formset, status=200):
        context = {"project": project, "section": section, "formset": formset}
        return render(request, self.template_name, context, status=status)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class OrganisationCreateView(LoginRequiredMixin, View):
    template_name = "projects/organisation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("projects.add_organisation"):
            raise PermissionDenied(_("You do not have permission to do this."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": OrganisationForm()})

    def post(self, request):
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                services.organisation_create(actor=request.user, organisation=form.save(commit=False))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The organisation was registered."))
                next_url = request.GET.get("next", "")
                if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                    return redirect(next_url)
                return redirect("projects:list")
        return render(request, self.template_name, {"form": form}, status=400)
