"""The grants API under /api/v1/: who sees which call, proposal, review and award, the whole workflow
from draft to completed grant, and each refusal answered with the right status and nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from grants.models import Award, Call, ForumTally, MonitoringReport, Proposal, Review, Tranche
from projects.models import Membership
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    EligibilityCriterionFactory,
    ProposalFactory,
    ScoringCriterionFactory,
    TrancheFactory,
)
from tests.projects.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
CALLS = "/api/v1/calls/"
PROPOSALS = "/api/v1/proposals/"
REVIEWS = "/api/v1/reviews/"
AWARDS = "/api/v1/awards/"


def client_for(user=None) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    if user is not None and user.is_authenticated:
        client.force_authenticate(user)
    return client


def post(user, url: str, data=None):
    return client_for(user).post(url, data or {}, format="json")


def listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def messages(response, status: int = 400) -> str:
    assert response.status_code == status, (response.status_code, response.data)
    return str(response.data)


@pytest.fixture
def call(cast):
    """Open now, one eligibility criterion, a rubric of two criteria weighing 50 each."""
    call = CallFactory(project=cast.project)
    EligibilityCriterionFactory(call=call)
    ScoringCriterionFactory(call=call, weight=50)
    ScoringCriterionFactory(call=call, weight=50)
    return call


def balanced_lines() -> list[dict]:
    """1 000 from the grant and 250 of co-financing: the amounts of ``new_proposal``."""
    return [
        {"category": "personnel", "description": "Gardener", "unit": "day", "quantity": "10", "unit_cost": "80.00",
         "financed_by": "grant"},
        {"category": "equipment", "description": "Tools", "unit": "set", "quantity": "2", "unit_cost": "100.00",
         "financed_by": "grant"},
        {"category": "travel", "description": "Van", "unit": "trip", "quantity": "5", "unit_cost": "50.00",
         "financed_by": "cofinancing"},
    ]  # fmt: skip


def new_proposal(call, organisation, **overrides) -> dict:
    return {
        "call": call.pk,
        "organisation": organisation.pk,
        "language": "mk",
        "title": "Community garden",
        "requested_amount": "1000.00",
        "cofinancing_cash": "150.00",
        "cofinancing_in_kind": "100.00",
        "budget_lines": balanced_lines(),
        **overrides,
    }


@pytest.fixture
def draft(cast, call, applicant):
    response = post(cast.ngo_coordinator, PROPOSALS, new_proposal(call, applicant))
    assert response.status_code == 201, response.data
    return Proposal.objects.get(pk=response.data["id"])


@pytest.fixture
def held_session(cast):
    """A held forum session of the project with 20 participants."""
    session = ForumSessionFactory(project=cast.project, municipality=cast.project.target_municipalities.first())
    AttendanceFactory(session=session, participants=20)
    return session


def stored_proposal(proposal: Proposal) -> tuple:
    stored = Proposal.objects.get(pk=proposal.pk)
    lines = [(line.description, line.quantity) for line in stored.budget_lines.all()]
    return (stored.status, stored.submitted_at, stored.title, stored.version, lines)


# --- Scoping ----------------------------------------------------------------------------------------


def test_an_ngo_of_another_organisation_gets_404_on_a_proposal_as_if_it_did_not_exist(cast, draft):
    other_ngo = MembershipFactory(
        project=cast.project, role=Membership.Role.NGO_COORDINATOR, organisation=OrganisationFactory()
    ).user
    before = stored_proposal(draft)

    assert client_for(other_ngo).get(f"{PROPOSALS}{draft.pk}/").status_code == 404
    assert post(other_ngo, f"{PROPOSALS}{draft.pk}/submit/").status_code == 404
    patched = client_for(other_ngo).patch(f"{PROPOSALS}{draft.pk}/", {"title": "Mine", "version": 1}, format="json")
    assert patched.status_code == 404
    assert listed_ids(client_for(other_ngo).get(PROPOSALS)) == set()
    assert stored_proposal(draft) == before


def test_drafts_are_invisible_to_donors_and_coordinators_until_submitted(cast, draft):
    for user in (cast.donor, cast.coordinator, cast.municipal_staff):
        assert listed_ids(client_for(user).get(PROPOSALS)) == set()
        assert client_for(user).get(f"{PROPOSALS}{draft.pk}/").status_code == 404
    assert listed_ids(client_for(cast.ngo_coordinator).get(PROPOSALS)) == {draft.pk}

    post(cast.ngo_coordinator, f"{PROPOSALS}{draft.pk}/submit/")

    assert listed_ids(client_for(cast.donor).get(PROPOSALS)) == {draft.pk}


def test_outsiders_see_nothing_of_a_private_project(cast, call, applicant):
    ProposalFactory(call=call, organisation=applicant, status=Status.SUBMITTED)
    AwardFactory(proposal__call=call, proposal__organisation=applicant)
    for user in (cast.anonymous, cast.outsider, cast.other_coordinator):
        client = client_for(user)
        for url in (CALLS, PROPOSALS, REVIEWS, AWARDS):
            assert listed_ids(client.get(url)) == set(), (user, url)
        assert client.get(f"{CALLS}{call.pk}/").status_code == 404
        assert client.get(f"{CALLS}{call.pk}/figures/").status_code == 404


def test_a_draft_call_is_shown_only_to_coordinators_and_staff(cast):
    draft_call = CallFactory(project=cast.project, draft=True)
    for user in (cast.coordinator, cast.staff):
        assert listed_ids(client_for(user).get(CALLS)) == {draft_call.pk}
    for user in (cast.ngo_coordinator, cast.donor, cast.municipal_staff):
        assert listed_ids(client_for(user).get(CALLS)) == set()


def test_awards_are_shown_to_grantee_and_coordinator_but_not_to_donors(cast, call, applicant):
    award = AwardFactory(proposal__call=call, proposal__organisation=applicant)
    for user in (cast.ngo_coordinator, cast.coordinator, cast.staff):
        assert listed_ids(client_for(user).get(AWARDS)) == {award.pk}
    assert listed_ids(client_for(cast.donor).get(AWARDS)) == set()


def test_listing_proposals_takes_the_same_queries_for_2_or_6(cast, call, django_assert_num_queries):
    for _ in range(2):
        ProposalFactory(call=call, status=Status.SUBMITTED)
    client = client_for(cast.coordinator)
    with CaptureQueriesContext(connection) as two:
        assert len(listed_ids(client.get(PROPOSALS))) == 2
    for _ in range(4):
        ProposalFactory(call=call, status=Status.SUBMITTED)

    with django_assert_num_queries(len(two.captured_queries)):
        assert len(listed_ids(client.get(PROPOSALS))) == 6


# --- The whole workflow through the API -------------------------------------------------------------


def test_the_whole_workflow_from_draft_to_completed_grant(
    cast, call, applicant, held_session, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator, ngo = cast.coordinator, cast.ngo_coordinator

    # The applicant drafts a proposal with its budget lines.
    created = post(ngo, PROPOSALS, new_proposal(call, applicant))
    assert created.status_code == 201, created.data
    proposal_url = f"{PROPOSALS}{created.data['id']}/"
    assert created.data["status"] == Status.DRAFT
    assert created.data["budget"] == {
        "grant": "1000.00",
        "cofinancing": "250.00",
        "total": "1250.00",
        "by_category": {"personnel": "800.00", "equipment": "200.00", "travel": "250.00"},
    }
    assert created.data["problems"] == []
    assert [line["total"] for line in created.data["budget_lines"]] == ["800.00", "200.00", "250.00"]

    # Submitted twice (a double click): 200 both times, one mail.
    with django_capture_on_commit_callbacks(execute=True):
        first = post(ngo, f"{proposal_url}submit/")
        second = post(ngo, f"{proposal_url}submit/")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.data["status"] == second.data["status"] == Status.SUBMITTED
    assert first.data["submitted_at"] == second.data["submitted_at"]
    assert len(mailoutbox) == 1

    # Screening, closing and review.
    [criterion] = call.eligibility_criteria.all()
    screened = post(coordinator, f"{proposal_url}screen/", {"answers": [{"criterion": criterion.pk, "met": True}]})
    assert screened.status_code == 200, screened.data
    assert screened.data["status"] == Status.ELIGIBLE
    assert post(coordinator, f"{CALLS}{call.pk}/close/").data["phase"] == Call.Phase.CLOSED
    started = post(coordinator, f"{CALLS}{call.pk}/start-review/")
    assert started.data["phase"] == Call.Phase.IN_REVIEW
    assert Proposal.objects.get(pk=created.data["id"]).status == Status.IN_REVIEW

    reviewers = [UserFactory(), UserFactory()]
    rubric = list(call.scoring_criteria.all())
    for reviewer, score in zip(reviewers, (8, 6), strict=True):
        assigned = post(coordinator, REVIEWS, {"proposal": created.data["id"], "reviewer": reviewer.pk})
        assert assigned.status_code == 201, assigned.data
        review_url = f"{REVIEWS}{assigned.data['id']}/"
        assert listed_ids(client_for(reviewer).get(REVIEWS)) == {assigned.data["id"]}
        declared = post(reviewer, f"{review_url}declare/", {"has_conflict": False})
        assert declared.status_code == 200, declared.data
        scored = post(
            reviewer,
            f"{review_url}submit/",
            {"scores": [{"criterion": c.pk, "score": score} for c in rubric], "comment": "Solid."},
        )
        assert scored.status_code == 200, scored.data
        assert scored.data["submitted_at"] is not None
    assert len(listed_ids(client_for(coordinator).get(REVIEWS))) == 2

    # Shortlist, tally at a held session, decision.
    shortlisted = post(coordinator, f"{CALLS}{call.pk}/shortlist/", {"proposals": [created.data["id"]]})
    assert shortlisted.data["phase"] == Call.Phase.IN_SELECTION, shortlisted.data
    tallied = post(
        coordinator, f"{CALLS}{call.pk}/tally/", {"session": held_session.pk, "votes": {created.data["id"]: 15}}
    )
    assert tallied.status_code == 200, tallied.data
    assert ForumTally.objects.get().votes == 15
    decided = post(coordinator, f"{CALLS}{call.pk}/decide/", {"session": held_session.pk, "minutes": "Voted."})
    assert decided.status_code == 200, decided.data
    assert decided.data["phase"] == Call.Phase.DECIDED
    assert Proposal.objects.get(pk=created.data["id"]).status == Status.SELECTED

    # Award with two tranches, payment, final report, approval, completion.
    awarded = post(
        coordinator,
        f"{proposal_url}award/",
        {
            "amount": "1000.00",
            "signed_on": "2025-01-10",
            "starts_on": "2025-02-01",
            "ends_on": "2025-12-31",
            "final_report_due_on": "2026-01-31",
            "tranches": [
                {"planned_on": "2025-02-01", "amount": "600.00"},
                {"planned_on": "2025-08-01", "amount": "400.00"},
            ],
        },
    )
    assert awarded.status_code == 201, awarded.data
    award_url = f"{AWARDS}{awarded.data['id']}/"
    assert [t["amount"] for t in awarded.data["tranches"]] == ["600.00", "400.00"]
    first_tranche = awarded.data["tranches"][0]["id"]
    paid = post(
        coordinator,
        f"{award_url}pay-tranche/",
        {"tranche": first_tranche, "paid_on": "2025-02-03", "paid_amount": "600"},
    )
    assert paid.status_code == 200, paid.data
    assert paid.data["tranches"][0]["paid_amount"] == "600.00"
    assert paid.data["proposal_status"] == Status.IN_IMPLEMENTATION

    line = Proposal.objects.get(pk=created.data["id"]).budget_lines.first()
    reported = post(
        ngo,
        f"{award_url}report/",
        {"progress": "Garden built.", "is_final": True, "spending": [{"budget_line": line.pk, "amount": "800.00"}]},
    )
    assert reported.status_code == 200, reported.data
    [report] = reported.data["reports"]
    assert report["spending"] == [{"budget_line": line.pk, "amount": "800.00"}]
    approved = post(coordinator, f"{award_url}review-report/", {"report": report["id"], "approve": True})
    assert approved.data["reports"][0]["status"] == MonitoringReport.Status.APPROVED
    completed = post(coordinator, f"{award_url}complete/")
    assert completed.status_code == 200, completed.data
    assert completed.data["proposal_status"] == Status.COMPLETED

    figures = client_for(coordinator).get(f"{CALLS}{call.pk}/figures/")
    assert figures.status_code == 200
    assert figures.data == {
        "submitted": 1,
        "eligible": 1,
        "shortlisted": 1,
        "selected": 1,
        "requested": "1000.00",
        "awarded": "1000.00",
        "paid": "600.00",
        "average_requested": "1000.00",
        "average_grant": "1000.00",
        "cofinancing_share": "20.00",
        "rates": {"eligible": "100.00", "shortlisted": "100.00", "selected": "100.00"},
        "currency": "EUR",
    }


def test_a_coordinator_creates_and_edits_a_draft_call_with_its_version(cast):
    created = post(
        cast.coordinator,
        CALLS,
        {
            "project": cast.project.pk,
            "title_en": "Small grants",
            "currency": "eur",
            "envelope": "5000.00",
            "max_per_grant": "1000.00",
            "opens_at": "2030-01-01T08:00:00Z",
            "closes_at": "2030-02-01T08:00:00Z",
        },
    )
    assert created.status_code == 201, created.data
    assert (created.data["phase"], created.data["currency"], created.data["version"]) == ("draft", "EUR", 1)

    url = f"{CALLS}{created.data['id']}/"
    edited = client_for(cast.coordinator).patch(url, {"title_en": "Grants", "version": 1}, format="json")
    assert edited.status_code == 200, edited.data
    assert (edited.data["title"], edited.data["version"]) == ("Grants", 2)

    stale = client_for(cast.coordinator).patch(url, {"title_en": "Late", "version": 1}, format="json")
    messages(stale, 409)
    assert Call.objects.get().title_en == "Grants"
    assert "version" in messages(client_for(cast.coordinator).patch(url, {"title_en": "X"}, format="json"))


# --- Refusals: right status, nothing changed --------------------------------------------------------


def test_a_stale_proposal_edit_gets_409_and_changes_nothing(cast, draft):
    url = f"{PROPOSALS}{draft.pk}/"
    first = client_for(cast.ngo_coordinator).patch(url, {"title": "First tab", "version": 1}, format="json")
    assert first.status_code == 200, first.data
    assert first.data["version"] == 2
    before = stored_proposal(draft)

    second = client_for(cast.ngo_coordinator).patch(
        url, {"title": "Second tab", "version": 1, "budget_lines": []}, format="json"
    )

    assert "Someone else changed this" in messages(second, 409)
    assert stored_proposal(draft) == before


def test_editing_replaces_the_budget_lines_and_lists_the_problems(cast, draft):
    url = f"{PROPOSALS}{draft.pk}/"
    edited = client_for(cast.ngo_coordinator).patch(
        url, {"version": 1, "budget_lines": balanced_lines()[:1]}, format="json"
    )
    assert edited.status_code == 200, edited.data
    assert [line["description"] for line in edited.data["budget_lines"]] == ["Gardener"]
    assert len(edited.data["problems"]) == 2  # neither the grant nor the co-financing lines add up

    refused = post(cast.ngo_coordinator, f"{url}submit/")
    assert "The lines financed by the grant add up to" in messages(refused)
    assert Proposal.objects.get(pk=draft.pk).status == Status.DRAFT


def test_donor_writes_are_refused_with_403_and_change_nothing(cast, call, draft):
    post(cast.ngo_coordinator, f"{PROPOSALS}{draft.pk}/submit/")
    before = stored_proposal(draft)

    assert post(cast.donor, f"{CALLS}{call.pk}/close/").status_code == 403
    patched = client_for(cast.donor).patch(f"{PROPOSALS}{draft.pk}/", {"title": "Donor", "version": 1}, format="json")
    assert patched.status_code == 403
    screened = post(cast.donor, f"{PROPOSALS}{draft.pk}/screen/", {"answers": []})
    assert "You do not have permission to do this." in messages(screened, 403)

    assert Call.objects.get(pk=call.pk).phase == Call.Phase.OPEN
    assert stored_proposal(draft) == before


def test_an_anonymous_write_is_refused(call):
    assert post(None, f"{CALLS}{call.pk}/close/").status_code in (401, 403)
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.OPEN


@pytest.fixture
def in_selection(cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.SHORTLISTED)
    Call.objects.filter(pk=call.pk).update(phase=Call.Phase.IN_SELECTION)
    return proposal


def test_a_tally_above_the_attendance_is_refused_and_nothing_is_recorded(cast, call, in_selection, held_session):
    refused = post(
        cast.coordinator, f"{CALLS}{call.pk}/tally/", {"session": held_session.pk, "votes": {in_selection.pk: 21}}
    )

    assert "more than the 20 participants" in messages(refused)
    assert not ForumTally.objects.exists()


def test_a_tally_for_a_proposal_not_shortlisted_is_refused(cast, call, in_selection, held_session):
    other = ProposalFactory(call=call, status=Status.SUBMITTED)
    refused = post(cast.coordinator, f"{CALLS}{call.pk}/tally/", {"session": held_session.pk, "votes": {other.pk: 1}})

    assert "shortlisted proposals" in messages(refused)
    assert not ForumTally.objects.exists()


def test_a_tranche_above_what_is_left_of_the_award_is_refused(cast, call, applicant):
    award = AwardFactory(proposal__call=call, proposal__organisation=applicant)
    TrancheFactory(award=award, amount=Decimal("700.00"))

    refused = post(
        cast.coordinator, f"{AWARDS}{award.pk}/add-tranche/", {"planned_on": "2025-01-01", "amount": "300.01"}
    )

    assert "of the award is left to plan" in messages(refused)
    assert Tranche.objects.filter(award=award).count() == 1


def test_an_award_whose_tranches_exceed_it_is_refused(cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.SELECTED)
    refused = post(
        cast.coordinator,
        f"{PROPOSALS}{proposal.pk}/award/",
        {
            "amount": "1000.00",
            "signed_on": "2025-01-10",
            "starts_on": "2025-02-01",
            "ends_on": "2025-12-31",
            "final_report_due_on": "2026-01-31",
            "tranches": [
                {"planned_on": "2025-02-01", "amount": "600.00"},
                {"planned_on": "2025-08-01", "amount": "401.00"},
            ],
        },
    )

    assert "The tranches add up to more than the award." in messages(refused)
    assert not Award.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SELECTED


def test_a_reviewer_acting_for_the_applicant_cannot_be_assigned(cast, call, applicant):
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.IN_REVIEW)

    refused = post(cast.coordinator, REVIEWS, {"proposal": proposal.pk, "reviewer": cast.ngo_coordinator.pk})

    assert "acts for the applicant" in messages(refused)
    assert not Review.objects.exists()


def test_a_grantee_cannot_pay_its_own_tranche(cast, call, applicant):
    award = AwardFactory(proposal__call=call, proposal__organisation=applicant)
    tranche = TrancheFactory(award=award)

    refused = post(
        cast.ngo_coordinator,
        f"{AWARDS}{award.pk}/pay-tranche/",
        {"tranche": tranche.pk, "paid_on": str(datetime.date(2025, 1, 1)), "paid_amount": "500.00"},
    )

    assert refused.status_code == 403
    assert Tranche.objects.get(pk=tranche.pk).paid_on is None


# --- Schema -----------------------------------------------------------------------------------------


def test_openapi_schema_documents_the_grants_api_and_validates(db):
    response = client_for().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    for path in (
        "/api/v1/calls/{id}/tally/",
        "/api/v1/calls/{id}/figures/",
        "/api/v1/proposals/{id}/award/",
        "/api/v1/reviews/{id}/submit/",
        "/api/v1/awards/{id}/pay-tranche/",
    ):
        assert path in schema["paths"], path
    assert "409" in schema["paths"]["/api/v1/proposals/{id}/"]["patch"]["responses"]
