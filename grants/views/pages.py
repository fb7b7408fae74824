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
            {"project": project, "rows": [(call, figures[call.pk]) for call in calls]},
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
    """A proposal with its budget, its problems while a draft, and its status and decision."""

    def get(self, request, pk):
        proposal = selectors.proposal_for_page(request.user, pk)
        budget = selectors.proposal_budget(proposal)
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
            },
        )


urlpatterns = [
    path("projects/<str:code>/calls/", ProjectCallsView.as_view(), name="project-calls"),
    path("proposals/", MyProposalsView.as_view(), name="my-proposals"),
    path("proposals/<int:pk>/", ProposalView.as_view(), name="proposal"),
]
