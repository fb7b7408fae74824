"""The coordinator's pages of a call: create and edit it with its checklist and rubric, move it through
its phases, and screen its proposals against the checklist."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from projects.selectors import project_visible_to
from projects.views import add_service_errors

from .. import selectors, services
from ..forms.calls import CallForms, RubricFormSet, ScreeningForm
from ..models import Call, Proposal

__all__ = ["call_to_manage", "urlpatterns"]


def call_to_manage(request, pk: int) -> Call:
    """The call if the user may see it (else 404) and manage it (else 403)."""
    call = selectors.call_visible_to(request.user, pk)
    if not request.user.has_perm("grants.manage_call", call):
        raise PermissionDenied(_("You do not have permission to do this."))
    return call


def new_call_of(request, code: str) -> Call:
    """An unsaved draft of the project if the user may see it (else 404) and run its calls (else 403)."""
    call = Call(project=project_visible_to(request.user, code))
    if not request.user.has_perm("grants.manage_call", call):
        raise PermissionDenied(_("You do not have permission to do this."))
    return call


class CallFormView(LoginRequiredMixin, View):
    """Create or edit a call: texts per language, money, deadlines, selection rules, and (while a
    draft) its eligibility checklist and scoring rubric, saved together or not at all."""

    template_name = "grants/calls/call_form.html"

    def stored_call(self, request, code=None, pk=None) -> Call:
        return new_call_of(request, code) if pk is None else call_to_manage(request, pk)

    def get(self, request, code=None, pk=None):
        call = self.stored_call(request, code, pk)
        return self.render(request, call, CallForms(call))

    def post(self, request, code=None, pk=None):
        call = self.stored_call(request, code, pk)
        forms = CallForms(call, request.POST)
        if forms.is_valid():
            try:
                saved = self.save(request, call, forms)
            except ValidationError as error:
                add_service_errors(forms.form, error)
            else:
                messages.success(request, _("The call was saved."))
                self.warn_about_weights(request, forms)
                return redirect("grants:call", pk=saved.pk)
        return self.render(request, call, forms, status=400)

    @staticmethod
    def save(request, call: Call, forms: CallForms) -> Call:
        edited = forms.form.save(commit=False)
        if not call.pk:
            return services.call_start(
                actor=request.user, call=edited, eligibility=forms.checklist.criteria(), scoring=forms.rubric.criteria()
            )
        with transaction.atomic():  # the call and its lists are saved together, or nothing is
            saved = services.call_save(
                actor=request.user, call=edited, expected_version=forms.form.cleaned_data.get("version")
            )
            if forms.is_draft:
                services.call_criteria_save(
                    actor=request.user,
                    call=saved,
                    eligibility=forms.checklist.criteria(),
                    scoring=forms.rubric.criteria(),
                )
        return saved

    @staticmethod
    def warn_about_weights(request, forms: CallForms) -> None:
        """Saving an unfinished rubric is fine; opening the call with it is not, so say so now."""
        if not forms.is_draft:
            return
        weight_sum = selectors.rubric_weight_sum(forms.rubric.weights())
        if weight_sum != 100:
            messages.warning(
                request,
                _("The rubric's weights add up to %(sum)s; they must add up to 100 before the call opens.")
                % {"sum": weight_sum},
            )

    def render(self, request, call: Call, forms: CallForms, status: int = 200):
        context = {
            "project": call.project,
            "call": call,
            "forms": forms,
            "form": forms.form,
            "weight_sum": selectors.rubric_weight_sum(forms.rubric.weights()) if forms.is_draft else None,
            "deadline": services.deadline_text(call) if call.pk else None,
        }
        return render(request, self.template_name, context, status=status)


class RubricCheckView(LoginRequiredMixin, View):
    """The rubric's weight sum beside its rows (HTMX), as the coordinator types; the save checks again."""

    def post(self, request, code):
        new_call_of(request, code)
        rubric = RubricFormSet(request.POST)
        rubric.is_valid()
        weight_sum = selectors.rubric_weight_sum(rubric.weights())
        return render(request, "grants/calls/_rubric_sum.html", {"weight_sum": weight_sum})


class CallView(LoginRequiredMixin, View):
    """A call's management page: phase, deadline, funnel, the moves its phase allows, its proposals."""

    def get(self, request, pk):
        call = call_to_manage(request, pk)
        rubric = list(call.scoring_criteria.all())
        return render(
            request,
            "grants/calls/call_detail.html",
            {
                "project": call.project,
                "call": call,
                "deadline": services.deadline_text(call),
                "figures": selectors.calls_figures(Call.objects.filter(pk=call.pk))[0],
                "proposals": selectors.call_proposals(request.user, call),
                "screenable": services.SCREENABLE,
                "checklist": call.eligibility_criteria.all(),
                "rubric": rubric,
                "weight_sum": selectors.rubric_weight_sum(criterion.weight for criterion in rubric),
                "steps": [(step, STEPS[step].label) for step in PHASE_STEPS.get(call.phase, ())],
            },
        )


class Step(NamedTuple):
    """A workflow move offered as a button on the call's page; the service decides whether it may happen."""

    service: Callable[..., Call]
    label: str
    done: str


# Keyed by the name of each move's URL.
STEPS = {
    "call-open": Step(services.call_open, gettext_lazy("Open the call"), gettext_lazy("The call is open.")),
    "call-close": Step(services.call_close, gettext_lazy("Close the call"), gettext_lazy("The call is closed.")),
    "review-start": Step(
        services.review_start, gettext_lazy("Start the review"), gettext_lazy("The eligible proposals are in review.")
    ),
}
PHASE_STEPS = {Call.Phase.DRAFT: ["call-open"], Call.Phase.OPEN: ["call-close"], Call.Phase.CLOSED: ["review-start"]}


class CallStepView(LoginRequiredMixin, View):
    """Open, close or start the review of a call (POST only); a refused move says why."""

    def post(self, request, pk, step):
        call = call_to_manage(request, pk)
        try:
            STEPS[step].service(actor=request.user, call=call)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, STEPS[step].done)
        return redirect("grants:call", pk=call.pk)


class ProposalScreenView(LoginRequiredMixin, View):
    """Screen a submitted proposal against the call's checklist, beside its content and budget."""

    template_name = "grants/calls/screen.html"

    def proposal(self, request, pk) -> Proposal:
        proposal = selectors.proposal_for_page(request.user, pk)
        if not request.user.has_perm("grants.screen_proposal", proposal):
            raise PermissionDenied(_("You do not have permission to do this."))
        return proposal

    def form(self, proposal: Proposal, data=None) -> ScreeningForm:
        return ScreeningForm(data, checklist=selectors.screening_of(proposal), version=proposal.version)

    def get(self, request, pk):
        proposal = self.proposal(request, pk)
        return self.render(request, proposal, self.form(proposal))

    def post(self, request, pk):
        proposal = self.proposal(request, pk)
        form = self.form(proposal, request.POST)
        if form.is_valid():
            try:
                screened = services.proposal_screen(
                    actor=request.user,
                    proposal=proposal,
                    answers=form.answers(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The screening was saved. Status: %(status)s.") % {"status": screened.get_status_display()},
                )
                return redirect("grants:call", pk=proposal.call_id)
        return self.render(request, proposal, form, status=400)

    def render(self, request, proposal: Proposal, form: ScreeningForm, status: int = 200):
        budget = selectors.proposal_budget(proposal)
        context = {
            "project": proposal.call.project,
            "proposal": proposal,
            "budget": budget,
            "share": services.cofinancing_share(proposal),
            "form": form,
            "can_screen": proposal.status in services.SCREENABLE,
        }
        return render(request, self.template_name, context, status=status)


urlpatterns = [
    path("projects/<str:code>/calls/new/", CallFormView.as_view(), name="call-create"),
    path("projects/<str:code>/calls/rubric-check/", RubricCheckView.as_view(), name="rubric-check"),
    path("calls/<int:pk>/", CallView.as_view(), name="call"),
    path("calls/<int:pk>/edit/", CallFormView.as_view(), name="call-edit"),
    path("calls/<int:pk>/open/", CallStepView.as_view(), {"step": "call-open"}, name="call-open"),
    path("calls/<int:pk>/close/", CallStepView.as_view(), {"step": "call-close"}, name="call-close"),
    path("calls/<int:pk>/start-review/", CallStepView.as_view(), {"step": "review-start"}, name="review-start"),
    path("proposals/<int:pk>/screen/", ProposalScreenView.as_view(), name="proposal-screen"),
]
