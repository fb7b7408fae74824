"""What a donor's report prints, gathered once from the selectors of the other apps.

Everything here is plain values: texts with the language they are in, counts with their qualifier,
``Decimal`` amounts with their currency. The same figures render the PDF and answer the summary API,
and, written out as canonical JSON, give the data fingerprint that tells whether a stored PDF still
says what the database says. Nothing is computed here that a selector already computes.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from forums.counts import Figure
from forums.models import Attendance, Category, ForumSession, Kind, Qualifier
from forums.selectors import (
    Breakdown,
    CategoryParticipation,
    ParticipationFigures,
    attendance_of,
    feedback_by_session,
    project_feedback,
    project_participation,
    session_breakdowns,
    sessions_with_breakdowns,
)
from grants.models import Call
from grants.selectors import calls_figures, project_grant_figures, project_selected_grants
from projects.i18n import LocalizedText, localized
from projects.models import BudgetLine, FundingContribution, Municipality, Organisation, Partner, Project
from projects.selectors import (
    EurEquivalent,
    FundingFigures,
    RateBook,
    conversion_date,
    project_budget,
    project_duration_months,
    project_funding,
    project_with_details,
)

from .models import ReportRequest

# Part of every fingerprint: raise it when what a report prints changes, so no older PDF is reused.
REPORT_FORMAT_VERSION = 1

EXECUTIVE_SUMMARY = ReportRequest.Kind.EXECUTIVE_SUMMARY
FINAL_REPORT = ReportRequest.Kind.FINAL_REPORT


# --- Plain values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A municipality by id and by name in the report's language."""

    id: int
    name: LocalizedText


@dataclass(frozen=True)
class OrganisationName:
    name: LocalizedText
    acronym: str


@dataclass(frozen=True)
class Period:
    """The dates as precise as the documents give them; ``duration_months`` published or computed."""

    start: datetime.date | None
    start_precision: str
    end: datetime.date | None
    end_precision: str
    duration_months: int | None


@dataclass(frozen=True)
class Eur:
    """A euro equivalent and the dated rate behind it; ``amount`` None where no rate (or no amount) exists."""

    amount: Decimal | None
    rate: Decimal | None  # units of the currency per euro; None for euro amounts
    rate_date: datetime.date | None
    rate_is_fixed: bool


@dataclass(frozen=True)
class MoneyTotal:
    """A budget total in one currency: the stated total, else the sum of the contributions.

    ``qualifier`` is ``at_least`` when a contribution's amount is unknown; ``basis`` is planned or
    actually spent where the documents say (empty otherwise).
    """

    currency: str
    amount: Decimal
    qualifier: str
    basis: str
    eur: Eur


@dataclass(frozen=True)
class Contribution:
    funder: OrganisationName | None
    kind: str
    amount: Decimal | None
    currency: str
    share_percent: Decimal | None
    eur: Eur

    @property
    def kind_label(self) -> str:
        return FundingContribution.Kind(self.kind).label


@dataclass(frozen=True)
class Budget:
    """Totals per currency, each funder's contribution with its share, and the euro total where rates allow.

    ``share_basis`` says what the shares are of (see ``projects.selectors.FundingFigures``).
    """

    totals: list[MoneyTotal]
    contributions: list[Contribution]
    total_eur: Decimal | None
    share_basis: str | None
    has_unknown_amounts: bool


@dataclass(frozen=True)
class MunicipalityFigures:
    municipality: Place | None  # None: the documents do not say where
    sessions: int
    participants: Figure
    average_per_session: Figure
    includes_reported: bool


@dataclass(frozen=True)
class CategoryFigures:
    """Held sessions of one category (forum sessions, trainings or events) and who came."""

    category: str
    sessions: int
    participants: Figure
    average_per_session: Figure
    by_municipality: list[MunicipalityFigures]
    includes_reported: bool

    @property
    def label(self) -> str:
        return Category(self.category).label


@dataclass(frozen=True)
class GrantTotals:
    """A project's small-grant calls added up within one currency."""

    currency: str
    calls: int
    submitted: int
    selected: int
    requested: Decimal
    awarded: Decimal
    paid: Decimal


@dataclass(frozen=True)
class ExecutiveSummary:
    """Everything the one-to-three-page summary prints, in the report's language."""

    language: str
    project_id: int
    code: str
    title: LocalizedText
    general_goals: list[LocalizedText]  # the project's general goal, then any general objective
    goals: list[LocalizedText]  # its specific objectives
    target_groups: list[LocalizedText]
    area: LocalizedText
    target_municipalities: list[Place]
    target_municipality_count: int | None
    results: list[LocalizedText]  # achieved
    expected_results: list[LocalizedText]
    activities: list[LocalizedText]
    managed_by: list[OrganisationName]
    implemented_by: list[OrganisationName]
    partners: list[OrganisationName]
    funded_by: list[OrganisationName]
    period: Period
    participation: CategoryFigures  # forum sessions
    trainings: CategoryFigures
    events: CategoryFigures
    participants_total: Figure  # every held gathering
    grants: list[GrantTotals]
    budget: Budget

    @property
    def has_fallback_texts(self) -> bool:
        """Whether some text is shown in its original language for want of a translation."""
        return any(text.is_fallback for text in _texts(self))


@dataclass(frozen=True)
class CountPart:
    """One part of the gender or age breakdown (``women``, ``age_18_29``, …)."""

    part: str
    count: Figure

    @property
    def label(self) -> str:
        return Attendance._meta.get_field(self.part).verbose_name


@dataclass(frozen=True)
class NamedCount:
    """Participants of a vulnerable group, or residents of a municipality."""

    name: LocalizedText
    count: Figure


@dataclass(frozen=True)
class SessionRef:
    kind: str
    status: str
    date: datetime.date | None
    municipality: Place | None
    sequence: int | None
    title: LocalizedText

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def status_label(self) -> str:
        return ForumSession.Status(self.status).label


@dataclass(frozen=True)
class SessionRow:
    """A session with its attendance and breakdowns; an empty breakdown was not recorded."""

    session: SessionRef
    participants: Figure
    gender: list[CountPart]
    age: list[CountPart]
    groups: list[NamedCount]
    residence: list[NamedCount]


@dataclass(frozen=True)
class SharePart:
    part: str
    count: Figure
    share: Figure

    @property
    def label(self) -> str:
        return Attendance._meta.get_field(self.part).verbose_name


@dataclass(frozen=True)
class BreakdownFigures:
    """Shares over the participants of the held sessions that recorded this breakdown (``base``)."""

    base: Figure
    parts: list[SharePart]
    not_recorded: Figure


@dataclass(frozen=True)
class CallFunnel:
    """A call's funnel and money, in the call's currency; rates are percent of the submitted proposals."""

    title: LocalizedText
    currency: str
    envelope: Decimal
    submitted: int
    eligible: int
    shortlisted: int
    selected: int
    eligible_rate: Decimal | None
    selected_rate: Decimal | None
    requested: Decimal
    cofinancing: Decimal
    awarded: Decimal
    awards: int
    paid: Decimal


@dataclass(frozen=True)
class SelectedGrantRow:
    """A selected proposal; ``awarded`` and ``paid`` stay None until its grant agreement is signed."""

    call: LocalizedText
    title: LocalizedText  # proposals stay in their applicant's language
    organisation: OrganisationName
    municipality: Place | None
    currency: str
    requested: Decimal
    awarded: Decimal | None
    paid: Decimal | None


@dataclass(frozen=True)
class BudgetLineRow:
    category: str
    description: LocalizedText
    currency: str
    planned: Decimal
    spent: Decimal | None  # None: nothing recorded against the line
    remaining: Decimal | None
    spent_percent: Decimal | None
    planned_eur: Eur
    spent_eur: Eur

    @property
    def category_label(self) -> str:
        return BudgetLine.Category(self.category).label


@dataclass(frozen=True)
class PlannedSpent:
    currency: str
    planned: Decimal
    spent: Decimal | None
    planned_eur: Eur
    spent_eur: Eur


@dataclass(frozen=True)
class FeedbackRow:
    responses: int
    average_satisfaction: Decimal | None  # 1 to 5
    useful_share: Decimal | None  # percent of those who answered the question


@dataclass(frozen=True)
class SessionFeedbackRow:
    session: SessionRef
    feedback: FeedbackRow


@dataclass(frozen=True)
class ReportedTotal:
    """A participation figure the documents publish only as a total over several sessions."""

    category: str
    municipality: Place | None
    sessions_covered: int
    participants: Figure
    source: LocalizedText


@dataclass(frozen=True)
class QualifiedFigure:
    """A participation figure that is approximate or a lower bound; ``category`` None is every gathering."""

    category: str | None
    municipality: Place | None
    figure: Figure


@dataclass(frozen=True)
class Sources:
    """The annex: where the facts come from, and which figures are not exact counts of every session."""

    document: LocalizedText
    reported_totals: list[ReportedTotal]
    qualified_figures: list[QualifiedFigure]


@dataclass(frozen=True)
class FinalReport:
    """The executive summary and everything the longer final report adds to it."""

    summary: ExecutiveSummary
    sessions: list[SessionRow]  # forum sessions
    trainings: list[SessionRow]
    events: list[SessionRow]
    gender: BreakdownFigures
    age: BreakdownFigures
    calls: list[CallFunnel]
    selected_grants: list[SelectedGrantRow]
    budget_lines: list[BudgetLineRow]
    planned_vs_spent: list[PlannedSpent]
    feedback: FeedbackRow
    feedback_by_session: list[SessionFeedbackRow]
    sources: Sources


# --- Building them --------------------------------------------------------------------------------


def executive_summary(project: Project, language: str) -> ExecutiveSummary:
    """The executive summary's figures and texts of ``project`` in ``language`` (a fixed number of queries)."""
    # Under the report's language: the selectors order municipalities by their names in it.
    with translation.override(language):
        return _Gathering(project, language).summary()


def final_report(project: Project, language: str) -> FinalReport:
    """The final report's figures and texts of ``project`` in ``language`` (a fixed number of queries)."""
    with translation.override(language):
        return _Gathering(project, language).final_report()


BUILDERS: dict[str, Callable[[Project, str], ExecutiveSummary | FinalReport]] = {
    EXECUTIVE_SUMMARY: executive_summary,
    FINAL_REPORT: final_report,
}


def report_figures(project: Project, kind: str, language: str) -> ExecutiveSummary | FinalReport:
    """The figures of a report of ``kind`` (``executive_summary`` or ``final_report``)."""
    return BUILDERS[kind](project, language)


def data_fingerprint(project: Project, kind: str, language: str) -> str:
    """SHA-256 of the report's figures as canonical JSON: the same as long as nothing the report prints changes."""
    return fingerprint_of(report_figures(project, kind, language), kind)


def fingerprint_of(figures: ExecutiveSummary | FinalReport, kind: str) -> str:
    """The fingerprint of figures already gathered (the renderer prints it beside the figures it hashed)."""
    document = {"format": REPORT_FORMAT_VERSION, "kind": kind, "figures": dataclasses.asdict(figures)}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value) -> str:
    """Decimals as their exact digits, dates in ISO 8601: the same value always writes the same text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no canonical form")


class _Gathering:
    """One project's rows, participation and rates, fetched once and shared by both kinds of report."""

    def __init__(self, project: Project, language: str):
        self.language = language
        self.project = project_with_details(Project.objects.filter(pk=project.pk)).get()
        self.contributions = list(self.project.contributions.all())
        self.lines = list(self.project.budget_lines.all())
        currencies = {c.currency for c in self.contributions} | {line.currency for line in self.lines}
        self.rates = RateBook.for_currencies(currencies | {self.project.total_budget_currency})
        self.funding = project_funding(self.project, self.contributions, rates=self.rates)
        # Reports are published by donors: small groups are suppressed in them, whoever asks.
        self.participation = project_participation(self.project, exact_small_groups=False)

    def text(self, obj, field: str) -> LocalizedText:
        return localized(obj, field, self.language)

    def place(self, municipality: Municipality | None) -> Place | None:
        return None if municipality is None else Place(id=municipality.pk, name=self.text(municipality, "name"))

    def organisation(self, organisation: Organisation) -> OrganisationName:
        return OrganisationName(name=self.text(organisation, "name"), acronym=organisation.acronym)

    def eur(self, equivalent: EurEquivalent) -> Eur:
        rate = equivalent.rate
        return Eur(
            amount=equivalent.amount,
            rate=rate.units_per_eur if rate else None,
            rate_date=rate.valid_from if rate else None,
            rate_is_fixed=rate.is_fixed if rate else False,
        )

    # --- The summary ---

    def summary(self) -> ExecutiveSummary:
        project = self.project
        objectives = list(project.objectives.all())
        results = list(project.results.all())
        general_goal = self.text(project, "general_goal")
        return ExecutiveSummary(
            language=self.language,
            project_id=project.pk,
            code=project.code,
            title=self.text(project, "title"),
            general_goals=[general_goal] * bool(general_goal.text)
            + [self.text(o, "text") for o in objectives if o.level == o.Level.GENERAL],
            goals=[self.text(o, "text") for o in objectives if o.level == o.Level.SPECIFIC],
            target_groups=[self.text(group, "text") for group in project.target_groups.all()],
            area=self.text(project, "area"),
            target_municipalities=[self.place(m) for m in project.target_municipalities.all()],
            target_municipality_count=project.target_municipality_count,
            results=[self.text(r, "text") for r in results if r.kind == r.Kind.ACHIEVED],
            expected_results=[self.text(r, "text") for r in results if r.kind == r.Kind.EXPECTED],
            activities=[self.text(activity, "text") for activity in project.activities.all()],
            managed_by=self.partners_in(Partner.Role.LEAD),
            implemented_by=self.partners_in(Partner.Role.IMPLEMENTING),
            partners=self.partners_in(Partner.Role.PARTNER),
            funded_by=self.partners_in(Partner.Role.FUNDER, Partner.Role.CO_FINANCER),
            period=Period(
                start=project.start_date,
                start_precision=project.start_precision,
                end=project.end_date,
                end_precision=project.end_precision,
                duration_months=project_duration_months(project),
            ),
            participation=self.category(self.participation.forum),
            trainings=self.category(self.participation.trainings),
            events=self.category(self.participation.events),
            participants_total=self.participation.participants_total,
            grants=[
                GrantTotals(
                    currency=row.currency,
                    calls=row.calls,
                    submitted=row.submitted,
                    selected=row.selected,
                    requested=row.requested,
                    awarded=row.awarded,
                    paid=row.paid,
                )
                for row in project_grant_figures(project)
            ],
            budget=self.budget(self.funding),
        )

    def partners_in(self, *roles: str) -> list[OrganisationName]:
        """The organisations in these roles, in the documents' order, each once."""
        organisations = [p.organisation for p in self.project.partners.all() if p.role in roles]
        unique = {organisation.pk: organisation for organisation in organisations}
        return [self.organisation(organisation) for organisation in unique.values()]

    def category(self, figures: CategoryParticipation) -> CategoryFigures:
        return CategoryFigures(
            category=figures.category,
            sessions=figures.sessions,
            participants=figures.participants,
            average_per_session=figures.average_per_session,
            by_municipality=[
                MunicipalityFigures(
                    municipality=self.place(row.municipality),
                    sessions=row.sessions,
                    participants=row.participants,
                    average_per_session=row.average_per_session,
                    includes_reported=row.includes_reported,
                )
                for row in figures.by_municipality
            ],
            includes_reported=figures.includes_reported,
        )

    def budget(self, funding: FundingFigures) -> Budget:
        project = self.project
        if project.total_budget_amount is not None:
            stated = MoneyTotal(
                currency=project.total_budget_currency,
                amount=project.total_budget_amount,
                qualifier=Qualifier.EXACT,
                basis=project.total_budget_basis,
                eur=self.eur(funding.stated_total_eur),
            )
            totals, total_eur = [stated], funding.stated_total_eur.amount
        else:
            # Known contributions added up: a lower bound while any amount is unknown.
            qualifier = Qualifier.AT_LEAST if funding.has_unknown_amounts else Qualifier.EXACT
            totals = [
                MoneyTotal(currency=t.currency, amount=t.amount, qualifier=qualifier, basis="", eur=self.eur(t.eur))
                for t in funding.totals
            ]
            total_eur = funding.total_eur
        return Budget(
            totals=totals,
            contributions=[
                Contribution(
                    funder=self.organisation(row.contribution.funder) if row.contribution.funder else None,
                    kind=row.contribution.kind,
                    amount=row.contribution.amount,
                    currency=row.contribution.currency,
                    share_percent=row.share_percent,
                    eur=self.eur(row.eur),
                )
                for row in funding.contributions
            ],
            total_eur=total_eur,
            share_basis=funding.share_basis,
            has_unknown_amounts=funding.has_unknown_amounts,
        )

    # --- The final report ---

    def final_report(self) -> FinalReport:
        rows = {category: [] for category in Category.values}
        for session in sessions_with_breakdowns(self.project):
            rows[session.category].append(self.session_row(session))
        feedback_rows = [row for row in feedback_by_session(self.project) if row.figures.responses]
        return FinalReport(
            summary=self.summary(),
            sessions=rows[Category.FORUM],
            trainings=rows[Category.TRAINING],
            events=rows[Category.EVENT],
            gender=self.breakdown(self.participation.gender),
            age=self.breakdown(self.participation.age),
            calls=self.calls(),
            selected_grants=self.selected_grants(),
            budget_lines=self.budget_lines(),
            planned_vs_spent=self.planned_vs_spent(),
            feedback=self.feedback(project_feedback(self.project)),
            feedback_by_session=[
                SessionFeedbackRow(session=self.session_ref(row.session), feedback=self.feedback(row.figures))
                for row in feedback_rows
            ],
            sources=self.sources(self.participation),
        )

    def session_ref(self, session: ForumSession) -> SessionRef:
        return SessionRef(
            kind=session.kind,
            status=session.status,
            date=session.date,
            municipality=self.place(session.municipality),
            sequence=session.sequence,
            title=self.text(session, "title"),
        )

    def session_row(self, session: ForumSession) -> SessionRow:
        """A session's attendance as published: groups of 1–4 people suppressed ("<5")."""
        attendance = attendance_of(session)
        if attendance is None:
            return SessionRow(self.session_ref(session), Figure.unknown(), [], [], [], [])
        shown = session_breakdowns(attendance)

        def parts(counts: list[tuple[str, Figure]]) -> list[CountPart]:
            recorded = any(count.is_known or count.is_suppressed for _name, count in counts)
            return [CountPart(name, count) for name, count in counts] if recorded else []

        return SessionRow(
            session=self.session_ref(session),
            participants=shown.participants,
            gender=parts(shown.gender),
            age=parts(shown.age),
            groups=[NamedCount(self.text(row.group, "name"), count) for row, count in shown.groups],
            residence=[NamedCount(self.text(row.municipality, "name"), count) for row, count in shown.residence],
        )

    def breakdown(self, breakdown: Breakdown) -> BreakdownFigures:
        return BreakdownFigures(
            base=breakdown.base,
            parts=[SharePart(part, count, share) for part, count, share in breakdown.parts],
            not_recorded=breakdown.not_recorded,
        )

    def calls(self) -> list[CallFunnel]:
        calls = Call.objects.filter(project=self.project).select_related("project").order_by("opens_at", "pk")
        return [
            CallFunnel(
                title=self.text(row.call, "title"),
                currency=row.currency,
                envelope=row.call.envelope,
                submitted=row.submitted,
                eligible=row.eligible,
                shortlisted=row.shortlisted,
                selected=row.selected,
                eligible_rate=row.eligible_rate,
                selected_rate=row.selected_rate,
                requested=row.requested,
                cofinancing=row.cofinancing,
                awarded=row.awarded,
                awards=row.awards,
                paid=row.paid,
            )
            for row in calls_figures(calls)
        ]

    def selected_grants(self) -> list[SelectedGrantRow]:
        rows = []
        for grant in project_selected_grants(self.project):
            proposal = grant.proposal
            rows.append(
                SelectedGrantRow(
                    call=self.text(proposal.call, "title"),
                    title=LocalizedText(
                        text=proposal.title, language=proposal.language, is_fallback=proposal.language != self.language
                    ),
                    organisation=self.organisation(proposal.organisation),
                    municipality=self.place(proposal.municipality),
                    currency=proposal.call.currency,
                    requested=proposal.requested_amount,
                    awarded=grant.money.amount if grant.money else None,
                    paid=grant.money.paid if grant.money else None,
                )
            )
        return rows

    def to_eur(self, amount: Decimal | None, currency: str) -> Eur:
        """Budget amounts are converted at the project's conversion date, with the rate valid then."""
        return self.eur(self.rates.to_eur(amount, currency, conversion_date(self.project)))

    def budget_lines(self) -> list[BudgetLineRow]:
        return [
            BudgetLineRow(
                category=row.line.category,
                description=self.text(row.line, "description"),
                currency=row.line.currency,
                planned=row.line.amount,
                spent=row.spent,
                remaining=row.remaining,
                spent_percent=row.spent_percent,
                planned_eur=self.to_eur(row.line.amount, row.line.currency),
                spent_eur=self.to_eur(row.spent, row.line.currency),
            )
            for row in project_budget(self.project, self.lines).lines
        ]

    def planned_vs_spent(self) -> list[PlannedSpent]:
        return [
            PlannedSpent(
                currency=total.currency,
                planned=total.planned,
                spent=total.spent,
                planned_eur=self.to_eur(total.planned, total.currency),
                spent_eur=self.to_eur(total.spent, total.currency),
            )
            for total in project_budget(self.project, self.lines).totals
        ]

    def feedback(self, figures) -> FeedbackRow:
        return FeedbackRow(
            responses=figures.responses,
            average_satisfaction=figures.average_satisfaction,
            useful_share=figures.useful_share,
        )

    def sources(self, participation: ParticipationFigures) -> Sources:
        qualified = []
        for category in participation.categories.values():
            rows = [(None, category.participants)]
            rows += [(row.municipality, row.participants) for row in category.by_municipality]
            qualified += [
                QualifiedFigure(category.category, self.place(place), figure)
                for place, figure in rows
                if figure.is_known and figure.qualifier != Qualifier.EXACT
            ]
        total = participation.participants_total
        if total.is_known and total.qualifier != Qualifier.EXACT:
            qualified.append(QualifiedFigure(None, None, total))
        return Sources(
            document=self.text(self.project, "source"),
            reported_totals=[
                ReportedTotal(
                    category=block.category,
                    municipality=self.place(block.municipality),
                    sessions_covered=block.sessions_covered,
                    participants=Figure(block.participants, block.qualifier),
                    source=self.text(block, "source"),
                )
                for block in participation.reported
            ],
            qualified_figures=qualified,
        )


def _texts(summary: ExecutiveSummary):
    """Every translated text of a summary, for the note that some are in their original language."""
    yield summary.title
    yield summary.area
    for group in (
        summary.general_goals,
        summary.goals,
        summary.target_groups,
        summary.results,
        summary.expected_results,
        summary.activities,
    ):
        yield from group
    for organisations in (summary.managed_by, summary.implemented_by, summary.partners, summary.funded_by):
        yield from (organisation.name for organisation in organisations)
    yield from (place.name for place in summary.target_municipalities)
