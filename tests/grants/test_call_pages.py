"""The coordinator's call pages: creating and editing a call with its checklist and rubric (and the
API doing the same), the call's management page and its phase moves, and screening a proposal."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from grants import services
from grants.models import (
    Call,
    EligibilityCheck,
    EligibilityCriterion,
    Proposal,
    ProposalAttachment,
    ScoringCriterion,
)
from projects.models import Membership
from projects.services import membership_grant
from tests.grants.factories import (
    CallFactory,
    EligibilityCriterionFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    ScoringCriterionFactory,
    days_from_now,
)

pytestmark = pytest.mark.django_db

Status = Proposal.Status
UTC = datetime.UTC


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"grants:{name}", kwargs=kwargs)


def page_of(response) -> str:
    return response.content.decode()


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    """The POST data of a formset: its management form and one dict of fields per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def call_data(checklist=None, rubric=None, initial_checklist: int = 0, initial_rubric: int = 0, **fields) -> dict:
    """What the call form sends for a new EUR call in Sofia's time zone, with a complete rubric."""
    checklist = [{"text_en": "Registered in Resen"}, {"text_mk": "Работи во Ресен"}] if checklist is None else checklist
    rubric = (
        [{"name_en": "Relevance", "weight": "60"}, {"name_en": "Feasibility", "weight": "40"}]
        if rubric is None
        else rubric
    )
    return {
        "title_en": "Small grants 2030",
        "description_en": "For community initiatives.",
        "currency": "eur",
        "envelope": "10000.00",
        "max_per_grant": "2000.00",
        "min_cofinancing_percent": "10",
        "time_zone": "Europe/Sofia",
        "opens_at": "2030-03-01T09:00",
        "closes_at": "2030-04-01T17:00",
        "selection_method": Call.SelectionMethod.COMMITTEE,
        "quorum": "0",
        "votes_per_participant": "1",
        "tie_rule": Call.TieRule.REVIEW_SCORE,
        **formset("eligibilitycriterion", checklist, initial_checklist),
        **formset("scoringcriterion", rubric, initial_rubric),
        **fields,
    }


def stored_call(call: Call) -> tuple:
    row = Call.objects.get(pk=call.pk)
    return (
        row.title_en,
        row.envelope,
        row.closes_at,
        row.phase,
        row.version,
        list(row.eligibility_criteria.values_list("text_en", flat=True)),
        list(row.scoring_criteria.values_list("name_en", "weight")),
    )


@pytest.fixture
def draft(cast):
    """A draft call with a two-item checklist and a complete rubric, its deadline ahead."""
    call = CallFactory(project=cast.project, draft=True, opens_at=days_from_now(1), closes_at=days_from_now(30))
    EligibilityCriterionFactory(call=call, text_en="Registered in Resen", order=0)
    EligibilityCriterionFactory(call=call, text_en="Filed its annual report", order=1)
    ScoringCriterionFactory(call=call, name_en="Relevance", weight=60, order=0)
    ScoringCriterionFactory(call=call, name_en="Feasibility", weight=40, order=1)
    return call


@pytest.fixture
def open_call(cast):
    call = CallFactory(project=cast.project)
    EligibilityCriterionFactory(call=call, text_en="Registered in Resen")
    ScoringCriterionFactory(call=call, name_en="Relevance", weight=100)
    return call


# --- Creating and editing a call ----------------------------------------------------------------------


def test_a_coordinator_creates_a_draft_call_with_its_checklist_and_rubric(client, cast):
    client.force_login(cast.coordinator)

    response = client.post(url("call-create", code=cast.project.code), call_data())

    call = Call.objects.get()
    assert response.status_code == 302 and response.url == url("call", pk=call.pk)
    assert (call.project, call.phase, call.currency, call.title_en) == (
        cast.project,
        Call.Phase.DRAFT,
        "EUR",
        "Small grants 2030",
    )
    # Entered on Sofia's clocks: 09:00 in winter time (UTC+2), 17:00 once summer time began (UTC+3).
    assert call.opens_at == datetime.datetime(2030, 3, 1, 7, 0, tzinfo=UTC)
    assert call.closes_at == datetime.datetime(2030, 4, 1, 14, 0, tzinfo=UTC)
    assert call.time_zone == "Europe/Sofia"
    assert [(c.text_en, c.text_mk, c.order) for c in call.eligibility_criteria.all()] == [
        ("Registered in Resen", None, 0),
        (None, "Работи во Ресен", 1),
    ]
    assert list(call.scoring_criteria.values_list("name_en", "weight", "order")) == [
        ("Relevance", 60, 0),
        ("Feasibility", 40, 1),
    ]


def test_the_edit_form_shows_the_moments_on_the_calls_own_clock(client, cast, draft):
    Call.objects.filter(pk=draft.pk).update(
        time_zone="Europe/Tirane", closes_at=datetime.datetime(2030, 7, 1, 15, 30, tzinfo=UTC)
    )
    client.force_login(cast.coordinator)

    page = page_of(client.get(url("call-edit", pk=draft.pk)))

    assert 'value="2030-07-01T17:30"' in page  # Tirana is UTC+2 in summer
    assert '<option value="Europe/Tirane" selected>' in page


def test_creating_the_same_call_twice_creates_one(client, cast):
    client.force_login(cast.coordinator)

    first = client.post(url("call-create", code=cast.project.code), call_data())
    second = client.post(url("call-create", code=cast.project.code), call_data())

    call = Call.objects.get()
    assert first.url == second.url == url("call", pk=call.pk)
    assert call.scoring_criteria.count() == 2


def test_an_unfinished_rubric_is_saved_with_a_warning_and_the_call_cannot_open(client, cast):
    client.force_login(cast.coordinator)
    rubric = [{"name_en": "Relevance", "weight": "60"}, {"name_en": "Feasibility", "weight": "30"}]

    saved = client.post(url("call-create", code=cast.project.code), call_data(rubric=rubric), follow=True)

    assert "The rubric&#x27;s weights add up to 90; they must add up to 100 before the call opens." in page_of(saved)
    call = Call.objects.get()
    refused = client.post(url("call-open", pk=call.pk), follow=True)
    assert "The weights of the scoring criteria add up to 90; they must add up to 100." in page_of(refused)
    assert Call.objects.get().phase == Call.Phase.DRAFT


def test_a_title_missing_in_every_language_is_refused_and_the_input_is_kept(client, cast):
    client.force_login(cast.coordinator)

    response = client.post(
        url("call-create", code=cast.project.code), call_data(title_en="", description_en="Kept as typed")
    )

    assert response.status_code == 400
    page = page_of(response)
    assert "Give this text in at least one language." in page
    assert "Kept as typed" in page and "Registered in Resen" in page
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"closes_at": "2030-02-01T09:00"}, "The call must close after it opens."),
        ({"max_per_grant": "20000.00"}, "The maximum per grant cannot exceed the envelope."),
        ({"currency": "euro"}, "Ensure this value has at most 3 characters"),
        ({"opens_at": "next monday"}, "Enter a valid date/time."),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
    ],
    ids=["closes before it opens", "maximum above the envelope", "not a currency", "not a moment", "unknown zone"],
)
def test_bad_money_and_deadlines_are_refused_and_nothing_is_created(client, cast, fields, message):
    client.force_login(cast.coordinator)

    response = client.post(url("call-create", code=cast.project.code), call_data(**fields))

    assert response.status_code == 400
    assert message in page_of(response)
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("rubric", "message"),
    [
        ([{"name_en": "Relevance", "weight": "0"}], "Ensure this value is greater than or equal to 1."),
        ([{"name_en": "Relevance", "weight": "101"}], "Ensure this value is less than or equal to 100."),
        ([{"name_en": "", "weight": "100"}], "Give this text in at least one language."),
        ([{"name_en": "Relevance", "weight": ""}], "This field is required."),
    ],
    ids=["weight 0", "weight 101", "criterion without a name", "criterion without a weight"],
)
def test_a_bad_rubric_row_is_refused_and_nothing_is_saved(client, cast, draft, rubric, message):
    client.force_login(cast.coordinator)
    before = stored_call(draft)

    response = client.post(
        url("call-edit", pk=draft.pk), call_data(rubric=rubric, version=str(draft.version), title_en="Changed")
    )

    assert response.status_code == 400
    assert message in page_of(response)
    assert stored_call(draft) == before


def test_editing_a_draft_replaces_its_checklist_and_rubric_in_the_order_given(client, cast, draft):
    client.force_login(cast.coordinator)
    checklist = [
        {"text_en": "Registered in Resen or Bitola"},
        {"text_en": "Filed its annual report", "DELETE": "on"},
        {"text_en": "Has a bank account"},
    ]
    rubric = [
        {"name_en": "Relevance", "weight": "50"},
        {"name_en": "Feasibility", "weight": "30"},
        {"name_en": "Value for money", "weight": "20"},
    ]
    data = call_data(checklist, rubric, initial_checklist=2, initial_rubric=2, version=str(draft.version))

    response = client.post(url("call-edit", pk=draft.pk), data)

    assert response.status_code == 302
    title, _envelope, _closes, phase, version, texts, weights = stored_call(draft)
    assert (title, phase, version) == ("Small grants 2030", Call.Phase.DRAFT, draft.version + 2)
    assert texts == ["Registered in Resen or Bitola", "Has a bank account"]
    assert weights == [("Relevance", 50), ("Feasibility", 30), ("Value for money", 20)]


def test_a_stale_edit_is_refused_with_a_clear_message_and_the_input_is_kept(client, cast, draft):
    client.force_login(cast.coordinator)
    started_from = draft.version
    draft.title_en = "Saved by a colleague"
    services.call_save(actor=cast.coordinator, call=draft, expected_version=started_from)
    before = stored_call(draft)

    response = client.post(url("call-edit", pk=draft.pk), call_data(title_en="My late edit", version=started_from))

    assert response.status_code == 400
    page = page_of(response)
    assert "Someone else changed this while you were editing it." in page
    assert 'value="My late edit"' in page
    assert stored_call(draft) == before


def test_an_open_call_keeps_its_money_deadlines_checklist_and_rubric(client, cast, open_call):
    client.force_login(cast.coordinator)
    page = page_of(client.get(url("call-edit", pk=open_call.pk)))
    assert 'name="envelope"' not in page and "scoringcriterion-TOTAL_FORMS" not in page
    assert "cannot change once it has opened" in page
    before = stored_call(open_call)

    response = client.post(
        url("call-edit", pk=open_call.pk),
        call_data(title_en="Renamed", envelope="1.00", closes_at="2040-01-01T00:00", version=str(open_call.version)),
    )

    assert response.status_code == 302
    title, *rest = stored_call(open_call)
    assert title == "Renamed"
    assert rest[:3] == list(before[1:4])  # envelope, deadline and phase as they were
    assert rest[4:] == list(before[5:])  # the checklist and rubric too


def test_the_criteria_service_refuses_an_open_call(cast, open_call):
    before = stored_call(open_call)

    with pytest.raises(services.ValidationError, match="cannot change once it has opened"):
        services.call_criteria_save(
            actor=cast.coordinator, call=open_call, scoring=[ScoringCriterion(name_en="New", weight=100)]
        )

    assert stored_call(open_call) == before


def test_the_weight_sum_is_checked_live_as_the_coordinator_types(client, cast):
    client.force_login(cast.coordinator)
    rubric = formset("scoringcriterion", [{"name_en": "A", "weight": "60"}, {"name_en": "", "weight": "15"}, {}])

    response = client.post(url("rubric-check", code=cast.project.code), rubric)

    assert response.status_code == 200
    assert "The weights add up to 75 of 100." in page_of(response)
    client.force_login(cast.donor)
    assert client.post(url("rubric-check", code=cast.project.code), rubric).status_code == 403


# --- The call's page and its phases ---------------------------------------------------------------


def test_the_management_page_shows_phase_deadline_funnel_and_which_proposals_to_screen(
    client, cast, open_call, applicant
):
    Call.objects.filter(pk=open_call.pk).update(
        time_zone="Europe/Skopje", closes_at=datetime.datetime(2030, 1, 15, 11, 0, tzinfo=UTC)
    )
    to_screen = ProposalFactory(call=open_call, organisation=applicant, status=Status.SUBMITTED, title="Garden")
    in_review = ProposalFactory(call=open_call, status=Status.IN_REVIEW, title="Library")
    draft_proposal = ProposalFactory(call=open_call, organisation=applicant, title="Unsent playground")
    client.force_login(cast.coordinator)

    page = page_of(client.get(url("call", pk=open_call.pk)))

    assert "Jan. 15, 2030, noon (Europe/Skopje)" in page  # 11:00 UTC is noon in Skopje in winter
    assert url("proposal-screen", pk=to_screen.pk) in page
    assert url("proposal-screen", pk=in_review.pk) not in page and "Library" in page
    assert draft_proposal.title not in page
    assert "€2,000.00" in page  # both submitted proposals' requests
    assert url("call-close", pk=open_call.pk) in page and url("call-open", pk=open_call.pk) not in page


def test_a_coordinator_opens_closes_and_starts_the_review(client, cast, draft):
    eligible = ProposalFactory(call=draft, status=Status.ELIGIBLE)  # as if screened: the factory skips the phases
    client.force_login(cast.coordinator)

    opened = client.post(url("call-open", pk=draft.pk), follow=True)
    assert "The call is open." in page_of(opened)
    client.post(url("call-close", pk=draft.pk))
    started = client.post(url("review-start", pk=draft.pk), follow=True)

    assert "The eligible proposals are in review." in page_of(started)
    assert Call.objects.get(pk=draft.pk).phase == Call.Phase.IN_REVIEW
    assert Proposal.objects.get(pk=eligible.pk).status == Status.IN_REVIEW


def test_opening_twice_opens_once(client, cast, draft):
    client.force_login(cast.coordinator)
    client.post(url("call-open", pk=draft.pk))
    after_first = stored_call(draft)

    second = client.post(url("call-open", pk=draft.pk), follow=True)

    assert "Only a draft call can be opened." in page_of(second)
    assert stored_call(draft) == after_first


def test_a_passed_deadline_refuses_opening(client, cast, draft):
    Call.objects.filter(pk=draft.pk).update(opens_at=days_from_now(-10), closes_at=days_from_now(-1))
    client.force_login(cast.coordinator)
    before = stored_call(draft)

    response = client.post(url("call-open", pk=draft.pk), follow=True)

    assert "The deadline has passed; move it before opening the call." in page_of(response)
    assert stored_call(draft) == before


def test_the_calls_list_offers_a_new_call_and_management_to_coordinators_only(client, cast, open_call):
    client.force_login(cast.coordinator)
    page = page_of(client.get(url("project-calls", code=cast.project.code)))
    assert url("call-create", code=cast.project.code) in page and url("call", pk=open_call.pk) in page
    client.force_login(cast.donor)
    page = page_of(client.get(url("project-calls", code=cast.project.code)))
    assert url("call-create", code=cast.project.code) not in page and url("call", pk=open_call.pk) not in page


# --- Screening ------------------------------------------------------------------------------------


@pytest.fixture
def submitted(cast, open_call, applicant):
    proposal = ProposalFactory(
        call=open_call,
        organisation=applicant,
        status=Status.SUBMITTED,
        language="en",
        title="Community garden",
        problem="No green space near the school.",
    )
    ProposalBudgetLineFactory(proposal=proposal, description="Seeds and tools", unit_cost=Decimal("1000.00"))
    return proposal


def screening(proposal: Proposal, answers: dict, version=None) -> dict:
    """The screening form's data: ``answers`` maps a criterion to (met, reason)."""
    data = {"version": str(proposal.version if version is None else version)}
    for criterion, (met, reason) in answers.items():
        data[f"met_{criterion.pk}"] = "met" if met else "not_met"
        data[f"reason_{criterion.pk}"] = reason
    return data


def test_screening_shows_the_proposal_and_makes_it_eligible(
    client, cast, open_call, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    [criterion] = open_call.eligibility_criteria.all()
    ProposalAttachment.objects.create(
        proposal=submitted,
        file=SimpleUploadedFile("statute.pdf", b"%PDF-1.4"),
        description="Statute of the association",
        content_type="application/pdf",
        size=8,
    )
    client.force_login(cast.coordinator)
    page = page_of(client.get(url("proposal-screen", pk=submitted.pk)))
    assert "No green space near the school." in page and "Seeds and tools" in page and "Registered in Resen" in page
    assert "Statute of the association" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("proposal-screen", pk=submitted.pk), screening(submitted, {criterion: (True, "")}))

    assert response.status_code == 302 and response.url == url("call", pk=open_call.pk)
    assert Proposal.objects.get(pk=submitted.pk).status == Status.ELIGIBLE
    assert len(mailoutbox) == 1


def test_an_unmet_criterion_needs_a_reason_and_nothing_is_saved_without_it(client, cast, open_call, submitted):
    [criterion] = open_call.eligibility_criteria.all()
    client.force_login(cast.coordinator)

    response = client.post(url("proposal-screen", pk=submitted.pk), screening(submitted, {criterion: (False, " ")}))

    assert response.status_code == 400
    assert "Say why this criterion is not met." in page_of(response)
    assert Proposal.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    assert not EligibilityCheck.objects.exists()


def test_an_unanswered_criterion_is_refused(client, cast, open_call, submitted):
    client.force_login(cast.coordinator)

    response = client.post(url("proposal-screen", pk=submitted.pk), {"version": str(submitted.version)})

    assert response.status_code == 400
    assert "Say whether this criterion is met." in page_of(response)
    assert not EligibilityCheck.objects.exists()


def test_rescreening_starts_from_the_earlier_answers(client, cast, open_call, submitted):
    [criterion] = open_call.eligibility_criteria.all()
    services.proposal_screen(
        actor=cast.coordinator, proposal=submitted, answers={criterion: (False, "Registered in Ohrid.")}
    )
    client.force_login(cast.coordinator)

    page = page_of(client.get(url("proposal-screen", pk=submitted.pk)))

    assert re.search(r'value="not_met"[^>]*checked', page)
    assert "Registered in Ohrid." in page


def test_screening_twice_with_the_same_answers_mails_the_applicant_once(
    client, cast, open_call, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    [criterion] = open_call.eligibility_criteria.all()
    data = screening(submitted, {criterion: (False, "Registered in Ohrid.")})
    client.force_login(cast.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("proposal-screen", pk=submitted.pk), data)
        second = client.post(url("proposal-screen", pk=submitted.pk), data)

    assert first.status_code == second.status_code == 302
    assert len(mailoutbox) == 1
    assert EligibilityCheck.objects.get().reason == "Registered in Ohrid."


def test_a_screening_begun_before_a_colleagues_is_refused_as_stale(client, cast, open_call, submitted):
    [criterion] = open_call.eligibility_criteria.all()
    started_from = submitted.version
    services.proposal_screen(actor=cast.coordinator, proposal=submitted, answers={criterion: (True, "")})
    client.force_login(cast.coordinator)

    response = client.post(
        url("proposal-screen", pk=submitted.pk),
        screening(submitted, {criterion: (False, "Not registered.")}, version=started_from),
    )

    assert response.status_code == 400
    assert "Someone else changed this while you were editing it." in page_of(response)
    stored = Proposal.objects.get(pk=submitted.pk)
    assert (stored.status, EligibilityCheck.objects.get().is_met) == (Status.ELIGIBLE, True)


# --- Who may open which page: the matrix ----------------------------------------------------------

LOGIN = "login"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", LOGIN),
        ("outsider", 404),
        ("other_coordinator", 404),
        ("donor", 403),
        ("municipal_staff", 403),
        ("ngo_coordinator", 403),
        ("coordinator", 200),
        ("staff", 200),
    ],
)
def test_who_may_open_the_call_pages(client, cast, open_call, submitted, who, expected):
    user = cast.users()[who]
    if user.is_authenticated:
        client.force_login(user)
    for address in (
        url("call-create", code=cast.project.code),
        url("call-edit", pk=open_call.pk),
        url("call", pk=open_call.pk),
        url("proposal-screen", pk=submitted.pk),
    ):
        response = client.get(address)
        if expected == LOGIN:
            assert response.status_code == 302 and "/accounts/login/" in response.url, address
        else:
            assert response.status_code == expected, address


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", LOGIN),
        ("outsider", 404),
        ("other_coordinator", 404),
        ("donor", 403),
        ("municipal_staff", 403),
        ("ngo_coordinator", 403),
        ("coordinator", 302),
        ("staff", 302),
    ],
)
def test_who_may_change_a_call_or_screen(client, cast, draft, applicant, who, expected):
    submitted = ProposalFactory(call=CallFactory(project=cast.project), organisation=applicant, status=Status.SUBMITTED)
    criterion = EligibilityCriterionFactory(call=submitted.call)
    Call.objects.filter(pk=draft.pk).update(phase=Call.Phase.OPEN)  # visible to readers, who may not act
    draft.refresh_from_db()
    user = cast.users()[who]
    if user.is_authenticated:
        client.force_login(user)
    before = (stored_call(draft), Call.objects.count(), Proposal.objects.get(pk=submitted.pk).status)
    posts = [
        (url("call-create", code=cast.project.code), call_data(title_en="Another call")),
        (url("call-edit", pk=draft.pk), call_data(title_en="Renamed", version=str(draft.version))),
        (url("call-close", pk=draft.pk), {}),
        (url("proposal-screen", pk=submitted.pk), screening(submitted, {criterion: (True, "")})),
    ]
    for address, data in posts:
        response = client.post(address, data)
        if expected == LOGIN:
            assert response.status_code == 302 and "/accounts/login/" in response.url, address
        else:
            assert response.status_code == expected, address
    if expected != 302:
        assert (stored_call(draft), Call.objects.count(), Proposal.objects.get(pk=submitted.pk).status) == before


@pytest.mark.parametrize("who", ["donor", "municipal_staff", "ngo_coordinator"])
def test_a_draft_call_is_not_found_by_those_who_may_not_see_it(client, cast, draft, who):
    client.force_login(cast.users()[who])
    assert client.get(url("call", pk=draft.pk)).status_code == 404
    assert client.post(url("call-open", pk=draft.pk)).status_code == 404
    assert Call.objects.get(pk=draft.pk).phase == Call.Phase.DRAFT


# --- Queries do not grow with the rows ------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 6])
def test_the_management_page_takes_the_same_queries_for_2_or_6_proposals(
    client, cast, open_call, applicant, django_assert_num_queries, count
):
    for _ in range(count):
        ProposalFactory(call=open_call, organisation=applicant, status=Status.SUBMITTED)
    client.force_login(cast.coordinator)
    client.get(url("call", pk=open_call.pk))
    # session, user, call with project, roles, figures, proposals, checklist, rubric
    with django_assert_num_queries(8):
        response = client.get(url("call", pk=open_call.pk))
    assert page_of(response).count('/screen/"') == count


@pytest.mark.parametrize("count", [2, 6])
def test_the_call_form_takes_the_same_queries_for_2_or_6_criteria(
    client, cast, draft, django_assert_num_queries, count
):
    for index in range(count):
        EligibilityCriterionFactory(call=draft, text_en=f"Extra item {index}")
    client.force_login(cast.coordinator)
    client.get(url("call-edit", pk=draft.pk))
    # session, user, call with project, roles, checklist, rubric
    with django_assert_num_queries(6):
        client.get(url("call-edit", pk=draft.pk))


@pytest.mark.parametrize("count", [2, 6])
def test_the_screening_page_takes_the_same_queries_for_2_or_6_items(
    client, cast, open_call, submitted, django_assert_num_queries, count
):
    for index in range(count):
        criterion = EligibilityCriterionFactory(call=open_call, text_en=f"Item {index}")
        EligibilityCheck.objects.create(
            proposal=submitted, criterion=criterion, is_met=True, checked_by=cast.coordinator
        )
    client.force_login(cast.coordinator)
    client.get(url("proposal-screen", pk=submitted.pk))
    # session, user, proposal with call, project and applicant, budget lines, attachments, roles, earlier
    # answers, checklist
    with django_assert_num_queries(8):
        client.get(url("proposal-screen", pk=submitted.pk))


# --- The API: the checklist and rubric are writable while the call is a draft ---------------------


def api_client(user) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def test_the_api_creates_a_call_with_its_checklist_and_rubric(cast):
    response = api_client(cast.coordinator).post(
        "/api/v1/calls/",
        {
            "project": cast.project.pk,
            "title_en": "Small grants",
            "currency": "EUR",
            "envelope": "5000.00",
            "max_per_grant": "1000.00",
            "opens_at": "2030-01-01T08:00:00Z",
            "closes_at": "2030-02-01T08:00:00Z",
            "eligibility_criteria": [{"text_en": "Registered in Resen"}],
            "scoring_criteria": [{"name_mk": "Релевантност", "weight": 70}, {"name_en": "Feasibility", "weight": 30}],
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert [row["text"] for row in response.data["eligibility_criteria"]] == ["Registered in Resen"]
    assert [(row["name_mk"], row["weight"], row["order"]) for row in response.data["scoring_criteria"]] == [
        ("Релевантност", 70, 0),
        (None, 30, 1),
    ]


def test_the_api_replaces_a_drafts_rubric_and_refuses_an_open_calls(cast, draft, open_call):
    client = api_client(cast.coordinator)
    edited = client.patch(
        f"/api/v1/calls/{draft.pk}/",
        {"version": draft.version, "scoring_criteria": [{"name_en": "Everything", "weight": 100}]},
        format="json",
    )
    assert edited.status_code == 200, edited.data
    assert [row["name"] for row in edited.data["scoring_criteria"]] == ["Everything"]
    assert [row["text"] for row in edited.data["eligibility_criteria"]] == [
        "Registered in Resen",
        "Filed its annual report",
    ]  # not sent: kept

    before = stored_call(open_call)
    refused = client.patch(
        f"/api/v1/calls/{open_call.pk}/",
        {"version": open_call.version, "title_en": "Renamed", "scoring_criteria": []},
        format="json",
    )
    assert refused.status_code == 400
    assert "cannot change once it has opened" in str(refused.data)
    assert stored_call(open_call) == before  # the title neither: all or nothing


def test_the_api_refuses_a_criterion_without_text(cast, draft):
    before = stored_call(draft)
    response = api_client(cast.coordinator).patch(
        f"/api/v1/calls/{draft.pk}/", {"version": draft.version, "eligibility_criteria": [{}]}, format="json"
    )
    assert response.status_code == 400
    assert "Give this text in at least one language." in str(response.data)
    assert stored_call(draft) == before


def test_the_api_refuses_criteria_from_a_reader(cast, open_call):
    membership_grant(project=cast.project, user=cast.outsider, role=Membership.Role.DONOR)
    response = api_client(cast.outsider).patch(
        f"/api/v1/calls/{open_call.pk}/", {"version": open_call.version, "scoring_criteria": []}, format="json"
    )
    assert response.status_code == 403
    assert EligibilityCriterion.objects.filter(call=open_call).count() == 1
