"""Reads and figures of the grants app, shared by pages, API and the donors' PDFs.

Amounts are in the call's currency; figures across calls are grouped per currency, never summed
across currencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from projects.models import Membership, Project
from projects.money import percentage, round_half_up

from .models import Call, ForumTally, Proposal, ProposalBudgetLine, Review, Tranche

Status = Proposal.Status

# Every status a proposal reaches after passing each step of the funnel (submission is its date).
PAST_ELIGIBILITY = [
    Status.ELIGIBLE,
    Status.IN_REVIEW,
    Status.SHORTLISTED,
    Status.SELECTED,
    Status.NOT_SELECTED,
    Status.CONTRACTED,
    Status.IN_IMPLEMENTATION,
    Status.COMPLETED,
]
PAST_SHORTLIST = [
    Status.SHORTLISTED,
    Status.SELECTED,
    Status.NOT_SELECTED,
    Status.CONTRACTED,
    Status.IN_IMPLEMENTATION,
    Status.COMPLETED,
]
PAST_SELECTION = [Status.SELECTED, Status.CONTRACTED, Status.IN_IMPLEMENTATION, Status.COMPLETED]


@dataclass(frozen=True)
class CallFigures:
    """The funnel of a call and its money, in the call's currency."""

    call: Call
    submitted: int
    eligible: int
    shortlisted: int
    selected: int
    requested: Decimal
    cofinancing: Decimal
    average_requested: Decimal | None
    awarded: Decimal = Decimal(0)
    awards: int = 0
    paid: Decimal = Decimal(0)

    @property
    def average_grant(self) -> Decimal | None:
        return round_half_up(self.awarded / self.awards) if self.awards else None

    @property
    def currency(self) -> str:
        return self.call.currency

    @property
    def cofinancing_share(self) -> Decimal | None:
        """Co-financing as a share of the submitted proposals' total budgets."""
        return percentage(self.cofinancing, self.requested + self.cofinancing)

    @property
    def eligible_rate(self) -> Decimal | None:
        return percentage(self.eligible, self.submitted)

    @property
    def shortlisted_rate(self) -> Decimal | None:
        return percentage(self.shortlisted, self.submitted)

    @property
    def selected_rate(self) -> Decimal | None:
        return percentage(self.selected, self.submitted)


def calls_figures(calls: QuerySet[Call]) -> list[CallFigures]:
    """Funnel and money of each call, in one query whatever the number of calls or proposals."""
    submitted = Q(proposals__submitted_at__isnull=False)
    rows = calls.annotate(
        n_submitted=Count("proposals", filter=submitted),
        n_eligible=Count("proposals", filter=Q(proposals__status__in=PAST_ELIGIBILITY)),
        n_shortlisted=Count("proposals", filter=Q(proposals__status__in=PAST_SHORTLIST)),
        n_selected=Count("proposals", filter=Q(proposals__status__in=PAST_SELECTION)),
        requested_sum=Sum("proposals__requested_amount", filter=submitted),
        cash_sum=Sum("proposals__cofinancing_cash", filter=submitted),
        in_kind_sum=Sum("proposals__cofinancing_in_kind", filter=submitted),
        awarded_sum=Sum("proposals__award__amount"),
        n_awards=Count("proposals__award"),
        # Tranches in a subquery: joining them would repeat each proposal once per tranche.
        paid_sum=Subquery(
            Tranche.objects.filter(award__proposal__call=OuterRef("pk"))
            .values("award__proposal__call")
            .annotate(total=Sum("paid_amount"))
            .values("total")
        ),
    )
    figures = []
    for call in rows:
        requested = call.requested_sum or Decimal(0)
        figures.append(
            CallFigures(
                call=call,
                submitted=call.n_submitted,
                eligible=call.n_eligible,
                shortlisted=call.n_shortlisted,
                selected=call.n_selected,
                requested=requested,
                cofinancing=(call.cash_sum or Decimal(0)) + (call.in_kind_sum or Decimal(0)),
                average_requested=round_half_up(requested / call.n_submitted) if call.n_submitted else None,
                awarded=call.awarded_sum or Decimal(0),
                awards=call.n_awards,
                paid=call.paid_sum or Decimal(0),
            )
        )
    return figures


@dataclass(frozen=True)
class CurrencyFigures:
    """A project's calls added up within one currency."""

    currency: str
    calls: int
    submitted: int
    selected: int
    requested: Decimal
    awarded: Decimal
    paid: Decimal


def project_grant_figures(project: Project) -> list[CurrencyFigures]:
    """Per currency: calls, proposals submitted and selected, amounts requested (one query)."""
    totals: dict[str, dict] = defaultdict(
        lambda: {
            "calls": 0,
            "submitted": 0,
            "selected": 0,
            "requested": Decimal(0),
            "awarded": Decimal(0),
            "paid": Decimal(0),
        }
    )
    for figures in calls_figures(Call.objects.filter(project=project)):
        row = totals[figures.currency]
        row["calls"] += 1
        row["submitted"] += figures.submitted
        row["selected"] += figures.selected
        row["requested"] += figures.requested
        row["awarded"] += figures.awarded
        row["paid"] += figures.paid
    return [CurrencyFigures(currency=currency, **row) for currency, row in sorted(totals.items())]


@dataclass(frozen=True)
class ProposalBudget:
    lines: list[ProposalBudgetLine]
    grant: Decimal
    cofinancing: Decimal
    by_category: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return self.grant + self.cofinancing


def proposal_budget(proposal: Proposal, lines: list[ProposalBudgetLine] | None = None) -> ProposalBudget:
    """The budget table's totals: financed by the grant, by co-financing, and per category."""
    lines = list(proposal.budget_lines.all()) if lines is None else lines
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    grant = cofinancing = Decimal(0)
    for line in lines:
        by_category[line.category] += line.total
        if line.financed_by == ProposalBudgetLine.FinancedBy.GRANT:
            grant += line.total
        else:
            cofinancing += line.total
    return ProposalBudget(lines=lines, grant=grant, cofinancing=cofinancing, by_category=dict(by_category))


def open_calls_for(user) -> QuerySet[Call]:
    """Calls accepting proposals now in the projects where the user is an NGO coordinator."""
    now = timezone.now()
    projects = Membership.objects.filter(user=user, role=Membership.Role.NGO_COORDINATOR).values("project")
    return (
        Call.objects.filter(project__in=projects, phase=Call.Phase.OPEN, opens_at__lte=now, closes_at__gt=now)
        .select_related("project")
        .order_by("closes_at")
    )


def proposals_for_list(user) -> QuerySet[Proposal]:
    """Proposals the user may read, shaped for a list (constant queries)."""
    return (
        Proposal.objects.visible_to(user)
        .select_related("call__project", "organisation", "municipality")
        .order_by("-submitted_at", "-pk")
    )


# --- Review scores and ranking --------------------------------------------------------------------


def review_total(review: Review) -> Decimal:
    """A submitted review's weighted total on the 0–10 scale: the sum of score × weight / 100."""
    return round_half_up(sum((Decimal(s.score * s.criterion.weight) for s in review.scores.all()), Decimal(0)) / 100)


@dataclass(frozen=True)
class RankedProposal:
    proposal: Proposal
    votes: int | None
    review_score: Decimal | None
    reviews: int


def call_ranking(call: Call, session=None) -> list[RankedProposal]:
    """The shortlisted proposals ranked by the call's method and tie rule (a fixed number of queries).

    The review score is the average of the weighted totals of the submitted reviews without conflict.
    """
    counted_reviews = Review.objects.filter(submitted_at__isnull=False, has_conflict=False).prefetch_related(
        "scores__criterion"
    )
    proposals = call.proposals.filter(status=Proposal.Status.SHORTLISTED).prefetch_related(
        Prefetch("reviews", queryset=counted_reviews, to_attr="counted_reviews"),
        Prefetch("tallies", queryset=ForumTally.objects.filter(session=session), to_attr="session_tallies"),
    )
    rows = []
    for proposal in proposals:
        totals = [review_total(review) for review in proposal.counted_reviews]
        rows.append(
            RankedProposal(
                proposal=proposal,
                votes=proposal.session_tallies[0].votes if proposal.session_tallies else None,
                review_score=round_half_up(sum(totals, Decimal(0)) / len(totals)) if totals else None,
                reviews=len(totals),
            )
        )
    by_vote = call.selection_method != Call.SelectionMethod.COMMITTEE
    lowest = Decimal(-1)

    def rank_key(row: RankedProposal):
        main = -(row.votes or 0) if by_vote else -(row.review_score if row.review_score is not None else lowest)
        if call.tie_rule == Call.TieRule.SMALLER_REQUEST:
            tie = (row.proposal.requested_amount,)
        elif call.tie_rule == Call.TieRule.REVIEW_SCORE:
            tie = (-(row.review_score if row.review_score is not None else lowest), row.proposal.requested_amount)
        else:
            tie = ()
        return (main, *tie, row.proposal.pk)

    return sorted(rows, key=rank_key)


def proposal_review_scores(proposal: Proposal) -> list[tuple[Review, Decimal | None]]:
    """Each review of a proposal with its weighted total (None until submitted or when in conflict)."""
    reviews = proposal.reviews.select_related("reviewer").prefetch_related("scores__criterion")
    return [
        (review, review_total(review) if review.submitted_at and review.has_conflict is False else None)
        for review in reviews
    ]


def project_calls(project: Project) -> QuerySet[Call]:
    return Call.objects.filter(project=project).order_by("-opens_at", "pk")


def proposal_for_page(user, pk: int) -> Proposal:
    """A proposal the user may read, with what its page shows; 404 otherwise (never reveals it exists)."""
    try:
        return (
            Proposal.objects.visible_to(user)
            .select_related("call__project", "organisation", "municipality")
            .prefetch_related("budget_lines")
            .get(pk=pk)
        )
    except Proposal.DoesNotExist:
        raise Http404 from None
