"""Figures of the registry: shares, euro equivalents, budgets and durations, computed once."""

import datetime
from decimal import Decimal

import pytest

from projects.models import Project
from projects.selectors import project_budget, project_duration_months, project_funding
from tests.projects.factories import (
    BudgetLineFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingContributionFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def test_shares_of_a_complete_single_currency_funding_use_its_sum():
    project = ProjectFactory()
    FundingContributionFactory(project=project, amount=Decimal("2"), currency="MKD")
    FundingContributionFactory(project=project, amount=Decimal("1"), currency="MKD")
    funding = project_funding(project)
    assert funding.share_basis == "sum"
    # 2/3 and 1/3, rounded half up to two places
    assert [row.share_percent for row in funding.contributions] == [Decimal("66.67"), Decimal("33.33")]
    assert [(t.currency, t.amount) for t in funding.totals] == [("MKD", Decimal("3.00"))]


def test_amounts_in_different_currencies_are_never_added():
    project = ProjectFactory(start_date=datetime.date(2024, 3, 1))
    FundingContributionFactory(project=project, amount=Decimal("1000"), currency="EUR")
    FundingContributionFactory(project=project, amount=Decimal("6150"), currency="MKD")
    funding = project_funding(project)
    assert [(t.currency, t.amount) for t in funding.totals] == [
        ("EUR", Decimal("1000.00")),
        ("MKD", Decimal("6150.00")),
    ]
    # No MKD rate: no euro total and no shares, rather than a wrong number.
    assert funding.total_eur is None
    assert funding.share_basis is None
    assert all(row.share_percent is None for row in funding.contributions)


def test_dated_rate_gives_euro_total_and_shares_across_currencies():
    project = ProjectFactory(start_date=datetime.date(2024, 3, 1))
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2023, 1, 1), units_per_eur=Decimal("60"))
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2024, 1, 1), units_per_eur=Decimal("61.5"))
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2025, 1, 1), units_per_eur=Decimal("62"))
    FundingContributionFactory(project=project, amount=Decimal("1000"), currency="EUR")
    FundingContributionFactory(project=project, amount=Decimal("6150"), currency="MKD")
    funding = project_funding(project)
    mkd = funding.contributions[1]
    assert mkd.eur.amount == Decimal("100.00")  # the rate valid on the project's start: 61.5
    assert mkd.eur.rate.valid_from == datetime.date(2024, 1, 1)
    assert funding.total_eur == Decimal("1100.00")
    assert funding.share_basis == "eur"
    assert [row.share_percent for row in funding.contributions] == [Decimal("90.91"), Decimal("9.09")]


def test_a_contribution_before_any_rate_or_without_a_date_has_no_euro_figure():
    dated = ProjectFactory(start_date=datetime.date(2020, 1, 1))
    undated = ProjectFactory(start_date=None, end_date=None)
    ExchangeRateFactory(currency="MKD", valid_from=datetime.date(2024, 1, 1))
    for project in (dated, undated):
        FundingContributionFactory(project=project, amount=Decimal("100"), currency="MKD")
        assert project_funding(project).contributions[0].eur.amount is None


def test_pegged_currencies_convert_whatever_the_date():
    project = ProjectFactory(start_date=None, end_date=None)
    FundingContributionFactory(project=project, amount=Decimal("1955.83"), currency="BAM")
    assert project_funding(project).contributions[0].eur.amount == Decimal("1000.00")


def test_stated_total_is_the_basis_of_shares_when_it_is_in_the_same_currency():
    project = ProjectFactory(total_budget_amount=Decimal("1000"), total_budget_currency="EUR")
    FundingContributionFactory(project=project, amount=Decimal("800"), currency="EUR")
    FundingContributionFactory(project=project, amount=None, currency="")
    funding = project_funding(project)
    assert funding.share_basis == "stated_total"
    assert [row.share_percent for row in funding.contributions] == [Decimal("80.00"), None]
    assert funding.has_unknown_amounts


def test_planned_versus_spent_per_line_and_currency():
    project = ProjectFactory()
    line = BudgetLineFactory(project=project, amount=Decimal("1000"), currency="EUR")
    BudgetLineFactory(project=project, amount=Decimal("500"), currency="EUR")
    BudgetLineFactory(project=project, amount=Decimal("30000"), currency="MKD")
    ExpenditureFactory(budget_line=line, amount=Decimal("333.33"))
    budget = project_budget(project)
    first, second, third = budget.lines
    assert (first.spent, first.remaining, first.spent_percent) == (
        Decimal("333.33"),
        Decimal("666.67"),
        Decimal("33.33"),
    )
    assert second.spent is None and second.remaining is None  # nothing recorded is not zero spent
    assert [(t.currency, t.planned, t.spent) for t in budget.totals] == [
        ("EUR", Decimal("1500.00"), Decimal("333.33")),
        ("MKD", Decimal("30000.00"), None),
    ]
    assert third.line.currency == "MKD"


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (datetime.date(2021, 1, 1), datetime.date(2023, 12, 31), 36),
        (datetime.date(2008, 10, 21), datetime.date(2010, 11, 30), 25),
        (datetime.date(2022, 8, 24), datetime.date(2023, 12, 31), 16),
        (None, datetime.date(2023, 12, 31), None),
    ],
)
def test_duration_in_months(start, end, months):
    assert project_duration_months(Project(start_date=start, end_date=end)) == months


def test_published_duration_wins_over_dates():
    assert project_duration_months(Project(duration_months=12)) == 12
