"""Writes of the grants app: calls and their phases, proposals from draft to submission, withdrawal, screening.

Every refusal is checked against the database afterwards; mails are read from the outbox after the
commit callbacks ran, as Celery runs the notification tasks eagerly in tests.
"""

import contextlib
import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from grants import services
from grants.models import Call, EligibilityCheck, Proposal, ProposalBudgetLine
from projects.models import Membership
from projects.services import StaleEdit
from tests.grants.factories import (
    CallFactory,
    EligibilityCriterionFactory,
    ProposalFactory,
    ScoringCriterionFactory,
    days_from_now,
)
from tests.projects.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
GRANT = ProposalBudgetLine.FinancedBy.GRANT
COFINANCING = ProposalBudgetLine.FinancedBy.COFINANCING
UTC = datetime.UTC


@pytest.fixture
def resen(cast):
    return cast.project.target_municipalities.get(name_en="Resen")


@pytest.fixture
def call(cast):
    """Open now: at most 2 000 EUR a grant, at least 10 % co-financing."""
    return CallFactory(project=cast.project)


def line(category: str, financed_by: str, quantity: str, unit_cost: str) -> ProposalBudgetLine:
    """An unsaved budget line, as the budget formset hands it to the service."""
    return ProposalBudgetLine(
        category=category,
        description=f"{category} ({financed_by})",
        unit="unit",
        quantity=Decimal(quantity),
        unit_cost=Decimal(unit_cost),
        financed_by=financed_by,
    )


def balanced_lines() -> list[ProposalBudgetLine]:
    """1 000 from the grant and 150 + 100 of co-financing: the factory proposal's amounts."""
    return [
        line("personnel", GRANT, "10", "80.00"),
        line("equipment", GRANT, "2", "100.00"),
        line("travel", COFINANCING, "3", "50.00"),
        line("services", COFINANCING, "1", "100.00"),
    ]


def new_draft(call: Call, organisation, **fields) -> Proposal:
    """An unsaved proposal, as the proposal form hands it to the service."""
    return ProposalFactory.build(call=call, organisation=organisation, **fields)


@pytest.fixture
def saved_draft(cast, call, applicant):
    """A draft of the NGO coordinator's organisation whose budget adds up."""
    return services.proposal_save_draft(
        actor=cast.ngo_coordinator, proposal=new_draft(call, applicant), budget_lines=balanced_lines()
    )


def move_deadline(call: Call, *, opens_at: datetime.datetime | None = None, closes_at: datetime.datetime) -> None:
    """Let the server's clock pass the deadline without the call's phase knowing about it."""
    Call.objects.filter(pk=call.pk).update(
        opens_at=opens_at or closes_at - datetime.timedelta(days=30), closes_at=closes_at
    )


def snapshot(proposal: Proposal) -> tuple:
    stored = Proposal.objects.get(pk=proposal.pk)
    lines = [(line.description, line.quantity, line.unit_cost) for line in stored.budget_lines.all()]
    return (stored.status, stored.submitted_at, stored.title, stored.requested_amount, stored.version, lines)


# --- Calls -----------------------------------------------------------------------------------------


def test_coordinator_saves_a_draft_call_with_its_translated_texts_and_money(cast):
    call = CallFactory.build(
        project=cast.project,
        draft=True,
        title_en="Small grants for Resen",
        title_mk="Мали грантови за Ресен",
        description_sq="Grante të vogla",
        currency="MKD",
        envelope=Decimal("600000.00"),
        max_per_grant=Decimal("120000.00"),
        min_cofinancing_percent=Decimal("15.00"),
    )

    services.call_save(actor=cast.coordinator, call=call)

    stored = Call.objects.get()
    assert (stored.title_en, stored.title_mk, stored.description_sq) == (
        "Small grants for Resen",
        "Мали грантови за Ресен",
        "Grante të vogla",
    )
    assert (stored.currency, stored.envelope, stored.max_per_grant, stored.min_cofinancing_percent) == (
        "MKD",
        Decimal("600000.00"),
        Decimal("120000.00"),
        Decimal("15.00"),
    )
    assert (stored.phase, stored.version) == (Call.Phase.DRAFT, 1)


TOMORROW = days_from_now(1)

BAD_CALLS = {
    "no title in any language": ("title_en", {"title_en": ""}),
    "lower-case currency": ("currency", {"currency": "eur"}),
    "made-up currency": ("currency", {"currency": "ABC"}),
    "maximum above the envelope": (
        "max_per_grant",
        {"envelope": Decimal("1000.00"), "max_per_grant": Decimal("1000.01")},
    ),
    "closes when it opens": ("closes_at", {"opens_at": TOMORROW, "closes_at": TOMORROW}),
    "closes before it opens": ("closes_at", {"opens_at": days_from_now(10), "closes_at": days_from_now(5)}),
    "co-financing above 100 %": ("min_cofinancing_percent", {"min_cofinancing_percent": Decimal("100.01")}),
}


@pytest.mark.parametrize("case", BAD_CALLS)
def test_a_bad_call_is_refused_naming_the_field_and_nothing_is_saved(cast, case):
    field, fields = BAD_CALLS[case]
    call = CallFactory.build(project=cast.project, draft=True, **fields)

    with pytest.raises(ValidationError) as refused:
        services.call_save(actor=cast.coordinator, call=call)

    assert field in refused.value.message_dict
    assert not Call.objects.exists()


def test_a_call_whose_weights_add_up_to_100_opens(cast):
    call = CallFactory(project=cast.project, draft=True)
    for weight in (40, 35, 25):
        ScoringCriterionFactory(call=call, weight=weight)

    services.call_open(actor=cast.coordinator, call=call)

    stored = Call.objects.get(pk=call.pk)
    assert stored.phase == Call.Phase.OPEN
    assert stored.accepts_proposals()


@pytest.mark.parametrize(("weights", "total"), [((), 0), ((60, 30), 90), ((60, 50), 110)])
def test_a_call_whose_weights_do_not_add_up_to_100_stays_a_draft(cast, weights, total):
    call = CallFactory(project=cast.project, draft=True)
    for weight in weights:
        ScoringCriterionFactory(call=call, weight=weight)

    with pytest.raises(ValidationError) as refused:
        services.call_open(actor=cast.coordinator, call=call)

    assert refused.value.messages == [
        f"The weights of the scoring criteria add up to {total}; they must add up to 100."
    ]
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.DRAFT


def test_a_call_whose_deadline_has_passed_cannot_be_opened(cast):
    call = CallFactory(project=cast.project, draft=True, opens_at=days_from_now(-10), closes_at=days_from_now(-0.01))
    ScoringCriterionFactory(call=call, weight=100)

    with pytest.raises(ValidationError, match="The deadline has passed"):
        services.call_open(actor=cast.coordinator, call=call)

    assert Call.objects.get(pk=call.pk).phase == Call.Phase.DRAFT


@pytest.mark.parametrize("phase", [Call.Phase.OPEN, Call.Phase.CLOSED])
def test_only_a_draft_call_can_be_opened(cast, phase):
    call = CallFactory(project=cast.project, phase=phase)
    ScoringCriterionFactory(call=call, weight=100)

    with pytest.raises(ValidationError, match="Only a draft call"):
        services.call_open(actor=cast.coordinator, call=call)

    assert Call.objects.get(pk=call.pk).phase == phase


FIXED_ONCE_OPEN = {
    "envelope": lambda call: Decimal("12000.00"),
    "max_per_grant": lambda call: Decimal("1500.00"),
    "min_cofinancing_percent": lambda call: Decimal("5.00"),
    "currency": lambda call: "MKD",
    "opens_at": lambda call: call.opens_at - datetime.timedelta(days=1),
    "closes_at": lambda call: call.closes_at + datetime.timedelta(days=7),
}


@pytest.mark.parametrize("phase", [Call.Phase.OPEN, Call.Phase.CLOSED])
@pytest.mark.parametrize("field", FIXED_ONCE_OPEN)
def test_money_and_deadlines_cannot_change_once_the_call_has_opened(cast, phase, field):
    call = CallFactory(project=cast.project, phase=phase)
    before = Call.objects.filter(pk=call.pk).values().get()
    editing = Call.objects.get(pk=call.pk)
    setattr(editing, field, FIXED_ONCE_OPEN[field](editing))

    with pytest.raises(ValidationError, match="cannot change once it has opened"):
        services.call_save(actor=cast.coordinator, call=editing, expected_version=1)

    assert Call.objects.filter(pk=call.pk).values().get() == before


def test_the_title_of_an_open_call_can_still_be_corrected(cast):
    call = CallFactory(project=cast.project, title_en="Smal grants")
    editing = Call.objects.get(pk=call.pk)
    editing.title_en = "Small grants"

    services.call_save(actor=cast.coordinator, call=editing, expected_version=1)

    stored = Call.objects.get(pk=call.pk)
    assert (stored.title_en, stored.version, stored.phase) == ("Small grants", 2, Call.Phase.OPEN)


def test_the_money_of_a_draft_call_can_still_change(cast):
    call = CallFactory(project=cast.project, draft=True)
    editing = Call.objects.get(pk=call.pk)
    editing.envelope = Decimal("25000.00")
    editing.max_per_grant = Decimal("5000.00")

    services.call_save(actor=cast.coordinator, call=editing, expected_version=1)

    stored = Call.objects.get(pk=call.pk)
    assert (stored.envelope, stored.max_per_grant, stored.version) == (Decimal("25000.00"), Decimal("5000.00"), 2)


def test_saving_a_copy_loaded_before_the_call_opened_keeps_it_open(cast):
    call = CallFactory(project=cast.project, draft=True)
    ScoringCriterionFactory(call=call, weight=100)
    loaded_in_the_form = Call.objects.get(pk=call.pk)
    services.call_open(actor=cast.coordinator, call=Call.objects.get(pk=call.pk))

    loaded_in_the_form.title_en = "Corrected title"
    with contextlib.suppress(ValidationError):
        services.call_save(actor=cast.coordinator, call=loaded_in_the_form, expected_version=1)

    assert Call.objects.get(pk=call.pk).phase == Call.Phase.OPEN


@pytest.mark.parametrize("existing", [False, True], ids=["new call", "existing draft"])
def test_a_call_cannot_be_saved_straight_into_the_open_phase(cast, existing):
    call = CallFactory(project=cast.project, draft=True) if existing else CallFactory.build(project=cast.project)
    call.phase = Call.Phase.OPEN  # and no scoring rubric at all

    with contextlib.suppress(ValidationError):
        services.call_save(actor=cast.coordinator, call=call, expected_version=1 if existing else None)

    assert not Call.objects.filter(phase=Call.Phase.OPEN).exists()


def test_closing_an_open_call_stops_submissions(cast, saved_draft):
    services.call_close(actor=cast.coordinator, call=saved_draft.call)

    with pytest.raises(ValidationError, match="can no longer be submitted"):
        services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    assert Call.objects.get(pk=saved_draft.call_id).phase == Call.Phase.CLOSED
    assert Proposal.objects.get(pk=saved_draft.pk).status == Status.DRAFT


@pytest.mark.parametrize("phase", [Call.Phase.DRAFT, Call.Phase.CLOSED])
def test_only_an_open_call_can_be_closed(cast, phase):
    call = CallFactory(project=cast.project, phase=phase)

    with pytest.raises(ValidationError, match="Only an open call"):
        services.call_close(actor=cast.coordinator, call=call)

    assert Call.objects.get(pk=call.pk).phase == phase


# --- Drafts and budgets ----------------------------------------------------------------------------


def test_an_ngo_coordinator_saves_a_draft_whose_budget_does_not_add_up_yet(cast, call, applicant, resen):
    proposal = new_draft(
        call,
        applicant,
        title="Community garden",
        municipality=resen,
        duration_months=9,
        requested_amount=Decimal("1800.00"),
        cofinancing_cash=Decimal("200.00"),
        cofinancing_in_kind=Decimal("150.00"),
    )

    services.proposal_save_draft(
        actor=cast.ngo_coordinator,
        proposal=proposal,
        budget_lines=[line("personnel", GRANT, "10", "80.00"), line("travel", COFINANCING, "2.5", "40.00")],
    )

    stored = Proposal.objects.get()
    assert (stored.title, stored.organisation, stored.municipality, stored.duration_months) == (
        "Community garden",
        applicant,
        resen,
        9,
    )
    assert (stored.requested_amount, stored.cofinancing_cash, stored.cofinancing_in_kind) == (
        Decimal("1800.00"),
        Decimal("200.00"),
        Decimal("150.00"),
    )
    assert (stored.status, stored.submitted_at, stored.created_by, stored.version) == (
        Status.DRAFT,
        None,
        cast.ngo_coordinator,
        1,
    )
    assert [(line.order, line.category, line.total, line.financed_by) for line in stored.budget_lines.all()] == [
        (0, "personnel", Decimal("800.00"), GRANT),
        (1, "travel", Decimal("100.00"), COFINANCING),
    ]


def test_coming_back_to_a_draft_replaces_its_budget_lines(cast, saved_draft):
    editing = Proposal.objects.get(pk=saved_draft.pk)
    editing.title = "Community garden, second try"
    editing.requested_amount = Decimal("500.00")

    services.proposal_save_draft(
        actor=cast.ngo_coordinator,
        proposal=editing,
        budget_lines=[line("equipment", GRANT, "5", "100.00")],
        expected_version=1,
    )

    stored = Proposal.objects.get(pk=saved_draft.pk)
    assert (stored.title, stored.requested_amount, stored.status, stored.version) == (
        "Community garden, second try",
        Decimal("500.00"),
        Status.DRAFT,
        2,
    )
    assert [(line.category, line.total) for line in stored.budget_lines.all()] == [("equipment", Decimal("500.00"))]
    assert ProposalBudgetLine.objects.count() == 1


def test_coming_back_without_budget_lines_keeps_the_stored_ones(cast, saved_draft):
    editing = Proposal.objects.get(pk=saved_draft.pk)
    editing.summary = "Now with a summary."

    services.proposal_save_draft(actor=cast.ngo_coordinator, proposal=editing, expected_version=1)

    assert Proposal.objects.get(pk=saved_draft.pk).summary == "Now with a summary."
    assert ProposalBudgetLine.objects.filter(proposal=saved_draft).count() == 4


def test_the_second_of_two_tabs_editing_a_draft_gets_stale_edit_and_changes_nothing(cast, saved_draft):
    first_tab = Proposal.objects.get(pk=saved_draft.pk)
    second_tab = Proposal.objects.get(pk=saved_draft.pk)
    first_tab.title = "From the first tab"
    services.proposal_save_draft(actor=cast.ngo_coordinator, proposal=first_tab, expected_version=1)
    second_tab.title = "From the second tab"

    with pytest.raises(StaleEdit):
        services.proposal_save_draft(
            actor=cast.ngo_coordinator,
            proposal=second_tab,
            budget_lines=[line("other", GRANT, "1", "1.00")],
            expected_version=1,
        )

    stored = Proposal.objects.get(pk=saved_draft.pk)
    assert (stored.title, stored.version, stored.budget_lines.count()) == ("From the first tab", 2, 4)


BAD_DRAFTS = {
    "no duration": ("duration_months", {"duration_months": 0}, None),
    "longer than five years": ("duration_months", {"duration_months": 61}, None),
    "negative request": ("requested_amount", {"requested_amount": Decimal("-1.00")}, None),
    "negative cash": ("cofinancing_cash", {"cofinancing_cash": Decimal("-0.01")}, None),
    "negative in kind": ("cofinancing_in_kind", {"cofinancing_in_kind": Decimal("-5.00")}, None),
    "no title": ("title", {"title": ""}, None),
    "unknown language": ("language", {"language": "de"}, None),
    "negative quantity": ("quantity", {}, line("travel", GRANT, "-1", "10.00")),
    "negative unit cost": ("unit_cost", {}, line("travel", GRANT, "1", "-10.00")),
    "unknown category": ("category", {}, line("catering", GRANT, "1", "10.00")),
}


@pytest.mark.parametrize("case", BAD_DRAFTS)
def test_a_bad_draft_or_budget_line_is_refused_naming_the_field_and_nothing_is_saved(cast, call, applicant, case):
    field, fields, bad_line = BAD_DRAFTS[case]
    lines = balanced_lines() + ([bad_line] if bad_line else [])

    with pytest.raises(ValidationError) as refused:
        services.proposal_save_draft(
            actor=cast.ngo_coordinator, proposal=new_draft(call, applicant, **fields), budget_lines=lines
        )

    assert field in refused.value.message_dict
    assert (Proposal.objects.count(), ProposalBudgetLine.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("quantity", "unit_cost", "total"),
    [("2.5", "0.05", "0.13"), ("0.5", "0.01", "0.01"), ("3", "33.33", "99.99"), ("1.5", "0.07", "0.11")],
    ids=["0.125 rounds up", "0.005 rounds up", "exact", "0.105 rounds up"],
)
def test_a_budget_lines_total_is_quantity_times_unit_cost_rounded_half_up(quantity, unit_cost, total):
    assert line("other", GRANT, quantity, unit_cost).total == Decimal(total)


def test_a_budget_that_adds_up_within_the_calls_limits_has_no_problems(call):
    proposal = new_draft(call, None)
    assert services.budget_problems(proposal, balanced_lines()) == []


def test_a_budget_exactly_at_the_maximum_and_the_minimum_share_has_no_problems(cast):
    call = CallFactory(project=cast.project, max_per_grant=Decimal("2000.00"), min_cofinancing_percent=Decimal("20"))
    proposal = new_draft(
        call,
        None,
        requested_amount=Decimal("2000.00"),
        cofinancing_cash=Decimal("300.00"),
        cofinancing_in_kind=Decimal("200.00"),
    )
    lines = [line("personnel", GRANT, "20", "100.00"), line("other", COFINANCING, "1", "500.00")]

    assert services.budget_problems(proposal, lines) == []


BUDGET_PROBLEMS = {
    "grant lines short of the request": (
        {},
        [line("personnel", GRANT, "9", "100.00"), line("travel", COFINANCING, "1", "250.00")],
        "The lines financed by the grant add up to €900.00, not the €1,000.00 requested.",
    ),
    "co-financed lines short of cash plus in kind": (
        {},
        [line("personnel", GRANT, "10", "100.00"), line("travel", COFINANCING, "1", "150.00")],
        "The co-financed lines add up to €150.00, not the €250.00 of co-financing.",
    ),
    "request above the maximum": (
        {"requested_amount": Decimal("2000.01"), "cofinancing_cash": Decimal("400.00"), "cofinancing_in_kind": 0},
        [line("personnel", GRANT, "1", "2000.01"), line("travel", COFINANCING, "1", "400.00")],
        "The requested €2,000.01 is more than the call's maximum of €2,000.00.",
    ),
    "co-financing below the minimum share": (
        {"cofinancing_cash": Decimal("100.00"), "cofinancing_in_kind": Decimal("10.00")},
        [line("personnel", GRANT, "1", "1000.00"), line("travel", COFINANCING, "1", "110.00")],
        "Co-financing is 9.91 % of the total; the call asks for at least 10 %.",
    ),
}


@pytest.mark.parametrize("case", BUDGET_PROBLEMS)
def test_each_budget_rule_broken_alone_is_reported_alone(call, case):
    amounts, lines, problem = BUDGET_PROBLEMS[case]
    proposal = new_draft(call, None, **amounts)
    assert services.budget_problems(proposal, lines) == [problem]


def test_budget_problems_lists_every_problem_at_once(cast):
    call = CallFactory(project=cast.project, max_per_grant=Decimal("1000.00"), min_cofinancing_percent=Decimal("20.00"))
    proposal = new_draft(
        call,
        None,
        requested_amount=Decimal("1500.00"),
        cofinancing_cash=Decimal("100.00"),
        cofinancing_in_kind=Decimal("0.00"),
    )
    lines = [line("personnel", GRANT, "14", "100.00"), line("travel", COFINANCING, "1", "50.00")]

    assert services.budget_problems(proposal, lines) == [
        "The lines financed by the grant add up to €1,400.00, not the €1,500.00 requested.",
        "The co-financed lines add up to €50.00, not the €100.00 of co-financing.",
        "The requested €1,500.00 is more than the call's maximum of €1,000.00.",
        "Co-financing is 6.25 % of the total; the call asks for at least 20 %.",
    ]


def test_in_kind_co_financing_counts_towards_the_co_financed_lines(call):
    proposal = new_draft(call, None, cofinancing_cash=Decimal("0.00"), cofinancing_in_kind=Decimal("250.00"))
    lines = [line("personnel", GRANT, "10", "100.00"), line("services", COFINANCING, "5", "50.00")]
    assert services.budget_problems(proposal, lines) == []


def test_co_financing_just_below_the_minimum_share_is_a_problem_even_when_it_rounds_up_to_it(cast):
    call = CallFactory(project=cast.project, min_cofinancing_percent=Decimal("20"))
    # 199.99 of 1 000.02 is 19.9986 %: 0.014 short of the 20 % (200.004) the call asks for.
    proposal = new_draft(
        call,
        None,
        requested_amount=Decimal("800.03"),
        cofinancing_cash=Decimal("199.99"),
        cofinancing_in_kind=Decimal("0.00"),
    )
    lines = [line("personnel", GRANT, "1", "800.03"), line("travel", COFINANCING, "1", "199.99")]

    assert len(services.budget_problems(proposal, lines)) == 1


@pytest.mark.parametrize(
    "call_fields",
    [
        {"phase": Call.Phase.DRAFT},
        {"phase": Call.Phase.CLOSED},
        {"opens_at": days_from_now(-10), "closes_at": days_from_now(-0.01)},
        {"opens_at": days_from_now(1), "closes_at": days_from_now(30)},
    ],
    ids=["draft call", "closed call", "deadline passed", "not yet open"],
)
def test_no_proposal_can_be_started_in_a_call_not_accepting_proposals(cast, applicant, call_fields):
    call = CallFactory(project=cast.project, **call_fields)

    with pytest.raises(ValidationError, match="not accepting proposals"):
        services.proposal_save_draft(actor=cast.ngo_coordinator, proposal=new_draft(call, applicant))

    assert not Proposal.objects.exists()


def test_a_draft_can_no_longer_be_saved_once_the_deadline_has_passed(cast, saved_draft):
    move_deadline(saved_draft.call, closes_at=timezone.now() - datetime.timedelta(minutes=1))
    before = snapshot(saved_draft)
    editing = Proposal.objects.get(pk=saved_draft.pk)
    editing.title = "Edited after the deadline"

    with pytest.raises(ValidationError):
        services.proposal_save_draft(actor=cast.ngo_coordinator, proposal=editing, expected_version=1)

    assert snapshot(saved_draft) == before


# --- Submission ------------------------------------------------------------------------------------


def test_a_balanced_draft_is_submitted_while_the_call_is_open_and_the_coordinator_is_mailed(
    cast, saved_draft, mailoutbox, django_capture_on_commit_callbacks
):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    stored = Proposal.objects.get(pk=saved_draft.pk)
    assert stored.status == Status.SUBMITTED
    assert before <= stored.submitted_at <= timezone.now()
    [mail] = mailoutbox
    assert mail.to == [cast.coordinator.email]
    assert mail.subject == f"New proposal: {saved_draft.title}"
    assert saved_draft.title in mail.body


def test_a_double_clicked_submit_submits_once_and_sends_one_mail(
    cast, saved_draft, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)
    with django_capture_on_commit_callbacks(execute=True) as second_click:
        second = services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    assert second_click == []
    assert first.submitted_at == second.submitted_at == Proposal.objects.get(pk=saved_draft.pk).submitted_at
    assert Proposal.objects.get(pk=saved_draft.pk).status == Status.SUBMITTED
    assert len(mailoutbox) == 1
    assert LogEntry.objects.get_for_object(saved_draft).filter(action=LogEntry.Action.UPDATE).count() == 1


def test_a_draft_with_budget_problems_is_not_submitted(
    cast, call, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    draft = services.proposal_save_draft(
        actor=cast.ngo_coordinator,
        proposal=new_draft(call, applicant),
        budget_lines=[line("personnel", GRANT, "8", "100.00")],
    )

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        services.proposal_submit(actor=cast.ngo_coordinator, proposal=draft)

    assert len(refused.value.messages) == 2
    assert "add up to €800.00, not the €1,000.00 requested" in refused.value.messages[0]
    assert "not the €250.00 of co-financing" in refused.value.messages[1]
    stored = Proposal.objects.get(pk=draft.pk)
    assert (stored.status, stored.submitted_at) == (Status.DRAFT, None)
    assert mailoutbox == []


def test_a_submit_after_the_deadline_is_refused_on_the_servers_clock_though_the_call_still_says_open(
    cast, saved_draft, mailoutbox, django_capture_on_commit_callbacks
):
    move_deadline(saved_draft.call, closes_at=timezone.now() - datetime.timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    assert Call.objects.get(pk=saved_draft.call_id).phase == Call.Phase.OPEN
    stored = Proposal.objects.get(pk=saved_draft.pk)
    assert (stored.status, stored.submitted_at) == (Status.DRAFT, None)
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("zone", "deadline"),
    [
        ("Europe/Skopje", "March 1, 2024, 11:30 p.m. (Europe/Skopje)"),
        ("Europe/Sofia", "March 2, 2024, 12:30 a.m. (Europe/Sofia)"),
    ],
)
def test_the_refusal_after_the_deadline_names_the_deadline_in_the_calls_time_zone(cast, saved_draft, zone, deadline):
    Call.objects.filter(pk=saved_draft.call_id).update(time_zone=zone)
    move_deadline(
        saved_draft.call,
        opens_at=datetime.datetime(2024, 2, 1, tzinfo=UTC),
        closes_at=datetime.datetime(2024, 3, 1, 22, 30, tzinfo=UTC),
    )

    with pytest.raises(ValidationError) as refused:
        services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    assert refused.value.messages == [f"The call closed on {deadline}; proposals can no longer be submitted."]


def test_a_submitted_proposal_can_no_longer_be_edited_by_its_applicant(cast, saved_draft):
    services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)
    before = snapshot(saved_draft)
    editing = Proposal.objects.get(pk=saved_draft.pk)
    editing.title = "Changed after submission"
    editing.requested_amount = Decimal("1500.00")

    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.proposal_save_draft(
            actor=cast.ngo_coordinator, proposal=editing, budget_lines=[line("other", GRANT, "1", "1500.00")]
        )

    assert snapshot(saved_draft) == before
    assert before[0] == Status.SUBMITTED


def test_the_audit_log_records_who_submitted_a_proposal(cast, saved_draft):
    services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    entry = LogEntry.objects.get_for_object(saved_draft).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == cast.ngo_coordinator
    assert entry.changes_dict["status"] == ["draft", "submitted"]


# --- Withdrawal ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.ELIGIBLE, Status.SHORTLISTED])
def test_the_applicant_withdraws_a_proposal_before_any_decision(cast, call, applicant, status):
    proposal = ProposalFactory(call=call, organisation=applicant, status=status)

    services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=proposal)

    assert Proposal.objects.get(pk=proposal.pk).status == Status.WITHDRAWN


@pytest.mark.parametrize("status", [Status.INELIGIBLE, Status.SELECTED, Status.NOT_SELECTED])
def test_a_decided_proposal_cannot_be_withdrawn(cast, call, applicant, status):
    proposal = ProposalFactory(call=call, organisation=applicant, status=status)

    with pytest.raises(ValidationError, match="can no longer be withdrawn"):
        services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=proposal)

    assert Proposal.objects.get(pk=proposal.pk).status == status


def test_withdrawing_twice_changes_nothing_the_second_time(cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.SUBMITTED)
    services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=proposal)
    before = snapshot(proposal)

    services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=proposal)

    assert snapshot(proposal) == before
    assert before[0] == Status.WITHDRAWN


def test_a_withdrawn_proposal_cannot_be_submitted_again(cast, saved_draft):
    services.proposal_withdraw(actor=cast.ngo_coordinator, proposal=saved_draft)

    with pytest.raises(ValidationError, match="Only a draft can be submitted"):
        services.proposal_submit(actor=cast.ngo_coordinator, proposal=saved_draft)

    assert Proposal.objects.get(pk=saved_draft.pk).status == Status.WITHDRAWN


# --- Screening -------------------------------------------------------------------------------------


@pytest.fixture
def checklist(call):
    registered, works_there, reported = (
        EligibilityCriterionFactory(call=call, text_en=text)
        for text in ("Registered in North Macedonia", "Works in a target municipality", "Filed its annual report")
    )
    return registered, works_there, reported


@pytest.fixture
def submitted(call, applicant):
    """Written in English, so the applicant, who has no preferred language, is mailed in English."""
    return ProposalFactory(
        call=call, organisation=applicant, status=Status.SUBMITTED, title="Community garden", language="en"
    )


def test_a_proposal_meeting_every_criterion_is_eligible_and_its_applicant_is_mailed(
    cast, submitted, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    registered, works_there, reported = checklist
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_screen(
            actor=cast.coordinator,
            proposal=submitted,
            answers={registered: (True, ""), works_there: (True, "Resen, since 2019."), reported: (True, "")},
        )

    stored = Proposal.objects.get(pk=submitted.pk)
    assert (stored.status, stored.decision_reason) == (Status.ELIGIBLE, "")
    checks = {
        check.criterion: (check.is_met, check.reason, check.checked_by) for check in EligibilityCheck.objects.all()
    }
    assert checks == {
        registered: (True, "", cast.coordinator),
        works_there: (True, "Resen, since 2019.", cast.coordinator),
        reported: (True, "", cast.coordinator),
    }
    [mail] = mailoutbox
    assert mail.to == [cast.ngo_coordinator.email]
    assert "The status of your proposal “Community garden” is now: Eligible." in mail.body


def test_an_unmet_criterion_makes_the_proposal_ineligible_with_the_unmet_items_reasons(
    cast, submitted, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    registered, works_there, reported = checklist
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_screen(
            actor=cast.coordinator,
            proposal=submitted,
            answers={
                registered: (True, "Seen the court register."),
                works_there: (False, "Works only in Skopje."),
                reported: (False, "  The 2023 report is missing.  "),
            },
        )

    stored = Proposal.objects.get(pk=submitted.pk)
    assert stored.status == Status.INELIGIBLE
    assert stored.decision_reason == (
        "Works in a target municipality: Works only in Skopje.\nFiled its annual report: The 2023 report is missing."
    )
    assert "Seen the court register" not in stored.decision_reason
    [mail] = mailoutbox
    assert "Works in a target municipality: Works only in Skopje." in mail.body
    assert "Not eligible" in mail.body


def test_the_decision_mail_is_in_the_applicants_preferred_language(
    cast, submitted, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    cast.ngo_coordinator.preferred_language = "sq"
    cast.ngo_coordinator.save()
    registered, works_there, reported = checklist
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_screen(
            actor=cast.coordinator,
            proposal=submitted,
            answers={registered: (True, ""), works_there: (False, "Works only in Skopje."), reported: (True, "")},
        )

    with translation.override("sq"):
        subject = gettext("Your proposal: %(title)s") % {"title": "Community garden"}
        status_line = gettext("The status of your proposal “%(title)s” is now: %(status)s.") % {
            "title": "Community garden",
            "status": pgettext("proposal status", "Not eligible"),
        }
        reason_label = gettext("Reason:")
    [mail] = mailoutbox
    assert mail.subject == subject
    assert status_line in mail.body
    assert reason_label in mail.body
    assert "Works in a target municipality: Works only in Skopje." in mail.body


def test_the_decision_mail_shows_the_title_and_reason_as_written(
    cast, call, applicant, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(
        call=call, organisation=applicant, status=Status.SUBMITTED, title="Roma & Egyptian youth", language="en"
    )
    registered, works_there, reported = checklist
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_screen(
            actor=cast.coordinator,
            proposal=proposal,
            answers={registered: (True, ""), works_there: (True, ""), reported: (False, "The NGO's report is late.")},
        )

    [mail] = mailoutbox
    assert mail.subject == "Your proposal: Roma & Egyptian youth"
    assert "Filed its annual report: The NGO's report is late." in mail.body


def test_the_decision_mail_reaches_only_the_applicants_own_ngo_coordinators(
    cast, submitted, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(project=cast.project, role=Membership.Role.NGO_COORDINATOR, organisation=OrganisationFactory())
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_screen(
            actor=cast.coordinator, proposal=submitted, answers=dict.fromkeys(checklist, (True, ""))
        )

    assert [mail.to for mail in mailoutbox] == [[cast.ngo_coordinator.email]]


def test_screening_must_answer_every_item_of_the_checklist(
    cast, submitted, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    registered, works_there, _reported = checklist

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="Answer every item"):
        services.proposal_screen(
            actor=cast.coordinator, proposal=submitted, answers={registered: (True, ""), works_there: (True, "")}
        )

    assert Proposal.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    assert not EligibilityCheck.objects.exists()
    assert mailoutbox == []


def test_screening_refuses_an_item_of_another_calls_checklist(cast, submitted, checklist):
    elsewhere = EligibilityCriterionFactory(call=CallFactory(project=cast.project))

    with pytest.raises(ValidationError, match="Answer every item"):
        services.proposal_screen(
            actor=cast.coordinator,
            proposal=submitted,
            answers={**dict.fromkeys(checklist, (True, "")), elsewhere: (True, "")},
        )

    assert Proposal.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    assert not EligibilityCheck.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_an_unmet_item_needs_a_reason(cast, submitted, checklist, reason):
    registered, works_there, reported = checklist

    with pytest.raises(ValidationError, match="Give the reason"):
        services.proposal_screen(
            actor=cast.coordinator,
            proposal=submitted,
            answers={registered: (True, ""), works_there: (False, reason), reported: (True, "")},
        )

    stored = Proposal.objects.get(pk=submitted.pk)
    assert (stored.status, stored.decision_reason) == (Status.SUBMITTED, "")
    assert not EligibilityCheck.objects.exists()


def test_a_draft_cannot_be_screened_by_a_coordinator_who_may_not_see_it(cast, call, applicant, checklist):
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.DRAFT)

    with pytest.raises(PermissionDenied):
        services.proposal_screen(
            actor=cast.coordinator, proposal=proposal, answers=dict.fromkeys(checklist, (True, ""))
        )

    assert Proposal.objects.get(pk=proposal.pk).status == Status.DRAFT
    assert not EligibilityCheck.objects.exists()


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.SELECTED])
def test_only_a_submitted_proposal_can_be_screened(cast, call, applicant, checklist, status):
    proposal = ProposalFactory(call=call, organisation=applicant, status=status, submitted_at=timezone.now())

    with pytest.raises(ValidationError, match="Only a submitted proposal"):
        services.proposal_screen(
            actor=cast.coordinator, proposal=proposal, answers=dict.fromkeys(checklist, (True, ""))
        )

    assert Proposal.objects.get(pk=proposal.pk).status == status
    assert not EligibilityCheck.objects.exists()


def test_screening_again_replaces_the_answers_and_the_decision(cast, submitted, checklist):
    registered, works_there, reported = checklist
    services.proposal_screen(
        actor=cast.coordinator,
        proposal=submitted,
        answers={registered: (True, ""), works_there: (False, "No office in Resen."), reported: (True, "")},
    )

    services.proposal_screen(
        actor=cast.staff,
        proposal=submitted,
        answers={registered: (True, ""), works_there: (True, "Office opened in Resen."), reported: (True, "")},
    )

    stored = Proposal.objects.get(pk=submitted.pk)
    assert (stored.status, stored.decision_reason) == (Status.ELIGIBLE, "")
    check = EligibilityCheck.objects.get(criterion=works_there)
    assert (check.is_met, check.reason, check.checked_by) == (True, "Office opened in Resen.", cast.staff)
    assert EligibilityCheck.objects.count() == 3
