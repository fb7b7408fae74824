"""Municipal staff's pages: session lists and calendar, logging and editing a session, its page."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from projects.selectors import project_visible_to
from projects.views import add_service_errors

from .. import selectors, services
from ..filters import SessionFilter
from ..forms import AttendanceForm, ParticipantForm, SessionForm
from ..models import Attachment, Attendance, ForumSession

__all__ = ["urlpatterns"]


def _sessions_page(request, project=None) -> SessionFilter:
    sessions = selectors.sessions_for_list(request.user, project=project)
    served = selectors.served_municipality_ids(request.user)
    return SessionFilter(request.GET or None, queryset=sessions, request=request, served=served)


class SessionListView(View):
    """A project's sessions, or (without a project) every session of the user's projects."""

    template_name = "forums/session_list.html"

    def get(self, request, code=None):
        project = project_visible_to(request.user, code) if code else None
        if project is None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        session_filter = _sessions_page(request, project)
        page = Paginator(session_filter.qs, 50).get_page(request.GET.get("page"))
        return render(
            request,
            self.template_name,
            {
                "project": project,
                "filter": session_filter,
                "page_obj": page,
                "can_log": project is not None and request.user.has_perm("forums.add_session", project),
            },
        )


class SessionCalendarView(View):
    """The same sessions as a month calendar (Monday first)."""

    template_name = "forums/session_calendar.html"

    def get(self, request, code=None):
        project = project_visible_to(request.user, code) if code else None
        if project is None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        month = _month(request.GET.get("month"))
        session_filter = _sessions_page(request, project)
        sessions = session_filter.qs.filter(date__year=month.year, date__month=month.month)
        previous_month = (month - datetime.timedelta(days=1)).replace(day=1)
        next_month = (month + datetime.timedelta(days=32)).replace(day=1)
        return render(
            request,
            self.template_name,
            {
                "project": project,
                "filter": session_filter,
                "month": month,
                "weeks": selectors.month_grid(month.year, month.month, list(sessions)),
                "previous_month": previous_month,
                "next_month": next_month,
                "undated": session_filter.qs.filter(date__isnull=True).count(),
            },
        )


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def session_to_change(request, code: str, pk: int) -> ForumSession:
    """The session if the user may see it (else 404) and change it (else 403), checked before any form is read."""
    session = selectors.session_for_page(request.user, code, pk)
    if not request.user.has_perm("forums.change_session", session):
        raise PermissionDenied(_("You may only edit sessions in the municipalities you serve."))
    return session


class SessionFormView(LoginRequiredMixin, View):
    """Log a new session or edit one: session, attendance grid and sign-in sheet on one screen."""

    template_name = "forums/session_form.html"

    def setup_objects(self, request, code, pk=None):
        project = project_visible_to(request.user, code)
        if pk is None:
            if not request.user.has_perm("forums.add_session", project):
                raise PermissionDenied(_("You do not have permission to do this."))
            return project, ForumSession(project=project), Attendance()
        session = session_to_change(request, code, pk)
        return project, session, selectors.attendance_of(session) or Attendance()

    def forms(self, request, project, session, attendance, data=None, files=None):
        return (
            SessionForm(data, files, instance=session, project=project, user=request.user),
            AttendanceForm(data, instance=attendance, project=project),
        )

    def get(self, request, code, pk=None):
        project, session, attendance = self.setup_objects(request, code, pk)
        session_form, attendance_form = self.forms(request, project, session, attendance)
        if pk is None and request.GET.get("kind"):
            session_form.initial["kind"] = request.GET["kind"]
        return self.render(request, project, session, session_form, attendance_form)

    def post(self, request, code, pk=None):
        project, session, attendance = self.setup_objects(request, code, pk)
        session_form, attendance_form = self.forms(request, project, session, attendance, request.POST, request.FILES)
        if session_form.is_valid() and attendance_form.is_valid():
            upload = session_form.cleaned_data.get("sign_in_sheet")
            try:
                saved = services.forum_session_save(
                    actor=request.user,
                    session=session_form.session(),
                    attendance=None if attendance_form.is_empty() and not attendance.pk else attendance_form.instance,
                    group_counts=attendance_form.group_counts(),
                    residence_counts=attendance_form.residence_counts(),
                    attachments=[(Attachment.Kind.SIGN_IN_SHEET, upload)] if upload else [],
                    expected_version=session_form.cleaned_data.get("version"),
                )
            except ValidationError as error:
                add_service_errors(session_form, error)
            else:
                messages.success(request, _("The session was saved."))
                return redirect(saved)
        return self.render(request, project, session, session_form, attendance_form, status=400)

    def render(self, request, project, session, session_form, attendance_form, status=200):
        context = {
            "project": project,
            "session": session if session.pk else None,
            "form": session_form,
            "attendance_form": attendance_form,
        }
        return render(request, self.template_name, context, status=status)


class AttendanceCheckView(LoginRequiredMixin, View):
    """The live check beside the grid (HTMX): which parts exceed the total, before anything is saved."""

    def post(self, request, code):
        project = project_visible_to(request.user, code)
        form = AttendanceForm(request.POST, project=project)
        form.is_valid()
        return render(request, "forums/partials/_attendance_check.html", {"problems": form.problems()})


def selections_at(session: ForumSession) -> list[tuple]:
    """The grant selections decided at the session, each with the session's tally for its call (two queries).

    Read through the relations the grants app gives sessions (``selections``, ``tallies``), so forums
    imports nothing from grants.
    """
    tallies = list(session.tallies.select_related("proposal").order_by("-votes", "proposal__title", "pk"))
    return [
        (selection, [tally for tally in tallies if tally.proposal.call_id == selection.call_id])
        for selection in session.selections.select_related("call__project").order_by("decided_at", "pk")
    ]


class SessionDetailView(View):
    """A session with its attendance, files, the grant selections decided at it and the history of its
    changes (who, when, what)."""

    template_name = "forums/session_detail.html"

    def get(self, request, code, pk):
        session = selectors.session_for_page(request.user, code, pk)
        can_change = request.user.has_perm("forums.change_session", session)
        attendance = selectors.attendance_of(session)
        exact = request.user.has_perm("forums.view_small_groups", session.project)
        breakdowns = selectors.session_breakdowns(attendance, exact_small_groups=exact) if attendance else None
        return render(
            request,
            self.template_name,
            {
                "project": session.project,
                "session": session,
                "attendance": attendance,
                "breakdowns": breakdowns,
                "selections": selections_at(session),
                "can_change": can_change,
                "history": selectors.session_history(session) if can_change else [],
                "participants": list(session.participants.select_related("municipality"))
                if request.user.has_perm("forums.view_named_participants", session)
                else None,
                "participant_form": ParticipantForm(project=session.project) if can_change else None,
            },
        )


class AttachmentAddView(LoginRequiredMixin, View):
    def post(self, request, code, pk):
        session = session_to_change(request, code, pk)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file to upload."))
            return redirect(session)
        try:
            services.attachment_add(
                actor=request.user, session=session, kind=request.POST.get("kind", Attachment.Kind.OTHER), upload=upload
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The file was added."))
        return redirect(session)


class ParticipantAddView(LoginRequiredMixin, View):
    """Add a named participant to a session's list (with consent) from the session page."""

    def post(self, request, code, pk):
        session = session_to_change(request, code, pk)
        form = ParticipantForm(request.POST, project=session.project)
        if form.is_valid():
            try:
                services.participant_add(actor=request.user, session=session, **form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The participant was added to the list."))
        else:
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, message)
        return redirect(session)


urlpatterns = [
    path("sessions/", SessionListView.as_view(), name="my-sessions"),
    path("sessions/calendar/", SessionCalendarView.as_view(), name="my-calendar"),
    path("projects/<str:code>/sessions/", SessionListView.as_view(), name="project-sessions"),
    path("projects/<str:code>/sessions/calendar/", SessionCalendarView.as_view(), name="project-calendar"),
    path("projects/<str:code>/sessions/new/", SessionFormView.as_view(), name="session-log"),
    path("projects/<str:code>/sessions/attendance-check/", AttendanceCheckView.as_view(), name="attendance-check"),
    path("projects/<str:code>/sessions/<int:pk>/", SessionDetailView.as_view(), name="session"),
    path("projects/<str:code>/sessions/<int:pk>/edit/", SessionFormView.as_view(), name="session-edit"),
    path("projects/<str:code>/sessions/<int:pk>/files/", AttachmentAddView.as_view(), name="attachment-add"),
    path("projects/<str:code>/sessions/<int:pk>/participants/", ParticipantAddView.as_view(), name="participant-add"),
]
