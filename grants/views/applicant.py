"""The NGO coordinator's pages: the application form step by step (with the budget totalling as it is
typed), submitting and withdrawing, attachments, the grants the organisation holds and its reports.

Every step saves the draft through ``services.proposal_save_draft``, so the applicant can leave and
come back; figures come from the selectors and problems from the services, on what was typed.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from forums.uploads import stored_file_response
from projects.views import add_service_errors

from .. import selectors, services
from ..forms.applicant import (
    AboutForm,
    AttachmentForm,
    BudgetForm,
    BudgetRow,
    MonitoringReportForm,
    WithdrawForm,
    budget_line_formset,
)
from ..models import Call, Proposal

__all__ = ["urlpatterns"]


@dataclass(frozen=True)
class Step:
    slug: str
    label: Promise


STEPS = [
    Step("about", gettext_lazy("The project")),
    Step("budget", gettext_lazy("Budget")),
    Step("attachments", gettext_lazy("Attachments")),
    Step("submit", gettext_lazy("Review and submit")),
]


def step_url(proposal: Proposal, slug: str) -> str:
    return reverse("grants:proposal-edit", kwargs={"pk": proposal.pk, "step": slug})


def application_context(call: Call, current: str, proposal: Proposal | None = None) -> dict:
    """What every step's page shows around its form: the call, its deadline and the steps."""
    return {
        "call": call,
        "project": call.project,
        "proposal": proposal,
        "deadline": services.deadline_text(call),
        "steps": STEPS,
        "current": current,
    }


def _saved(request, proposal: Proposal, step: str, message: str):
    """After a step is saved: the next step ("Save and continue") or the same one ("Save draft")."""
    messages.success(request, message)
    if "continue" in request.POST:
        slugs = [s.slug for s in STEPS]
        step = slugs[min(slugs.index(step) + 1, len(slugs) - 1)]
    return redirect(step_url(proposal, step))


class ApplyView(LoginRequiredMixin, View):
    """Step 1 for a call: who applies and what for. Starts the draft, then goes on to the budget."""

    template_name = "grants/applicant/step_about.html"

    def call(self, request, pk) -> Call:
        call = selectors.call_visible_to(request.user, pk)
        if not request.user.has_perm("grants.apply_to_call", call):
            raise PermissionDenied(_("Only the NGO coordinators of this project can apply to its calls."))
        return call

    def get(self, request, pk):
        call = self.call(request, pk)
        return self.render(request, call, AboutForm(call=call, user=request.user))

    def post(self, request, pk):
        call = self.call(request, pk)
        form = AboutForm(request.POST, instance=Proposal(call=call), call=call, user=request.user)
        if form.is_valid():
            try:
                proposal = services.proposal_start(actor=request.user, proposal=form.instance)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _saved(request, proposal, "about", _("Your draft was saved."))
        return self.render(request, call, form, status=400)

    def render(self, request, call, form, status=200):
        context = {**application_context(call, "about"), "form": form}
        return render(request, self.template_name, context, status=status)


class ApplicantDraftMixin:
    """Loads the proposal (404 unless the user may read it) for its applicant while it is a draft; the
    applicant of a proposal already sent is taken to its page, anyone else who may read it gets 403."""

    def dispatch(self, request, *args, **kwargs):
        proposal = selectors.proposal_for_page(request.user, kwargs["pk"])
        if not request.user.has_perm("grants.edit_proposal", proposal):
            if request.user.has_perm("grants.withdraw_proposal", proposal):  # the applicant, as in the services
                messages.error(request, _("This proposal is no longer a draft, so it cannot be changed."))
                return redirect("grants:proposal", pk=proposal.pk)
            raise PermissionDenied(_("Only the applicant can change this proposal."))
        self.proposal = proposal
        return super().dispatch(request, *args, **kwargs)


class StepView(LoginRequiredMixin, ApplicantDraftMixin, View):
    """One step of a draft's application form."""

    step: str

    def render(self, request, status=200, **context):
        context = {**application_context(self.proposal.call, self.step, self.proposal), **context}
        return render(request, f"grants/applicant/step_{self.step}.html", context, status=status)


class AboutStepView(StepView):
    """The first step again, on the draft: who applies, what for, where, how long."""

    step = "about"

    def get(self, request, pk):
        return self.render(request, form=AboutForm(instance=self.proposal, call=self.proposal.call, user=request.user))

    def post(self, request, pk):
        proposal = self.proposal
        # The form writes the input onto the instance it edits; the page keeps the stored proposal.
        form = AboutForm(request.POST, instance=copy.copy(proposal), call=proposal.call, user=request.user)
        if form.is_valid():
            try:
                services.proposal_save_draft(
                    actor=request.user, proposal=form.instance, expected_version=form.cleaned_data["version"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _saved(request, proposal, self.step, _("Your draft was saved."))
        return self.render(request, status=400, form=form)


def budget_figures(proposal: Proposal, rows: list[BudgetRow], input_errors: Sequence[str] = ()) -> dict:
    """The budget table's totals and what breaks the call's rules, for ``proposal``'s amounts and
    ``rows`` as they stand (stored or just typed: nothing is saved here)."""
    lines = [row.line for row in rows if row.is_counted]
    return {
        "rows": rows,
        "budget": selectors.proposal_budget(proposal, lines),
        "share": services.cofinancing_share(proposal),
        "problems": [*input_errors, *services.budget_problems(proposal, lines)],
        "currency": proposal.call.currency,
    }


def typed_budget_figures(form: BudgetForm, formset) -> dict:
    """The figures of the budget as typed; amounts that cannot be read yet are named, not counted."""
    form.is_valid()
    formset.is_valid()
    input_errors = [
        f"{form.fields[name].label}: {message}" if name in form.fields else message
        for name, field_errors in form.errors.items()
        for message in field_errors
        if name != "version"
    ]
    return budget_figures(form.instance, formset.rows(), [*input_errors, *formset.non_form_errors()])


class BudgetStepView(StepView):
    """The amounts and the budget table. "Add a line" and "Recalculate" redisplay what was typed with
    its totals (the way without JavaScript); the two save buttons store it."""

    step = "budget"

    def get(self, request, pk):
        proposal = self.proposal
        rows = [BudgetRow(number, line, True, []) for number, line in enumerate(proposal.budget_lines.all(), 1)]
        return self.render(
            request,
            form=BudgetForm(instance=proposal),
            formset=budget_line_formset(proposal),
            **budget_figures(proposal, rows),
        )

    def post(self, request, pk):
        proposal = self.proposal
        adding = "add_line" in request.POST
        form = BudgetForm(request.POST, instance=copy.copy(proposal))
        formset = budget_line_formset(proposal, request.POST, add_row=adding)
        checking_only = adding or "recalculate" in request.POST
        if form.is_valid() & formset.is_valid() and not checking_only:
            try:
                services.proposal_save_draft(
                    actor=request.user,
                    proposal=form.instance,
                    budget_lines=formset.lines(),
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _saved(request, proposal, self.step, _("Your draft was saved."))
        figures = typed_budget_figures(form, formset)
        return self.render(request, status=200 if checking_only else 400, form=form, formset=formset, **figures)


class BudgetTotalsView(LoginRequiredMixin, ApplicantDraftMixin, View):
    """The budget step's totals block for what is typed, sent by htmx while the applicant types."""

    def post(self, request, pk):
        form = BudgetForm(request.POST, instance=copy.copy(self.proposal))
        formset = budget_line_formset(self.proposal, request.POST)
        return render(request, "grants/applicant/partials/_budget_totals.html", typed_budget_figures(form, formset))


class AttachmentsStepView(StepView):
    """The documents sent with the proposal: one upload at a time, each removable while a draft."""

    step = "attachments"

    def get(self, request, pk):
        return self.render(request, form=AttachmentForm())

    def post(self, request, pk):
        proposal = self.proposal
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload is None:  # nothing new to keep: the draft was saved with each step
                return _saved(request, proposal, self.step, _("Your draft was saved."))
            try:
                services.proposal_attachment_add(
                    actor=request.user, proposal=proposal, upload=upload, description=form.cleaned_data["description"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _saved(request, proposal, self.step, _("The file was added."))
        return self.render(request, status=400, form=form)


class SubmitStepView(StepView):
    """Everything in review, with what still stops the submission, and the Submit button."""

    step = "submit"

    def get(self, request, pk):
        return self.render(request, **submit_review(self.proposal))


def submit_review(proposal: Proposal, errors: Sequence[str] = ()) -> dict:
    """Everything the submit step shows: the budget, its problems (after the service's refusal, if any)
    and the deadline in the call's own time zone."""
    budget = selectors.proposal_budget(proposal)
    problems = services.budget_problems(proposal, budget.lines)
    return {
        "budget": budget,
        "share": services.cofinancing_share(proposal),
        "problems": [*errors, *(problem for problem in problems if problem not in errors)],
        "deadline": services.deadline_text(proposal.call),
    }


STEP_VIEWS = {
    view.step: view.as_view() for view in (AboutStepView, BudgetStepView, AttachmentsStepView, SubmitStepView)
}


def proposal_edit(request, pk: int, step: str):
    """One address for the steps, ``proposals/<pk>/edit/<step>/``; each step is its own view."""
    try:
        view = STEP_VIEWS[step]
    except KeyError:
        raise Http404 from None
    return view(request, pk=pk)


class SubmitView(LoginRequiredMixin, View):
    """Send the draft to the call. A second click finds it submitted and changes nothing."""

    def post(self, request, pk):
        proposal = selectors.proposal_for_page(request.user, pk)
        try:
            services.proposal_submit(actor=request.user, proposal=proposal)
        except ValidationError as error:
            if proposal.status != Proposal.Status.DRAFT:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("grants:proposal", pk=proposal.pk)
            context = {
                **application_context(proposal.call, "submit", proposal),
                **submit_review(proposal, error.messages),
            }
            return render(request, "grants/applicant/step_submit.html", context, status=400)
        messages.success(request, _("Your proposal was submitted. The call's coordinators have been told."))
        return redirect("grants:proposal", pk=proposal.pk)


class WithdrawView(LoginRequiredMixin, View):
    """Withdraw a proposal before any decision, once the applicant ticked the confirmation."""

    def post(self, request, pk):
        proposal = selectors.proposal_for_page(request.user, pk)
        if not request.user.has_perm("grants.withdraw_proposal", proposal):
            raise PermissionDenied(_("Only the applicant can withdraw this proposal."))
        if not WithdrawForm(request.POST).is_valid():
            messages.error(request, _("Tick the box to confirm that you want to withdraw the proposal."))
            return redirect("grants:proposal", pk=proposal.pk)
        try:
            services.proposal_withdraw(actor=request.user, proposal=proposal)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The proposal was withdrawn."))
        return redirect("grants:proposal", pk=proposal.pk)


class AttachmentDownloadView(LoginRequiredMixin, View):
    """A proposal's attachment, for whoever may read the proposal, as a download of its checked type."""

    def get(self, request, pk, attachment_pk):
        proposal = selectors.proposal_for_page(request.user, pk)
        attachment = next((a for a in proposal.attachments.all() if a.pk == attachment_pk), None)
        if attachment is None:
            raise Http404
        return stored_file_response(attachment, as_attachment=True)


class AttachmentRemoveView(LoginRequiredMixin, ApplicantDraftMixin, View):
    """Remove a document from the draft, back on the attachments step."""

    def post(self, request, pk, attachment_pk):
        proposal = self.proposal
        attachment = next((a for a in proposal.attachments.all() if a.pk == attachment_pk), None)
        if attachment is not None:  # else removed already: a second click changes nothing
            try:
                services.proposal_attachment_remove(actor=request.user, attachment=attachment)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect(step_url(proposal, "attachments"))
        messages.success(request, _("The file was removed."))
        return redirect(step_url(proposal, "attachments"))


class MyGrantsView(LoginRequiredMixin, View):
    """The grants of the organisations the user acts for: money, tranches, reports and what is due."""

    def get(self, request):
        return render(request, "grants/applicant/my_grants.html", {"rows": selectors.awards_for_grantee(request.user)})


class AwardReportView(LoginRequiredMixin, View):
    """The grantee's monitoring report: progress, spending per budget line, photos, final or not."""

    template_name = "grants/applicant/report_form.html"

    def award(self, request, pk):
        award = selectors.award_for_page(request.user, pk)
        if not request.user.has_perm("grants.report_on_award", award):
            raise PermissionDenied(_("Only the grantee reports on a grant."))
        return award

    def get(self, request, pk):
        award = self.award(request, pk)
        return self.render(request, award, MonitoringReportForm(lines=list(award.proposal.budget_lines.all())))

    def post(self, request, pk):
        award = self.award(request, pk)
        form = MonitoringReportForm(request.POST, request.FILES, lines=list(award.proposal.budget_lines.all()))
        if form.is_valid():
            try:
                services.monitoring_report_submit(
                    actor=request.user,
                    award=award,
                    progress=form.cleaned_data["progress"],
                    spending=form.spending(),
                    photos=form.cleaned_data["photos"],
                    is_final=form.cleaned_data["is_final"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your report was sent to the coordinator."))
                return redirect("grants:my-grants")
        return self.render(request, award, form, status=400)

    def render(self, request, award, form, status=200):
        context = {"award": award, "project": award.proposal.call.project, "form": form}
        return render(request, self.template_name, context, status=status)


urlpatterns = [
    path("calls/<int:pk>/apply/", ApplyView.as_view(), name="apply"),
    path("proposals/<int:pk>/edit/<slug:step>/", proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/budget/totals/", BudgetTotalsView.as_view(), name="proposal-budget-totals"),
    path("proposals/<int:pk>/submit/", SubmitView.as_view(), name="proposal-submit"),
    path("proposals/<int:pk>/withdraw/", WithdrawView.as_view(), name="proposal-withdraw"),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/",
        AttachmentDownloadView.as_view(),
        name="proposal-attachment",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/remove/",
        AttachmentRemoveView.as_view(),
        name="proposal-attachment-remove",
    ),
    path("grants/mine/", MyGrantsView.as_view(), name="my-grants"),
    path("awards/<int:pk>/reports/new/", AwardReportView.as_view(), name="award-report"),
]
