"""Reads and figures of the grants app, shared by pages, API and the donors' PDFs.

Amounts are in the call's currency; figures across calls are grouped per currency, never summed
across currencies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from forums.models import ForumSession
from forums.selectors import attendance_of
from projects.models import Membership, Project
from projects.money import percentage, round_half_up

from .models import (
    Award,
    Call,
    EligibilityCheck,
    EligibilityCriterion,
    ForumTally,
    MonitoringReport,
    Proposal,
    ProposalBudgetLine,
    ReportPhoto,
    Review,
    Selection,
    Tranche,
)

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
                review_score=reviews_average(totals),
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


def counted_review_total(review: Review) -> Decimal | None:
    """A review's weighted total if it counts: submitted, without conflict; None otherwise."""
    return review_total(review) if review.submitted_at and review.has_conflict is False else None


def reviews_average(totals: list[Decimal]) -> Decimal | None:
    """The average of the counted reviews' weighted totals (two decimals, half up); None without any."""
    return round_half_up(sum(totals, Decimal(0)) / len(totals)) if totals else None


def proposal_review_scores(proposal: Proposal) -> list[tuple[Review, Decimal | None]]:
    """Each review of a proposal with its weighted total (None until submitted or when in conflict)."""
    reviews = proposal.reviews.select_related("reviewer").prefetch_related("scores__criterion")
    return [(review, counted_review_total(review)) for review in reviews]


@dataclass(frozen=True)
class ReviewBoardRow:
    """A proposal on the review board: each review with its weighted total, their average and its rank."""

    proposal: Proposal
    reviews: list[tuple[Review, Decimal | None]]
    average: Decimal | None
    rank: int | None


# Proposals that are in review or came through it (shortlisted or not, and what followed).
REVIEWED = [Status.IN_REVIEW, *PAST_SHORTLIST]


def review_board(call: Call) -> list[ReviewBoardRow]:
    """The call's proposals in (or past) review, best average first, in a fixed number of queries.

    Proposals with the same average share a rank; those without a counted review are unranked, last.
    """
    reviews = Review.objects.select_related("reviewer").prefetch_related("scores__criterion").order_by("pk")
    proposals = (
        call.proposals.filter(status__in=REVIEWED)
        .select_related("organisation")
        .prefetch_related(Prefetch("reviews", queryset=reviews))
        .order_by("pk")
    )
    scored = []
    for proposal in proposals:
        totals = [(review, counted_review_total(review)) for review in proposal.reviews.all()]
        average = reviews_average([total for _review, total in totals if total is not None])
        scored.append((proposal, totals, average))
    averages = sorted((average for _p, _t, average in scored if average is not None), reverse=True)
    rows = [
        ReviewBoardRow(
            proposal=proposal,
            reviews=totals,
            average=average,
            rank=None if average is None else averages.index(average) + 1,
        )
        for proposal, totals, average in scored
    ]
    return sorted(rows, key=lambda row: (row.rank is None, row.rank or 0, row.proposal.pk))


def proposals_in_review(call: Call) -> list[Proposal]:
    """The call's proposals in review: those a reviewer may be assigned to, and the shortlist's candidates."""
    return list(call.proposals.filter(status=Status.IN_REVIEW).order_by("pk"))


def reviewer_candidates(project: Project) -> QuerySet:
    """The project's members, among whom a coordinator may pick a reviewer (the service refuses the applicant's)."""
    return get_user_model().objects.filter(memberships__project=project).distinct().order_by("full_name", "email")


def reviews_of(user) -> QuerySet[Review]:
    """The reviews the user was asked to write, latest call first, shaped for their list (constant queries)."""
    return (
        Review.objects.filter(reviewer=user)
        .select_related("proposal__call__project", "proposal__organisation")
        .order_by("-proposal__call__closes_at", "pk")
    )


def review_for_page(user, pk: int) -> Review:
    """The user's own review with its proposal, budget, rubric and scores; 404 for anyone else's."""
    if not user.is_authenticated:
        raise Http404
    try:
        return (
            Review.objects.filter(reviewer=user)
            .select_related("proposal__call__project", "proposal__organisation", "proposal__municipality")
            .prefetch_related("proposal__budget_lines", "proposal__call__scoring_criteria", "scores")
            .get(pk=pk)
        )
    except Review.DoesNotExist:
        raise Http404 from None


def call_proposals(user, call: Call) -> QuerySet[Proposal]:
    """The call's proposals the user may read (its coordinators: the submitted ones), for its page."""
    return (
        Proposal.objects.visible_to(user)
        .filter(call=call)
        .select_related("organisation", "municipality")
        .order_by("submitted_at", "pk")
    )


def rubric_weight_sum(weights: Iterable[int | None]) -> int:
    """What a rubric's weights add up to (100 once complete); a weight not entered yet adds nothing."""
    return sum(weight or 0 for weight in weights)


def screening_of(proposal: Proposal) -> list[tuple[EligibilityCriterion, EligibilityCheck | None]]:
    """Each item of the call's checklist with the proposal's earlier answer to it (None before screening)."""
    checks = {check.criterion_id: check for check in proposal.eligibility_checks.select_related("checked_by")}
    return [(criterion, checks.get(criterion.pk)) for criterion in proposal.call.eligibility_criteria.all()]


def project_calls(project: Project) -> QuerySet[Call]:
    return Call.objects.filter(project=project).order_by("-opens_at", "pk")


def proposal_for_page(user, pk: int) -> Proposal:
    """A proposal the user may read, with what its page shows; 404 otherwise (never reveals it exists)."""
    try:
        return (
            Proposal.objects.visible_to(user)
            .select_related("call__project", "organisation", "municipality")
            .prefetch_related("budget_lines", "attachments")
            .get(pk=pk)
        )
    except Proposal.DoesNotExist:
        raise Http404 from None


# --- Selection at a forum, awards and their money (coordinator pages) -----------------------------


def call_visible_to(user, pk: int) -> Call:
    """A call the user may read (``grants.view_call``), with its project; 404 otherwise."""
    call = Call.objects.select_related("project").filter(pk=pk).first()
    if call is None or not user.has_perm("grants.view_call", call):
        raise Http404
    return call


@dataclass(frozen=True)
class TallySession:
    """A held session of the project whose paper tally may decide a call; unknown attendance is None."""

    session: ForumSession
    participants: int | None


def tally_sessions(call: Call) -> list[TallySession]:
    """The held sessions of the call's project, newest first, with their recorded participants (one query)."""
    sessions = (
        ForumSession.objects.filter(project=call.project_id, status=ForumSession.Status.HELD)
        .select_related("project", "municipality", "attendance")
        .order_by(F("date").desc(nulls_last=True), "-pk")
    )
    rows = []
    for session in sessions:
        attendance = attendance_of(session)
        rows.append(TallySession(session, attendance.participants if attendance else None))
    return rows


@dataclass(frozen=True)
class EnvelopeUse:
    """What the selected proposals take of a call's envelope: their requested amounts, as the ranking counts them."""

    envelope: Decimal
    used: Decimal
    currency: str

    @property
    def left(self) -> Decimal:
        return self.envelope - self.used


def envelope_use(call: Call) -> EnvelopeUse:
    """The call's envelope, the part its selected proposals use and what is left (one query)."""
    used = call.proposals.filter(status__in=PAST_SELECTION).aggregate(total=Sum("requested_amount"))["total"]
    return EnvelopeUse(envelope=call.envelope, used=used or Decimal(0), currency=call.currency)


def call_selection(call: Call) -> Selection | None:
    """How the call's winners were chosen (None before the decision), with its session and who decided."""
    return (
        Selection.objects.filter(call=call)
        .select_related("session__project", "session__municipality", "decided_by")
        .first()
    )


@dataclass(frozen=True)
class SelectionOutcome:
    """A proposal that reached the review, with its votes at the deciding session (None: no tally) and its
    award once contracted."""

    proposal: Proposal
    votes: int | None
    award: Award | None

    @property
    def is_selected(self) -> bool:
        return self.proposal.status in PAST_SELECTION


def selection_outcomes(call: Call, session: ForumSession | None) -> list[SelectionOutcome]:
    """Every proposal the review and selection decided on, selected first, then by votes (two queries)."""
    proposals = (
        call.proposals.filter(status__in=PAST_SHORTLIST)
        .select_related("organisation", "award")
        .prefetch_related(
            Prefetch("tallies", queryset=ForumTally.objects.filter(session=session), to_attr="session_tallies")
        )
    )
    rows = [
        SelectionOutcome(
            proposal,
            votes=proposal.session_tallies[0].votes if proposal.session_tallies else None,
            award=getattr(proposal, "award", None),  # select_related leaves no award as None: no query
        )
        for proposal in proposals
    ]
    return sorted(rows, key=lambda row: (not row.is_selected, -(row.votes or 0), row.proposal.title, row.proposal.pk))


@dataclass(frozen=True)
class AwardMoney:
    """An award's tranches added up in its currency: planned and paid, and what is left of the award."""

    amount: Decimal
    currency: str
    planned: Decimal
    paid: Decimal

    @property
    def left_to_plan(self) -> Decimal:
        return self.amount - self.planned

    @property
    def left_to_pay(self) -> Decimal:
        return self.amount - self.paid


def award_money(award: Award) -> AwardMoney:
    """The award's money from its (prefetched) tranches; a tranche not paid yet adds nothing to the paid."""
    tranches = list(award.tranches.all())
    return AwardMoney(
        amount=award.amount,
        currency=award.currency,
        planned=sum((tranche.amount for tranche in tranches), Decimal(0)),
        paid=sum((tranche.paid_amount for tranche in tranches if tranche.paid_amount is not None), Decimal(0)),
    )


def award_of(proposal: Proposal) -> Award | None:
    """The proposal's grant agreement, once it has one."""
    return Award.objects.filter(proposal=proposal).first()


def award_for_page(user, pk: int) -> Award:
    """An award the user may read (``grants.view_award``) with its tranches, budget lines and reports
    (spending and photos); 404 otherwise, never revealing that it exists."""
    reports = MonitoringReport.objects.select_related("submitted_by", "reviewed_by").prefetch_related(
        "spending", "photos"
    )
    award = (
        Award.objects.select_related("proposal__call__project", "proposal__organisation")
        .prefetch_related("tranches", "proposal__budget_lines", Prefetch("reports", queryset=reports))
        .filter(pk=pk)
        .first()
    )
    if award is None or not user.has_perm("grants.view_award", award):
        raise Http404
    return award


@dataclass(frozen=True)
class ReportSpending:
    """A monitoring report with each budget line of the proposal and what the report says was spent on it."""

    report: MonitoringReport
    lines: list[tuple[ProposalBudgetLine, Decimal | None]]
    total: Decimal


def reports_spending(award: Award) -> list[ReportSpending]:
    """Every report of the award (from ``award_for_page``'s prefetches), spending laid out per budget line."""
    lines = list(award.proposal.budget_lines.all())
    rows = []
    for report in award.reports.all():
        spent = {row.budget_line_id: row.amount for row in report.spending.all()}
        rows.append(
            ReportSpending(
                report=report,
                lines=[(line, spent.get(line.pk)) for line in lines],
                total=sum(spent.values(), Decimal(0)),
            )
        )
    return rows


def report_photo_for_download(user, pk: int) -> ReportPhoto:
    """A report's photo if the user may read its award; 404 otherwise."""
    photo = ReportPhoto.objects.select_related("report__award__proposal__call__project").filter(pk=pk).first()
    if photo is None or not user.has_perm("grants.view_award", photo.report.award):
        raise Http404
    return photo


@dataclass(frozen=True)
class AwardRow:
    award: Award
    money: AwardMoney


def project_awards(project: Project) -> list[AwardRow]:
    """Every award of the project with its money; the tranches' sums are annotated (one query)."""
    awards = (
        Award.objects.filter(proposal__call__project=project)
        .select_related("proposal__call__project", "proposal__organisation")
        .annotate(planned_sum=Sum("tranches__amount"), paid_sum=Sum("tranches__paid_amount"))
        .order_by("-signed_on", "-pk")
    )
    return [
        AwardRow(
            award,
            AwardMoney(
                amount=award.amount,
                currency=award.currency,
                planned=award.planned_sum or Decimal(0),
                paid=award.paid_sum or Decimal(0),
            ),
        )
        for award in awards
    ]


@dataclass(frozen=True)
class SelectedGrant:
    """A proposal chosen for a grant, with its award's money once the agreement is signed (None before)."""

    proposal: Proposal
    money: AwardMoney | None


def project_selected_grants(project: Project) -> list[SelectedGrant]:
    """The proposals selected in a project's calls, call by call, with their awards' money (one query)."""
    proposals = (
        Proposal.objects.filter(call__project=project, status__in=PAST_SELECTION)
        .select_related("call__project", "organisation", "municipality", "award")
        .annotate(planned_sum=Sum("award__tranches__amount"), paid_sum=Sum("award__tranches__paid_amount"))
        .order_by("call__opens_at", "call_id", "title", "pk")
    )
    rows = []
    for proposal in proposals:
        award = getattr(proposal, "award", None)  # select_related leaves no award as None: no query
        money = None
        if award is not None:
            money = AwardMoney(
                amount=award.amount,
                currency=award.currency,
                planned=proposal.planned_sum or Decimal(0),
                paid=proposal.paid_sum or Decimal(0),
            )
        rows.append(SelectedGrant(proposal=proposal, money=money))
    return rows


@dataclass(frozen=True)
class AwardTotals:
    """Awards added up within one currency."""

    currency: str
    awards: int
    amount: Decimal
    paid: Decimal

    @property
    def left_to_pay(self) -> Decimal:
        return self.amount - self.paid


def awards_totals(rows: list[AwardRow]) -> list[AwardTotals]:
    """Per currency, in currency order: never an amount summed across currencies."""
    totals: dict[str, dict] = defaultdict(lambda: {"awards": 0, "amount": Decimal(0), "paid": Decimal(0)})
    for row in rows:
        total = totals[row.money.currency]
        total["awards"] += 1
        total["amount"] += row.money.amount
        total["paid"] += row.money.paid
    return [AwardTotals(currency=currency, **total) for currency, total in sorted(totals.items())]


def awards_with_payments(projects: Iterable[Project]) -> QuerySet[Award]:
    """The projects' awards with their call, grantee and paid tranches (``paid_tranches``), for exports;
    two queries however many projects."""
    paid = Tranche.objects.filter(paid_on__isnull=False).order_by("paid_on", "pk")
    return (
        Award.objects.filter(proposal__call__project__in=projects)
        .select_related("proposal__call", "proposal__organisation")
        .prefetch_related(Prefetch("tranches", queryset=paid, to_attr="paid_tranches"))
        .order_by("pk")
    )


def awards_for_grantee(user) -> list[AwardRow]:
    """The awards of the organisations the user acts for as NGO coordinator, newest first, each with
    its money, tranches and monitoring reports (three queries, whatever the number of awards)."""
    if not user.is_authenticated:
        return []
    represents = Membership.objects.filter(
        user=user,
        role=Membership.Role.NGO_COORDINATOR,
        project=OuterRef("proposal__call__project"),
        organisation=OuterRef("proposal__organisation"),
    )
    awards = (
        Award.objects.filter(Exists(represents))
        .select_related("proposal__call__project", "proposal__organisation")
        .prefetch_related("tranches", "reports")
        .order_by("-signed_on", "-pk")
    )
    return [AwardRow(award, award_money(award)) for award in awards]
