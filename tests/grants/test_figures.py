"""Figures of the grants app: each call's funnel and money, a project's calls per currency, a
proposal's budget table; with exact query counts so that an N+1 fails."""

from decimal import Decimal

import pytest

from grants import services
from grants.models import Call, Proposal, ProposalBudgetLine
from grants.selectors import CurrencyFigures, calls_figures, project_grant_figures, proposal_budget
from projects.models import Membership
from tests.grants.factories import CallFactory, ProposalBudgetLineFactory, ProposalFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
GRANT = ProposalBudgetLine.FinancedBy.GRANT
COFINANCING = ProposalBudgetLine.FinancedBy.COFINANCING


def proposal(call: Call, status: str, requested: str, cash: str = "0.00", in_kind: str = "0.00") -> Proposal:
    return ProposalFactory(
        call=call,
        status=status,
        requested_amount=Decimal(requested),
        cofinancing_cash=Decimal(cash),
        cofinancing_in_kind=Decimal(in_kind),
    )


def figures_of(call: Call):
    [figures] = calls_figures(Call.objects.filter(pk=call.pk))
    return figures


# --- One call's funnel and money -------------------------------------------------------------------


@pytest.fixture
def funnel(cast):
    """Six proposals past submission, each further down the funnel, and a large draft."""
    call = CallFactory(project=cast.project)
    proposal(call, Status.DRAFT, "1900.00", cash="500.00", in_kind="500.00")
    proposal(call, Status.SUBMITTED, "1000.00", cash="100.00", in_kind="50.00")
    proposal(call, Status.INELIGIBLE, "1000.00", cash="100.00")
    proposal(call, Status.ELIGIBLE, "1000.00", cash="100.00")
    proposal(call, Status.SHORTLISTED, "1000.00", cash="100.00")
    proposal(call, Status.NOT_SELECTED, "1000.00", cash="100.00")
    proposal(call, Status.SELECTED, "1000.03", cash="149.97")
    # Another call's proposals stay out of this call's figures.
    proposal(CallFactory(project=cast.project), Status.SELECTED, "1500.00", cash="300.00")
    return call


def test_the_funnel_counts_each_proposal_at_every_step_it_passed_and_never_a_draft(funnel):
    figures = figures_of(funnel)
    assert (figures.submitted, figures.eligible, figures.shortlisted, figures.selected) == (6, 4, 3, 1)


def test_the_funnel_rates_are_shares_of_the_submitted_proposals_rounded_half_up(funnel):
    figures = figures_of(funnel)
    assert (figures.eligible_rate, figures.shortlisted_rate, figures.selected_rate) == (
        Decimal("66.67"),
        Decimal("50.00"),
        Decimal("16.67"),
    )


def test_the_money_of_a_call_adds_up_its_submitted_proposals_only(funnel):
    figures = figures_of(funnel)
    # 5 × 1 000 + 1 000.03 requested; 5 × 100 + 149.97 in cash and 50 in kind. The draft's 1 900 is left out.
    assert (figures.requested, figures.cofinancing, figures.currency) == (
        Decimal("6000.03"),
        Decimal("699.97"),
        "EUR",
    )


def test_the_average_request_is_rounded_half_up(funnel):
    # 6 000.03 / 6 = 1 000.005: half up gives 1 000.01 where banker's rounding would give 1 000.00.
    assert figures_of(funnel).average_requested == Decimal("1000.01")


def test_the_co_financing_share_is_of_the_submitted_proposals_total_budget(funnel):
    # 699.97 of 6 700.00 is 10.4473… %.
    assert figures_of(funnel).cofinancing_share == Decimal("10.45")


@pytest.mark.parametrize("status", [Status.SELECTED, Status.CONTRACTED, Status.COMPLETED])
def test_a_selected_proposal_also_counts_as_submitted_eligible_and_shortlisted(cast, status):
    call = CallFactory(project=cast.project)
    proposal(call, status, "1000.00")
    figures = figures_of(call)
    assert (figures.submitted, figures.eligible, figures.shortlisted, figures.selected) == (1, 1, 1, 1)


def test_an_ineligible_proposal_counts_as_submitted_only(cast):
    call = CallFactory(project=cast.project)
    proposal(call, Status.INELIGIBLE, "1000.00")
    figures = figures_of(call)
    assert (figures.submitted, figures.eligible, figures.shortlisted, figures.selected) == (1, 0, 0, 0)
    assert (figures.eligible_rate, figures.selected_rate) == (Decimal("0.00"), Decimal("0.00"))


def test_a_call_with_drafts_only_has_no_figures_to_divide(cast):
    call = CallFactory(project=cast.project)
    proposal(call, Status.DRAFT, "1000.00", cash="250.00")
    figures = figures_of(call)
    assert (figures.submitted, figures.requested, figures.cofinancing) == (0, Decimal(0), Decimal(0))
    assert (figures.average_requested, figures.cofinancing_share, figures.eligible_rate) == (None, None, None)


def test_a_draft_withdrawn_before_submission_never_counts_as_submitted(cast):
    call = CallFactory(project=cast.project)
    organisation = Membership.objects.get(user=cast.ngo_coordinator).organisation
    draft = ProposalFactory(call=call, organisation=organisation, requested_amount=Decimal("1800.00"))

    services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=draft)

    figures = figures_of(call)
    assert (figures.submitted, figures.requested) == (0, Decimal(0))


@pytest.mark.parametrize("calls", [2, 6])
def test_calls_figures_take_one_query_whatever_the_number_of_calls(cast, django_assert_num_queries, calls):
    for _n in range(calls):
        call = CallFactory(project=cast.project)
        for status in (Status.DRAFT, Status.SUBMITTED, Status.ELIGIBLE, Status.SELECTED):
            proposal(call, status, "1000.00", cash="150.00", in_kind="100.00")

    with django_assert_num_queries(1):
        rows = [
            (
                figures.currency,
                figures.submitted,
                figures.eligible,
                figures.shortlisted,
                figures.selected,
                figures.requested,
                figures.cofinancing,
                figures.average_requested,
                figures.cofinancing_share,
                figures.eligible_rate,
                figures.shortlisted_rate,
                figures.selected_rate,
            )
            for figures in calls_figures(Call.objects.filter(project=cast.project))
        ]

    expected = (
        "EUR",
        3,
        2,
        1,
        1,
        Decimal("3000.00"),
        Decimal("750.00"),
        Decimal("1000.00"),
        Decimal("20.00"),
        Decimal("66.67"),
        Decimal("33.33"),
        Decimal("33.33"),
    )
    assert rows == [expected] * calls


# --- A project's calls, per currency ---------------------------------------------------------------


def test_project_figures_never_add_two_currencies(cast):
    euros = CallFactory(project=cast.project, currency="EUR")
    denars = CallFactory(
        project=cast.project,
        currency="MKD",
        envelope=Decimal("600000.00"),
        max_per_grant=Decimal("120000.00"),
    )
    proposal(euros, Status.SUBMITTED, "1000.00")
    proposal(denars, Status.SELECTED, "61500.00")

    assert project_grant_figures(cast.project) == [
        CurrencyFigures(
            currency="EUR",
            calls=1,
            submitted=1,
            selected=0,
            requested=Decimal("1000.00"),
            awarded=Decimal(0),
            paid=Decimal(0),
        ),
        CurrencyFigures(
            currency="MKD",
            calls=1,
            submitted=1,
            selected=1,
            requested=Decimal("61500.00"),
            awarded=Decimal(0),
            paid=Decimal(0),
        ),
    ]


def test_project_figures_add_up_the_calls_of_one_currency_and_leave_drafts_and_other_projects_out(
    cast, django_assert_num_queries
):
    first, second = CallFactory(project=cast.project), CallFactory(project=cast.project)
    denars = CallFactory(
        project=cast.project,
        currency="MKD",
        envelope=Decimal("600000.00"),
        max_per_grant=Decimal("120000.00"),
    )
    proposal(first, Status.SUBMITTED, "1000.00")
    proposal(first, Status.SELECTED, "1500.00")
    proposal(first, Status.DRAFT, "1999.00")
    proposal(second, Status.ELIGIBLE, "700.50")
    proposal(denars, Status.SELECTED, "60000.00")
    proposal(denars, Status.NOT_SELECTED, "45000.50")
    proposal(CallFactory(project=cast.other_project), Status.SELECTED, "2000.00")

    with django_assert_num_queries(1):
        rows = project_grant_figures(cast.project)

    assert rows == [
        CurrencyFigures(
            currency="EUR",
            calls=2,
            submitted=3,
            selected=1,
            requested=Decimal("3200.50"),
            awarded=Decimal(0),
            paid=Decimal(0),
        ),
        CurrencyFigures(
            currency="MKD",
            calls=1,
            submitted=2,
            selected=1,
            requested=Decimal("105000.50"),
            awarded=Decimal(0),
            paid=Decimal(0),
        ),
    ]


# --- A proposal's budget table ---------------------------------------------------------------------


@pytest.fixture
def budgeted(cast):
    budgeted = ProposalFactory(call=CallFactory(project=cast.project))
    for category, financed_by, quantity, unit_cost in [
        ("personnel", GRANT, "10", "80.00"),
        ("personnel", COFINANCING, "2", "50.00"),
        ("travel", GRANT, "2.5", "0.05"),  # 0.125 → 0.13
        ("travel", GRANT, "1.5", "0.07"),  # 0.105 → 0.11
        ("equipment", COFINANCING, "1", "150.00"),
    ]:
        ProposalBudgetLineFactory(
            proposal=budgeted,
            category=category,
            financed_by=financed_by,
            quantity=Decimal(quantity),
            unit_cost=Decimal(unit_cost),
        )
    return budgeted


def test_the_budget_table_totals_per_category_and_per_source_of_money(budgeted, django_assert_num_queries):
    with django_assert_num_queries(1):
        budget = proposal_budget(budgeted)

    assert budget.by_category == {
        "personnel": Decimal("900.00"),
        "travel": Decimal("0.24"),
        "equipment": Decimal("150.00"),
    }
    assert (budget.grant, budget.cofinancing, budget.total) == (
        Decimal("800.24"),
        Decimal("250.00"),
        Decimal("1050.24"),
    )
    assert [line.total for line in budget.lines] == [
        Decimal("800.00"),
        Decimal("100.00"),
        Decimal("0.13"),
        Decimal("0.11"),
        Decimal("150.00"),
    ]


def test_the_budget_table_of_unsaved_lines_needs_no_query(budgeted, django_assert_num_queries):
    lines = list(budgeted.budget_lines.all())[:2]
    with django_assert_num_queries(0):
        budget = proposal_budget(budgeted, lines)
    assert (budget.by_category, budget.grant, budget.cofinancing) == (
        {"personnel": Decimal("900.00")},
        Decimal("800.00"),
        Decimal("100.00"),
    )


def test_an_empty_budget_totals_zero(cast):
    budget = proposal_budget(ProposalFactory(call=CallFactory(project=cast.project)))
    assert (budget.lines, budget.by_category, budget.total) == ([], {}, Decimal(0))
