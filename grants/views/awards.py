"""The coordinator's award pages: the grant agreement of a selected proposal, an award with its tranches
and monitoring reports (and the coordinator's actions on them), a project's awards, and report photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from forums.uploads import stored_file_response
from projects.views import add_service_errors, project_for_action

from .. import selectors, services
from ..forms.awards import (
    AwardForm,
    NewTrancheForm,
    PaymentForm,
    ReportReviewForm,
    TrancheFormSet,
    planned_tranches,
)
from ..models import Award, MonitoringReport

__all__ = ["urlpatterns"]


def denied() -> PermissionDenied:
    return PermissionDenied(_("You do not have permission to do this."))


class AwardCreateView(LoginRequiredMixin, View):
    """The grant agreement of a selected proposal, with its planned tranches (the call's coordinators).

    A proposal awarded already leads to its award: a second click on "Award" changes nothing.
    """

    template_name = "grants/awards/award_form.html"

    def managed_proposal(self, request, pk: int):
        proposal = selectors.proposal_for_page(request.user, pk)
        if not request.user.has_perm("grants.manage_call", proposal.call):
            raise denied()
        return proposal

    def get(self, request, pk):
        proposal = self.managed_proposal(request, pk)
        award = selectors.award_of(proposal)
        if award is not None:
            return redirect("grants:award", pk=award.pk)
        return self.render_form(request, proposal, AwardForm(proposal=proposal), TrancheFormSet(prefix="tranches"))

    def post(self, request, pk):
        proposal = self.managed_proposal(request, pk)
        award = selectors.award_of(proposal)
        if award is not None:
            messages.info(request, _("This proposal has already been awarded; nothing was changed."))
            return redirect("grants:award", pk=award.pk)
        form = AwardForm(request.POST, proposal=proposal)
        formset = TrancheFormSet(request.POST, prefix="tranches")
        if form.is_valid() and formset.is_valid():
            try:
                award = services.award_create(
                    actor=request.user, proposal=proposal, tranches=planned_tranches(formset), **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The grant was awarded."))
                return redirect("grants:award", pk=award.pk)
        return self.render_form(request, proposal, form, formset, status=400)

    def render_form(self, request, proposal, form, formset, status=200):
        context = {"project": proposal.call.project, "proposal": proposal, "form": form, "formset": formset}
        return render(request, self.template_name, context, status=status)


class AwardPage(LoginRequiredMixin, View):
    """An award: the agreement, its tranches planned and paid, and the monitoring reports with their
    spending per budget line and photos. The grantee, the project's coordinators and staff read it
    (``grants.view_award``; 404 for everyone else); coordinators and staff act on it."""

    template_name = "grants/awards/award_detail.html"

    def render_page(self, request, award: Award, *, tranche_form=None, refused=None, status=200):
        """The page; ``refused`` is the (tranche or report, bound form) whose POST was refused, shown with
        its errors and the user's input."""
        can_manage = request.user.has_perm("grants.manage_award", award)
        refused_on, refused_form = refused or (None, None)
        tranches = list(award.tranches.all())
        payments = []
        for tranche in tranches:
            form = None
            if tranche == refused_on:
                form = refused_form
            elif can_manage and tranche.paid_on is None:
                form = PaymentForm(prefix=f"pay-{tranche.pk}", tranche=tranche)
            payments.append((tranche, form))
        reports = []
        for row in selectors.reports_spending(award):
            form = None
            if row.report == refused_on:
                form = refused_form
            elif can_manage and row.report.status == MonitoringReport.Status.SUBMITTED:
                form = ReportReviewForm(prefix=f"review-{row.report.pk}")
            reports.append((row, form))
        context = {
            "project": award.proposal.call.project,
            "award": award,
            "proposal": award.proposal,
            "money": selectors.award_money(award),
            "tranches": payments,
            "reports": reports,
            "can_manage": can_manage,
            "can_report": request.user.has_perm("grants.report_on_award", award),
            "tranche_form": tranche_form or NewTrancheForm(prefix="tranche"),
            "next_tranche_number": len(tranches) + 1,
        }
        return render(request, self.template_name, context, status=status)


class AwardView(AwardPage):
    def get(self, request, pk):
        return self.render_page(request, selectors.award_for_page(request.user, pk))


class AwardActionView(AwardPage):
    """A coordinator's POST on the award's page: 404 unless the user may read the award, 403 unless they
    manage it. Success redirects to the page; a refusal shows it again with the message and the input."""

    def post(self, request, pk, **kwargs):
        award = selectors.award_for_page(request.user, pk)
        if not request.user.has_perm("grants.manage_award", award):
            raise denied()
        return self.act(request, award, **kwargs)


def one_of(rows, pk: int):
    """The award's tranche or report with this id (already prefetched), or 404."""
    found = next((row for row in rows if row.pk == pk), None)
    if found is None:
        raise Http404
    return found


class TrancheAddView(AwardActionView):
    def act(self, request, award):
        form = NewTrancheForm(request.POST, prefix="tranche")
        if form.is_valid():
            try:
                services.tranche_add(actor=request.user, award=award, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The tranche was planned."))
                return redirect("grants:award", pk=award.pk)
        return self.render_page(request, award, tranche_form=form, status=400)


class TranchePayView(AwardActionView):
    def act(self, request, award, tranche_pk):
        tranche = one_of(award.tranches.all(), tranche_pk)
        form = PaymentForm(request.POST, prefix=f"pay-{tranche.pk}")
        if form.is_valid():
            try:
                services.tranche_pay(actor=request.user, tranche=tranche, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The payment was recorded."))
                return redirect("grants:award", pk=award.pk)
        return self.render_page(request, award, refused=(tranche, form), status=400)


class ReportReviewView(AwardActionView):
    def act(self, request, award, report_pk):
        report = one_of(award.reports.all(), report_pk)
        form = ReportReviewForm(request.POST, prefix=f"review-{report.pk}")
        if form.is_valid():
            try:
                services.monitoring_report_review(
                    actor=request.user,
                    report=report,
                    approve=form.approves(),
                    comment=form.cleaned_data["coordinator_comment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if form.approves():
                    messages.success(request, _("The report was approved."))
                else:
                    messages.success(request, _("The report was returned to the grantee."))
                return redirect("grants:award", pk=award.pk)
        return self.render_page(request, award, refused=(report, form), status=400)


class AwardCompleteView(AwardActionView):
    def act(self, request, award):
        try:
            services.award_complete(actor=request.user, award=award)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The grant is completed."))
        return redirect("grants:award", pk=award.pk)


class ReportPhotoView(LoginRequiredMixin, View):
    """A monitoring report's photo, for those who may read its award (404 for anyone else)."""

    def get(self, request, pk):
        return stored_file_response(selectors.report_photo_for_download(request.user, pk))


class ProjectAwardsView(LoginRequiredMixin, View):
    """All awards of a project with their money, and totals per currency.

    Only those who may read every award of the project see this list: its coordinators and platform
    staff, who are exactly those with ``projects.manage_funding`` (awards are the project's money going
    out). ``grants.view_award`` gives donors and municipal staff no award, so they get 403 here (the
    project is visible to them); a grantee reads its own award on the award's page.
    """

    template_name = "grants/awards/project_awards.html"

    def get(self, request, code):
        project = project_for_action(request, code, "projects.manage_funding")
        rows = selectors.project_awards(project)
        context = {"project": project, "rows": rows, "totals": selectors.awards_totals(rows)}
        return render(request, self.template_name, context)


urlpatterns = [
    path("proposals/<int:pk>/award/", AwardCreateView.as_view(), name="award-create"),
    path("awards/<int:pk>/", AwardView.as_view(), name="award"),
    path("awards/<int:pk>/tranches/", TrancheAddView.as_view(), name="tranche-add"),
    path("awards/<int:pk>/tranches/<int:tranche_pk>/pay/", TranchePayView.as_view(), name="tranche-pay"),
    path("awards/<int:pk>/reports/<int:report_pk>/review/", ReportReviewView.as_view(), name="report-review"),
    path("awards/<int:pk>/complete/", AwardCompleteView.as_view(), name="award-complete"),
    path("reports/photos/<int:pk>/", ReportPhotoView.as_view(), name="report-photo"),
    path("projects/<str:code>/awards/", ProjectAwardsView.as_view(), name="project-awards"),
]
