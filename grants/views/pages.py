"""Read-only grant pages: the calls of a project, an NGO's proposals, and a proposal with its decision."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.urls import path
from django.views import View

from projects.selectors import project_visible_to

from .. import selectors, services
from ..models import Call, Proposal

__all__ = ["urlpatterns"]


class ProjectCallsView(View):
    """A project's calls with their funnel figures; drafts only for those who manage them."""

    def get(self, request, code):
        project = project_visible_to(request.user, code)
        calls = [call for call in selectors.project_calls(project) if request.user.has_perm("grants.view_call", call)]
        figures = {f.call.pk: f for f in selectors.calls_figures(Call.objects.filter(pk__in=[c.pk for c in calls]))}
        return render(
            request,
            "grants/call_list.html",
            {
                "project": project,
                "rows": [(call, figures[call.pk]) for call in calls],
                "can_add_call": request.user.has_perm("grants.manage_call", Call(project=project)),
            },
        )


class MyProposalsView(LoginRequiredMixin, View):
    """The calls an NGO coordinator may apply to now, and every proposal they may read."""

    def get(self, request):
        return render(
            request,
            "grants/my_proposals.html",
            {
                "open_calls": selectors.open_calls_for(request.user),
                "proposals": selectors.proposals_for_list(request.user),
            },
        )


class ProposalView(LoginRequiredMixin, View):
    """A proposal with its budget, its problems while a draft, its status and decision, and the next
    step each reader may take on it (edit, submit, withdraw; screen; award)."""

    def get(self, request, pk):
        proposal = selectors.proposal_for_page(request.user, pk)
        budget = selectors.proposal_budget(proposal)
        user = request.user
        manages_call = user.has_perm("grants.manage_call", proposal.call)
        award = selectors.award_of(proposal)
        return render(
            request,
            "grants/proposal_detail.html",
            {
                "proposal": proposal,
                "project": proposal.call.project,
                "budget": budget,
                "problems": services.budget_problems(proposal, budget.lines)
                if proposal.status == Proposal.Status.DRAFT
                else [],
                "share": services.cofinancing_share(proposal),
                "can_edit": user.has_perm("grants.edit_proposal", proposal),
                "can_withdraw": proposal.status in services.WITHDRAWABLE
                and user.has_perm("grants.withdraw_proposal", proposal),
                "can_screen": proposal.status in services.SCREENABLE
                and user.has_perm("grants.screen_proposal", proposal),
                "award": award if award and user.has_perm("grants.view_award", award) else None,
                "can_award": manages_call and proposal.status == Proposal.Status.SELECTED,
            },
        )


urlpatterns = [
    path("projects/<str:code>/calls/", ProjectCallsView.as_view(), name="project-calls"),
    path("proposals/", MyProposalsView.as_view(), name="my-proposals"),
    path("proposals/<int:pk>/", ProposalView.as_view(), name="proposal"),
]
