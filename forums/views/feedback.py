"""Participants' feedback: the public form behind a session's link or QR code, and the staff's page with
the figures, the links to hand out and the moderation of comments.

The public form needs no account. A long-lived random cookie stands for the device (the service keeps
only a keyed hash of it) so that one device answers once per session; that is easy to get around, so
POSTs are also rate-limited per client address and per session (limits in settings, counted in the cache).
"""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django_ratelimit.decorators import ratelimit

from projects.views import add_service_errors, project_for_action

from .. import selectors, services
from ..models import Feedback, ForumSession

__all__ = ["urlpatterns"]

DEVICE_COOKIE = "portal_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60  # two years: a participant's phone across a project's sessions
COMMENTS_PER_PAGE = 50


# --- The public form -------------------------------------------------------------------------------


class CommentField(forms.CharField):
    """A textarea's text with line breaks as browsers count them for ``maxlength`` (one character each)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


def _yes_no(value: str) -> bool:
    return value == "yes"


class FeedbackForm(forms.Form):
    """What a participant answers. Kept beside its views: only this public page uses it."""

    satisfaction = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with the session?"),
        choices=[
            (1, gettext_lazy("Very dissatisfied")),
            (2, gettext_lazy("Dissatisfied")),
            (3, gettext_lazy("Neither satisfied nor dissatisfied")),
            (4, gettext_lazy("Satisfied")),
            (5, gettext_lazy("Very satisfied")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how satisfied you are, from 1 to 5."),
            "invalid_choice": gettext_lazy("Choose a number from 1 to 5."),
        },
    )
    was_useful = forms.TypedChoiceField(
        label=gettext_lazy("Was the session useful to you?"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")), ("", gettext_lazy("I prefer not to say"))],
        coerce=_yes_no,
        empty_value=None,
        required=False,
        initial="",
        widget=forms.RadioSelect,
    )
    comment = CommentField(
        label=gettext_lazy("Anything else you want to tell the organisers?"),
        help_text=gettext_lazy(
            "Optional, up to 2000 characters. Please write no names or personal details: "
            "the organisers may publish comments on the project's page."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )


def _session_or_404(token: str) -> ForumSession:
    """The session behind a feedback link; unknown links and cancelled sessions are not found."""
    sessions = ForumSession.objects.select_related("project", "municipality").exclude(
        status=ForumSession.Status.CANCELLED
    )
    return get_object_or_404(sessions, feedback_token=token)


def _device_id(request) -> str:
    return request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(24)


def _remember_device(request, response, device_id: str):
    if request.COOKIES.get(DEVICE_COOKIE) != device_id:
        response.set_cookie(
            DEVICE_COOKIE,
            device_id,
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _setting(name: str):
    """A rate read from settings on each request, so that deployments (and tests) can change it."""
    return lambda group, request: getattr(settings, name)


def _link_token(group, request) -> str:
    return request.resolver_match.kwargs["token"]


limit_per_ip = ratelimit(
    group="forums.feedback.ip", key="ip", rate=_setting("FEEDBACK_RATELIMIT_PER_IP"), method="POST", block=False
)
limit_per_session = ratelimit(
    group="forums.feedback.session",
    key=_link_token,
    rate=_setting("FEEDBACK_RATELIMIT_PER_SESSION"),
    method="POST",
    block=False,
)


class FeedbackView(View):
    """The public feedback form of a held session (no account needed); planned sessions say when it opens."""

    template_name = "forums/feedback_form.html"

    def get(self, request, token):
        session = _session_or_404(token)
        device_id = _device_id(request)
        return _remember_device(request, self.render(request, session, FeedbackForm()), device_id)

    @method_decorator(limit_per_ip)
    @method_decorator(limit_per_session)
    def post(self, request, token):
        session = _session_or_404(token)
        form = FeedbackForm(request.POST)
        if request.limited:  # set by the two decorators above
            return self.render(request, session, form, status=429, limited=True)
        device_id = _device_id(request)
        if form.is_valid():
            try:
                services.feedback_submit(
                    session=session, device_id=device_id, language=get_language(), **form.cleaned_data
                )
            except services.DuplicateFeedback:
                # 409: the answer conflicts with the one this device already gave; the page still thanks them.
                response = render(
                    request, "forums/feedback_thanks.html", {"session": session, "already_answered": True}, status=409
                )
                return _remember_device(request, _private(response), device_id)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _remember_device(request, redirect("forums:feedback-thanks", token=token), device_id)
        return _remember_device(request, self.render(request, session, form, status=400), device_id)

    def render(self, request, session, form, *, status=200, limited=False):
        context = {
            "session": session,
            "form": form,
            "is_open": session.status == ForumSession.Status.HELD,
            "limited": limited,
        }
        return _private(render(request, self.template_name, context, status=status))


class FeedbackThanksView(View):
    """Where a participant lands after answering (a redirect, so reloading sends nothing twice)."""

    def get(self, request, token):
        session = _session_or_404(token)
        return _private(render(request, "forums/feedback_thanks.html", {"session": session}))


def _private(response):
    """Feedback links are handed out on paper, not published: keep their pages out of search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- The staff's page ------------------------------------------------------------------------------


def feedback_form_url(request, session: ForumSession) -> str:
    """The public form's absolute address in the session's own language, the language of its sign-in sheet."""
    with translation.override(session.language or None):
        return request.build_absolute_uri(reverse("forums:feedback", args=[session.feedback_token]))


def _feedback_link(request, session: ForumSession) -> str:
    """The link to hand out, empty for sessions not held (yet): their form takes no answers."""
    return feedback_form_url(request, session) if session.status == ForumSession.Status.HELD else ""


class FeedbackListView(LoginRequiredMixin, View):
    """A project's feedback: figures for the project and per session, the links, and every comment."""

    template_name = "forums/feedback_list.html"

    def get(self, request, code):
        project = project_for_action(request, code, "forums.read_feedback")
        rows = selectors.feedback_by_session(project)
        comments = Paginator(selectors.feedback_comments(project, approved_only=False), COMMENTS_PER_PAGE)
        return render(
            request,
            self.template_name,
            {
                "project": project,
                "figures": selectors.project_feedback(project),
                "rows": [(row, _feedback_link(request, row.session)) for row in rows],
                "page_obj": comments.get_page(request.GET.get("page")),
                "can_moderate": request.user.has_perm("forums.moderate_feedback", project),
            },
        )


class FeedbackModerateView(LoginRequiredMixin, View):
    """Approve a comment for public display or keep it internal; HTMX swaps the comment, plain POST redirects."""

    def post(self, request, code, pk):
        project = project_for_action(request, code, "forums.read_feedback")
        feedback = get_object_or_404(selectors.feedback_comments(project, approved_only=False), pk=pk)
        try:
            services.feedback_moderate(actor=request.user, feedback=feedback, decision=request.POST.get("decision", ""))
        except ValidationError as error:
            if request.htmx:
                # 200, because htmx swaps only successful responses: the comment shows the error in place.
                return render(
                    request,
                    "forums/partials/_feedback_comment.html",
                    {"project": project, "comment": feedback, "can_moderate": True, "errors": error.messages},
                )
            for message in error.messages:
                messages.error(request, message)
        else:
            if request.htmx:
                return render(
                    request,
                    "forums/partials/_feedback_comment.html",
                    {"project": project, "comment": feedback, "can_moderate": True, "just_moderated": True},
                )
            messages.success(request, _moderated_message(feedback))
        return redirect(f"{reverse('forums:feedback-list', args=[project.code])}#comment-{feedback.pk}")


def _moderated_message(feedback: Feedback) -> str:
    if feedback.moderation == Feedback.Moderation.APPROVED:
        return _("The comment was approved for public display.")
    return _("The comment is kept internal.")


urlpatterns = [
    path("feedback/<str:token>/", FeedbackView.as_view(), name="feedback"),
    path("feedback/<str:token>/thanks/", FeedbackThanksView.as_view(), name="feedback-thanks"),
    path("projects/<str:code>/feedback/", FeedbackListView.as_view(), name="feedback-list"),
    path("projects/<str:code>/feedback/<int:pk>/moderate/", FeedbackModerateView.as_view(), name="feedback-moderate"),
]
