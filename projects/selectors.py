"""Reads and figures of the project registry, shared by the pages, the API and (later) the PDFs.

Each figure is computed here once. Amounts in different currencies are never added: totals are
per currency, and a euro figure exists only where every part has a dated rate.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404

from .models import (
    BudgetLine,
    ExchangeRate,
    FundingContribution,
    Organisation,
    Partner,
    Project,
)
from .money import percentage, round_half_up

# --- Exchange rates -------------------------------------------------------------------------------


class RateBook:
    """The exchange rates for a set of currencies, loaded in one query and looked up by date."""

    def __init__(self, rates: list[ExchangeRate]):
        self._by_currency: dict[str, list[ExchangeRate]] = defaultdict(list)
        for rate in sorted(rates, key=lambda r: r.valid_from, reverse=True):
            self._by_currency[rate.currency].append(rate)

    @classmethod
    def everything(cls) -> RateBook:
        """All stored rates (a small table): one query shared by every project of a list."""
        return cls(list(ExchangeRate.objects.all()))

    @classmethod
    def for_currencies(cls, currencies) -> RateBook:
        wanted = {c for c in currencies if c and c != "EUR"}
        return cls(list(ExchangeRate.objects.filter(currency__in=wanted)) if wanted else [])

    def rate(self, currency: str, on: datetime.date | None) -> ExchangeRate | None:
        """The fixed rate, or the latest rate valid on ``on``; None when there is none (no date, no rate)."""
        for rate in self._by_currency.get(currency, ()):
            if rate.is_fixed or (on is not None and rate.valid_from <= on):
                return rate
        return None

    def to_eur(self, amount: Decimal | None, currency: str, on: datetime.date | None) -> EurEquivalent:
        if amount is None:
            return EurEquivalent(amount=None, rate=None)
        if currency == "EUR":
            return EurEquivalent(amount=amount, rate=None)
        rate = self.rate(currency, on)
        if rate is None:
            return EurEquivalent(amount=None, rate=None)
        return EurEquivalent(amount=round_half_up(amount / rate.units_per_eur), rate=rate)


@dataclass(frozen=True)
class EurEquivalent:
    """An amount in euro and the rate behind it; ``amount`` None means no rate (or no amount)."""

    amount: Decimal | None
    rate: ExchangeRate | None


# --- Funding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionFigures:
    contribution: FundingContribution
    share_percent: Decimal | None
    eur: EurEquivalent


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal
    eur: EurEquivalent


@dataclass(frozen=True)
class FundingFigures:
    """Contributions with their shares and euro equivalents, and totals per currency.

    ``share_basis`` says what the shares are of: the stated project total, the sum of the
    contributions in their one currency, or the sum of their euro equivalents; None when no share
    can be computed honestly (an amount is unknown, or currencies differ without rates).
    """

    contributions: list[ContributionFigures]
    totals: list[CurrencyTotal]
    total_eur: Decimal | None
    has_unknown_amounts: bool
    share_basis: str | None
    stated_total_eur: EurEquivalent | None = None


def conversion_date(project: Project, contribution: FundingContribution | None = None) -> datetime.date | None:
    """The date an amount is converted on: the contribution's value date, else the project's start, else end."""
    if contribution is not None and contribution.value_date:
        return contribution.value_date
    return project.start_date or project.end_date


def project_funding(
    project: Project, contributions: list[FundingContribution] | None = None, rates: RateBook | None = None
) -> FundingFigures:
    """Shares, euro equivalents and per-currency totals of a project's funding.

    Pass ``rates`` when figuring many projects at once, so the rates are read once.
    """
    if contributions is None:
        contributions = list(project.contributions.select_related("funder"))
    stated_currency = project.total_budget_currency
    if rates is None:
        rates = RateBook.for_currencies({c.currency for c in contributions} | {stated_currency})

    eurs = [rates.to_eur(c.amount, c.currency, conversion_date(project, c)) for c in contributions]
    has_unknown = any(c.amount is None for c in contributions)
    known = [c for c in contributions if c.amount is not None]
    currencies = {c.currency for c in known}

    sums: dict[str, Decimal] = defaultdict(Decimal)
    for contribution in known:
        sums[contribution.currency] += contribution.amount
    total_eur = None
    if known and not has_unknown and all(e.amount is not None for e in eurs):
        total_eur = sum((e.amount for e in eurs), Decimal(0))

    def share_of(whole: Decimal | None, part: Decimal | None) -> Decimal | None:
        return percentage(part, whole)

    if project.total_budget_amount is not None and currencies <= {stated_currency} and known:
        share_basis = "stated_total"
        shares = [
            share_of(project.total_budget_amount, c.amount if c.currency == stated_currency else None)
            for c in contributions
        ]
    elif known and not has_unknown and len(currencies) == 1:
        share_basis = "sum"
        shares = [share_of(sums[c.currency], c.amount) for c in contributions]
    elif total_eur is not None:
        share_basis = "eur"
        shares = [share_of(total_eur, e.amount) for e in eurs]
    else:
        share_basis = None
        shares = [None] * len(contributions)

    totals = [
        CurrencyTotal(currency=currency, amount=amount, eur=rates.to_eur(amount, currency, conversion_date(project)))
        for currency, amount in sorted(sums.items())
    ]
    stated_total_eur = None
    if project.total_budget_amount is not None:
        stated_total_eur = rates.to_eur(project.total_budget_amount, stated_currency, conversion_date(project))
    return FundingFigures(
        contributions=[
            ContributionFigures(contribution=c, share_percent=s, eur=e)
            for c, s, e in zip(contributions, shares, eurs, strict=True)
        ],
        totals=totals,
        total_eur=total_eur,
        has_unknown_amounts=has_unknown,
        share_basis=share_basis,
        stated_total_eur=stated_total_eur,
    )


# --- Budget ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLineFigures:
    line: BudgetLine
    spent: Decimal | None
    remaining: Decimal | None
    spent_percent: Decimal | None


@dataclass(frozen=True)
class BudgetTotal:
    currency: str
    planned: Decimal
    spent: Decimal | None


@dataclass(frozen=True)
class BudgetFigures:
    """Planned versus spent per line and per currency. Spent is None where nothing was recorded."""

    lines: list[BudgetLineFigures]
    totals: list[BudgetTotal] = field(default_factory=list)


def budget_lines_with_spending(project: Project) -> QuerySet[BudgetLine]:
    return project.budget_lines.annotate(spent=Sum("expenditures__amount"), expenditure_count=Count("expenditures"))


def project_budget(project: Project, lines: list[BudgetLine] | None = None) -> BudgetFigures:
    """Planned, spent and remaining per budget line, and totals per currency."""
    if lines is None:
        lines = list(budget_lines_with_spending(project))
    figures = []
    planned: dict[str, Decimal] = defaultdict(Decimal)
    spent: dict[str, Decimal | None] = {}
    for line in lines:
        line_spent = line.spent if line.expenditure_count else None
        figures.append(
            BudgetLineFigures(
                line=line,
                spent=line_spent,
                remaining=None if line_spent is None else line.amount - line_spent,
                spent_percent=percentage(line_spent, line.amount),
            )
        )
        planned[line.currency] += line.amount
        if line_spent is not None:
            spent[line.currency] = (spent.get(line.currency) or Decimal(0)) + line_spent
        else:
            spent.setdefault(line.currency, None)
    totals = [BudgetTotal(currency=c, planned=planned[c], spent=spent.get(c)) for c in sorted(planned)]
    return BudgetFigures(lines=figures, totals=totals)


# --- Partners, period ----------------------------------------------------------------------------


def partners_by_role(partners: list[Partner]) -> dict[str, list[Organisation]]:
    """Organisations per role, in the order of ``Partner.Role`` (lead first)."""
    grouped: dict[str, list[Organisation]] = {role: [] for role in Partner.Role.values}
    for partner in partners:
        grouped[partner.role].append(partner.organisation)
    return {role: organisations for role, organisations in grouped.items() if organisations}


def project_duration_months(project: Project) -> int | None:
    """The published duration, else whole months between the dates (half a month or more counts)."""
    if project.duration_months:
        return project.duration_months
    if not (project.start_date and project.end_date):
        return None
    end = project.end_date + datetime.timedelta(days=1)
    months = (end.year - project.start_date.year) * 12 + end.month - project.start_date.month
    days = end.day - project.start_date.day
    if days < 0:
        months -= 1
        previous_month_end = end.replace(day=1) - datetime.timedelta(days=1)
        days += previous_month_end.day
    return months + (1 if days >= 15 else 0)


# --- Pages ----------------------------------------------------------------------------------------


def project_list(user) -> QuerySet[Project]:
    """The projects a user may see, shaped for the list page and the API list (constant queries)."""
    return (
        Project.objects.visible_to(user)
        .prefetch_related(
            "countries",
            Prefetch(
                "partners",
                queryset=Partner.objects.filter(role=Partner.Role.LEAD).select_related("organisation"),
                to_attr="lead_partners",
            ),
        )
        .order_by("-start_date", "code")
    )


def project_with_details(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """Everything a project page or API detail shows, fetched in a fixed number of queries."""
    return queryset.prefetch_related(
        "countries",
        "target_municipalities__country",
        "target_groups",
        "objectives",
        "results",
        "activities",
        Prefetch("partners", queryset=Partner.objects.select_related("organisation")),
        Prefetch("contributions", queryset=FundingContribution.objects.select_related("funder")),
        Prefetch(
            "budget_lines",
            queryset=BudgetLine.objects.annotate(
                spent=Sum("expenditures__amount"), expenditure_count=Count("expenditures")
            ),
        ),
    )


def project_visible_to(user, code: str) -> Project:
    """Just the project with this code if the user may see it, for pages about one of its parts; 404 otherwise."""
    try:
        return Project.objects.visible_to(user).get(code=code)
    except Project.DoesNotExist:
        raise Http404 from None


def project_for_page(user, code: str) -> Project:
    """The project with this code if the user may see it; 404 otherwise (never reveals that it exists)."""
    try:
        return project_with_details(Project.objects.visible_to(user)).get(code=code)
    except Project.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class ProjectFigures:
    """All figures a project page shows, computed from prefetched rows."""

    funding: FundingFigures
    budget: BudgetFigures
    partners_by_role: dict[str, list[Organisation]]
    duration_months: int | None


def project_figures(project: Project) -> ProjectFigures:
    return ProjectFigures(
        funding=project_funding(project, list(project.contributions.all())),
        budget=project_budget(project, list(project.budget_lines.all())),
        partners_by_role=partners_by_role(list(project.partners.all())),
        duration_months=project_duration_months(project),
    )
