"""Review of a call's proposals: starting the review, assigning reviewers, conflict declarations,
weighted scores, the average that ranks the proposals, who may see what, and the shortlist.

Every refusal is checked against the database afterwards; mails are read from the outbox after the
commit callbacks ran.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grants import services
from grants.models import Call, Proposal, Review, ReviewScore
from grants.selectors import call_ranking, review_total
from projects.models import Membership
from tests.grants.factories import (
    ApplicantMembershipFactory,
    CallFactory,
    ProposalFactory,
    ScoringCriterionFactory,
    days_from_now,
)
from tests.projects.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status


@pytest.fixture
def call(cast):
    """A call in review whose rubric weighs relevance 60 % and feasibility 40 %."""
    return CallFactory(
        project=cast.project, phase=Call.Phase.IN_REVIEW, opens_at=days_from_now(-30), closes_at=days_from_now(-1)
    )


@pytest.fixture
def rubric(call):
    relevance = ScoringCriterionFactory(call=call, name_en="Relevance", weight=60)
    feasibility = ScoringCriterionFactory(call=call, name_en="Feasibility", weight=40)
    return relevance, feasibility


@pytest.fixture
def in_review(call, applicant):
    """The cast NGO's proposal, written in English so that its applicant is mailed in English."""
    return ProposalFactory(
        call=call, organisation=applicant, status=Status.IN_REVIEW, title="Community garden", language="en"
    )


@pytest.fixture
def reviewer(db):
    """An outside expert with no role in the project."""
    return UserFactory(email="expert@example.org")


@pytest.fixture
def review(cast, in_review, reviewer):
    return services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=reviewer)


def stored_review(review: Review) -> tuple:
    row = Review.objects.get(pk=review.pk)
    scores = sorted(ReviewScore.objects.filter(review=review).values_list("criterion__name_en", "score"))
    return (row.has_conflict, row.declared_at, row.submitted_at, row.comment, scores)


def submitted_review(proposal: Proposal, scores: dict, reviewer=None) -> Review:
    """A reviewer declared no conflict and scored the proposal, through the services."""
    coordinator = Membership.objects.filter(project=proposal.call.project, role=Membership.Role.COORDINATOR).first()
    reviewer = reviewer or UserFactory()
    review = services.review_assign(actor=coordinator.user, proposal=proposal, reviewer=reviewer)
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    return services.review_submit(actor=reviewer, review=review, scores=scores)


# --- Starting the review ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "closes_in_days"),
    [(Call.Phase.CLOSED, 5), (Call.Phase.CLOSED, -1), (Call.Phase.OPEN, -0.01)],
    ids=["closed early", "closed after the deadline", "open but past its deadline"],
)
def test_review_starts_once_the_call_has_closed_and_puts_only_eligible_proposals_in_review(cast, phase, closes_in_days):
    call = CallFactory(project=cast.project, phase=phase, opens_at=days_from_now(-30))
    Call.objects.filter(pk=call.pk).update(closes_at=days_from_now(closes_in_days))
    statuses = [Status.ELIGIBLE, Status.ELIGIBLE, Status.INELIGIBLE, Status.SUBMITTED, Status.WITHDRAWN, Status.DRAFT]
    proposals = [ProposalFactory(call=call, status=status) for status in statuses]
    elsewhere = ProposalFactory(call=CallFactory(project=cast.project, closed=True), status=Status.ELIGIBLE)

    services.review_start(actor=cast.coordinator, call=call)

    assert Call.objects.get(pk=call.pk).phase == Call.Phase.IN_REVIEW
    assert [Proposal.objects.get(pk=p.pk).status for p in proposals] == [
        Status.IN_REVIEW,
        Status.IN_REVIEW,
        Status.INELIGIBLE,
        Status.SUBMITTED,
        Status.WITHDRAWN,
        Status.DRAFT,
    ]
    assert Proposal.objects.get(pk=elsewhere.pk).status == Status.ELIGIBLE


def test_review_cannot_start_while_the_call_is_open_and_before_its_deadline(cast):
    call = CallFactory(project=cast.project)
    eligible = ProposalFactory(call=call, status=Status.ELIGIBLE)

    with pytest.raises(ValidationError, match="still open"):
        services.review_start(actor=cast.coordinator, call=call)

    stored = Call.objects.get(pk=call.pk)
    assert (stored.phase, stored.version) == (Call.Phase.OPEN, 1)
    assert Proposal.objects.get(pk=eligible.pk).status == Status.ELIGIBLE


@pytest.mark.parametrize("phase", [Call.Phase.DRAFT, Call.Phase.IN_REVIEW, Call.Phase.IN_SELECTION, Call.Phase.DECIDED])
def test_review_starts_only_from_an_open_or_closed_call(cast, phase):
    call = CallFactory(project=cast.project, phase=phase, opens_at=days_from_now(-30), closes_at=days_from_now(-1))
    eligible = ProposalFactory(call=call, status=Status.ELIGIBLE)

    with pytest.raises(ValidationError, match="once the call has closed"):
        services.review_start(actor=cast.coordinator, call=call)

    assert Call.objects.get(pk=call.pk).phase == phase
    assert Proposal.objects.get(pk=eligible.pk).status == Status.ELIGIBLE


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator", "outsider"])
def test_only_the_coordinator_starts_the_review(cast, who):
    call = CallFactory(project=cast.project, closed=True)
    eligible = ProposalFactory(call=call, status=Status.ELIGIBLE)

    with pytest.raises(PermissionDenied):
        services.review_start(actor=getattr(cast, who), call=call)

    assert Call.objects.get(pk=call.pk).phase == Call.Phase.CLOSED
    assert Proposal.objects.get(pk=eligible.pk).status == Status.ELIGIBLE


# --- Assigning reviewers ---------------------------------------------------------------------------


def test_the_coordinator_assigns_a_reviewer_who_has_not_declared_yet(cast, in_review, reviewer):
    review = services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=reviewer)

    stored = Review.objects.get()
    assert stored.pk == review.pk
    assert (stored.proposal, stored.reviewer, stored.assigned_by) == (in_review, reviewer, cast.coordinator)
    assert (stored.has_conflict, stored.declared_at, stored.submitted_at) == (None, None, None)


def test_assigning_the_same_reviewer_twice_keeps_one_review(cast, in_review, reviewer):
    first = services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=reviewer)
    second = services.review_assign(actor=cast.staff, proposal=in_review, reviewer=reviewer)

    assert first.pk == second.pk
    assert Review.objects.get().assigned_by == cast.coordinator


@pytest.mark.parametrize(
    "who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator", "outsider", "reviewer"]
)
def test_only_the_coordinator_assigns_reviewers(cast, in_review, reviewer, who):
    actor = reviewer if who == "reviewer" else getattr(cast, who)

    with pytest.raises(PermissionDenied):
        services.review_assign(actor=actor, proposal=in_review, reviewer=reviewer)

    assert not Review.objects.exists()


@pytest.mark.parametrize("status", [Status.ELIGIBLE, Status.SUBMITTED, Status.SHORTLISTED, Status.WITHDRAWN])
def test_only_a_proposal_in_review_gets_a_reviewer(cast, call, applicant, reviewer, status):
    proposal = ProposalFactory(call=call, organisation=applicant, status=status)

    with pytest.raises(ValidationError, match="Only a proposal in review"):
        services.review_assign(actor=cast.coordinator, proposal=proposal, reviewer=reviewer)

    assert not Review.objects.exists()


def test_a_person_acting_for_the_applicant_cannot_review_its_proposal(cast, in_review):
    with pytest.raises(ValidationError, match="acts for the applicant"):
        services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=cast.ngo_coordinator)

    assert not Review.objects.exists()


def test_a_second_ngo_coordinator_of_the_applicant_cannot_review_its_proposal_either(cast, in_review, applicant):
    colleague = MembershipFactory(
        project=cast.project, role=Membership.Role.NGO_COORDINATOR, organisation=applicant
    ).user

    with pytest.raises(ValidationError, match="acts for the applicant"):
        services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=colleague)

    assert not Review.objects.exists()


def test_the_ngo_coordinator_of_another_organisation_may_review(cast, in_review):
    other_ngo = ApplicantMembershipFactory(project=cast.project, organisation=OrganisationFactory()).user

    review = services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=other_ngo)

    assert Review.objects.get().pk == review.pk


# --- Declaring and scoring -------------------------------------------------------------------------


def test_a_reviewer_without_conflict_scores_every_criterion_and_gets_the_weighted_total(review, reviewer, rubric):
    relevance, feasibility = rubric
    services.review_declare(actor=reviewer, review=review, has_conflict=False)

    services.review_submit(
        actor=reviewer, review=review, scores={relevance: 7, feasibility: 5}, comment="  Clear plan.  "
    )

    has_conflict, declared_at, submitted_at, comment, scores = stored_review(review)
    assert (has_conflict, comment, scores) == (False, "Clear plan.", [("Feasibility", 5), ("Relevance", 7)])
    assert declared_at is not None
    assert submitted_at is not None
    # 7 × 60 / 100 + 5 × 40 / 100 = 4.20 + 2.00
    assert review_total(Review.objects.get(pk=review.pk)) == Decimal("6.20")


@pytest.mark.parametrize(
    ("weights", "scores", "total"),
    [
        ((100,), (10,), Decimal("10.00")),
        ((100,), (0,), Decimal("0.00")),
        ((33, 33, 34), (10, 9, 7), Decimal("8.65")),
        ((35, 65), (4, 7), Decimal("5.95")),
    ],
)
def test_the_weighted_total_is_the_sum_of_score_times_weight_over_100(cast, applicant, weights, scores, total):
    call = CallFactory(project=cast.project, phase=Call.Phase.IN_REVIEW)
    criteria = [ScoringCriterionFactory(call=call, weight=weight) for weight in weights]
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.IN_REVIEW)

    review = submitted_review(proposal, dict(zip(criteria, scores, strict=True)))

    assert review_total(review) == total


def test_scoring_before_declaring_is_refused(review, reviewer, rubric):
    relevance, feasibility = rubric

    with pytest.raises(ValidationError, match="Declare first"):
        services.review_submit(actor=reviewer, review=review, scores={relevance: 7, feasibility: 5})

    assert stored_review(review) == (None, None, None, "", [])


def test_a_declared_conflict_forbids_scoring(review, reviewer, rubric):
    relevance, feasibility = rubric
    services.review_declare(actor=reviewer, review=review, has_conflict=True)
    before = stored_review(review)

    with pytest.raises(ValidationError, match="declared a conflict of interest"):
        services.review_submit(actor=reviewer, review=review, scores={relevance: 7, feasibility: 5})

    assert stored_review(review) == before
    assert before[0] is True
    assert before[4] == []


BAD_SCORES = {
    "above ten": (lambda r, f: {r: 11, f: 5}, "from 0 to 10"),
    "negative": (lambda r, f: {r: -1, f: 5}, "from 0 to 10"),
    "a criterion missing": (lambda r, f: {r: 7}, "Score every criterion"),
    "no score at all": (lambda r, f: {}, "Score every criterion"),
    "another call's criterion": (
        lambda r, f: {r: 7, f: 5, ScoringCriterionFactory(weight=100): 5},
        "Score every criterion",
    ),
}


@pytest.mark.parametrize("case", BAD_SCORES)
def test_bad_scores_are_refused_and_nothing_is_stored(review, reviewer, rubric, case):
    make, message = BAD_SCORES[case]
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    before = stored_review(review)

    with pytest.raises(ValidationError, match=message):
        services.review_submit(actor=reviewer, review=review, scores=make(*rubric))

    assert stored_review(review) == before
    assert before[2] is None


@pytest.mark.parametrize("who", ["other reviewer", "coordinator", "staff", "ngo_coordinator"])
def test_nobody_but_the_reviewer_declares_or_scores_their_review(cast, in_review, review, rubric, who):
    relevance, feasibility = rubric
    other_reviewer = UserFactory()
    services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=other_reviewer)
    actor = other_reviewer if who == "other reviewer" else getattr(cast, who)

    with pytest.raises(PermissionDenied):
        services.review_declare(actor=actor, review=review, has_conflict=False)
    assert stored_review(review) == (None, None, None, "", [])

    Review.objects.filter(pk=review.pk).update(has_conflict=False, declared_at=timezone.now())
    before = stored_review(review)
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=actor, review=review, scores={relevance: 1, feasibility: 1})
    assert stored_review(review) == before


def test_the_declaration_cannot_change_once_the_review_is_submitted(review, reviewer, rubric):
    relevance, feasibility = rubric
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    services.review_submit(actor=reviewer, review=review, scores={relevance: 7, feasibility: 5})
    before = stored_review(review)

    with pytest.raises(ValidationError, match="declaration is recorded"):
        services.review_declare(actor=reviewer, review=review, has_conflict=True)

    assert stored_review(review) == before


def test_a_proposal_no_longer_in_review_cannot_be_scored(review, reviewer, rubric, in_review):
    relevance, feasibility = rubric
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    Proposal.objects.filter(pk=in_review.pk).update(status=Status.SHORTLISTED)

    with pytest.raises(ValidationError, match="no longer in review"):
        services.review_submit(actor=reviewer, review=review, scores={relevance: 7, feasibility: 5})

    assert stored_review(review)[2:] == (None, "", [])


# --- The score that ranks --------------------------------------------------------------------------


def test_the_ranking_averages_the_submitted_reviews_without_conflict_only(cast, call, in_review, rubric):
    relevance, feasibility = rubric
    submitted_review(in_review, {relevance: 7, feasibility: 5})  # 6.20
    submitted_review(in_review, {relevance: 9, feasibility: 8})  # 8.60
    conflicted = services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=UserFactory())
    services.review_declare(actor=conflicted.reviewer, review=conflicted, has_conflict=True)
    declared_only = services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=UserFactory())
    services.review_declare(actor=declared_only.reviewer, review=declared_only, has_conflict=False)
    services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=UserFactory())  # never declared
    services.shortlist(actor=cast.coordinator, call=call, proposals=[in_review])

    [row] = call_ranking(Call.objects.get(pk=call.pk))

    assert (row.proposal, row.review_score, row.reviews) == (in_review, Decimal("7.40"), 2)


def test_the_average_of_the_reviews_is_rounded_half_up(cast, applicant):
    call = CallFactory(project=cast.project, phase=Call.Phase.IN_REVIEW, tie_rule=Call.TieRule.REVIEW_SCORE)
    first, second = ScoringCriterionFactory(call=call, weight=35), ScoringCriterionFactory(call=call, weight=65)
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.IN_REVIEW)
    submitted_review(proposal, {first: 7, second: 5})  # 2.45 + 3.25 = 5.70
    submitted_review(proposal, {first: 4, second: 7})  # 1.40 + 4.55 = 5.95
    services.shortlist(actor=cast.coordinator, call=call, proposals=[proposal])

    [row] = call_ranking(Call.objects.get(pk=call.pk))

    # 11.65 / 2 = 5.825: half up gives 5.83 where banker's rounding would give 5.82.
    assert row.review_score == Decimal("5.83")


def test_a_proposal_whose_only_reviewer_declared_a_conflict_has_no_review_score(cast, call, in_review, rubric):
    conflicted = services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=UserFactory())
    services.review_declare(actor=conflicted.reviewer, review=conflicted, has_conflict=True)
    services.shortlist(actor=cast.coordinator, call=call, proposals=[in_review])

    [row] = call_ranking(Call.objects.get(pk=call.pk))

    assert (row.review_score, row.reviews) == (None, 0)


# --- Who sees the proposal under review ------------------------------------------------------------


def test_an_assigned_reviewer_may_view_the_proposal(review, reviewer, in_review):
    assert reviewer.has_perm("grants.view_proposal", in_review)


def test_an_assigned_reviewer_finds_the_proposal_in_the_list_they_may_see(review, reviewer, in_review):
    assert list(Proposal.objects.visible_to(reviewer)) == [in_review]


def test_an_assigned_reviewer_may_not_view_the_other_proposals(cast, call, review, reviewer):
    same_call = ProposalFactory(call=call, status=Status.IN_REVIEW)
    draft = ProposalFactory(call=call)
    elsewhere = ProposalFactory(call=CallFactory(project=cast.other_project), status=Status.IN_REVIEW)

    for other in (same_call, draft, elsewhere):
        assert not reviewer.has_perm("grants.view_proposal", other)
    assert not set(Proposal.objects.visible_to(reviewer)) & {same_call, draft, elsewhere}


# --- Who may declare and score: the matrix ---------------------------------------------------------


def everyone(cast, reviewer) -> dict[str, object]:
    return {**cast.users(), "reviewer": reviewer}


@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        "outsider",
        "coordinator",
        "municipal_staff",
        "ngo_coordinator",
        "donor",
        "other_coordinator",
        "staff",
        "reviewer",
    ],
)
def test_only_the_assigned_reviewer_may_review(cast, review, reviewer, who):
    user = everyone(cast, reviewer)[who]

    assert user.has_perm("grants.review", review) is (who == "reviewer")


# --- Shortlist -------------------------------------------------------------------------------------


@pytest.fixture
def three_in_review(call):
    """Three proposals in review, each of an NGO with its own coordinator to mail."""
    return [
        ProposalFactory(
            call=call,
            organisation=ApplicantMembershipFactory(project=call.project).organisation,
            status=Status.IN_REVIEW,
            title=title,
            language="en",
        )
        for title in ("Garden", "Library", "Playground")
    ]


def test_the_shortlist_moves_the_call_to_selection_and_turns_down_the_others_with_a_mail(
    cast, call, three_in_review, mailoutbox, django_capture_on_commit_callbacks
):
    garden, library, playground = three_in_review
    eligible_elsewhere = ProposalFactory(call=CallFactory(project=cast.project), status=Status.ELIGIBLE)

    with django_capture_on_commit_callbacks(execute=True):
        services.shortlist(
            actor=cast.coordinator,
            call=call,
            proposals=[garden, library],
            reason="  Scored below 6 on average.  ",
        )

    stored = {p.title: (p.status, p.decision_reason) for p in Proposal.objects.filter(call=call)}
    assert stored == {
        "Garden": (Status.SHORTLISTED, ""),
        "Library": (Status.SHORTLISTED, ""),
        "Playground": (Status.NOT_SELECTED, "Scored below 6 on average."),
    }
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.IN_SELECTION
    assert Proposal.objects.get(pk=eligible_elsewhere.pk).status == Status.ELIGIBLE
    [mail] = mailoutbox
    applicant = Membership.objects.get(organisation=playground.organisation, role=Membership.Role.NGO_COORDINATOR)
    assert mail.to == [applicant.user.email]
    assert "The status of your proposal “Playground” is now: Not selected." in mail.body
    assert "Scored below 6 on average." in mail.body


def test_a_proposal_left_off_the_shortlist_without_a_reason_gets_the_default_one(cast, call, three_in_review):
    garden, _library, playground = three_in_review

    services.shortlist(actor=cast.coordinator, call=call, proposals=[garden])

    assert Proposal.objects.get(pk=playground.pk).decision_reason == "Not shortlisted after the review."


CHOICES = {
    "nothing": lambda call, proposals: [],
    "an eligible proposal not in review": lambda call, proposals: [
        proposals[0],
        ProposalFactory(call=call, status=Status.ELIGIBLE),
    ],
    "another call's proposal": lambda call, proposals: [
        proposals[0],
        ProposalFactory(call=CallFactory(project=call.project), status=Status.IN_REVIEW),
    ],
}


@pytest.mark.parametrize("choice", CHOICES)
def test_the_shortlist_is_chosen_among_the_calls_proposals_in_review(
    cast, call, three_in_review, choice, mailoutbox, django_capture_on_commit_callbacks
):
    chosen = CHOICES[choice](call, three_in_review)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="Choose the shortlist"):
        services.shortlist(actor=cast.coordinator, call=call, proposals=chosen)

    assert {Proposal.objects.get(pk=p.pk).status for p in three_in_review} == {Status.IN_REVIEW}
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.IN_REVIEW
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "other_coordinator"])
def test_only_the_coordinator_shortlists(cast, call, three_in_review, who):
    with pytest.raises(PermissionDenied):
        services.shortlist(actor=getattr(cast, who), call=call, proposals=three_in_review[:1])

    assert {Proposal.objects.get(pk=p.pk).status for p in three_in_review} == {Status.IN_REVIEW}
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.IN_REVIEW


def test_a_call_is_shortlisted_only_at_the_end_of_its_review(cast, three_in_review, call):
    Call.objects.filter(pk=call.pk).update(phase=Call.Phase.CLOSED)

    with pytest.raises(ValidationError, match="end of the review"):
        services.shortlist(actor=cast.coordinator, call=call, proposals=three_in_review[:1])

    assert {Proposal.objects.get(pk=p.pk).status for p in three_in_review} == {Status.IN_REVIEW}


def test_the_whole_review_from_closing_to_shortlist(cast, applicant, reviewer):
    call = CallFactory(project=cast.project, closed=True)
    relevance = ScoringCriterionFactory(call=call, weight=60)
    feasibility = ScoringCriterionFactory(call=call, weight=40)
    proposal = ProposalFactory(call=call, organisation=applicant, status=Status.ELIGIBLE)

    services.review_start(actor=cast.coordinator, call=call)
    review = services.review_assign(
        actor=cast.coordinator, proposal=Proposal.objects.get(pk=proposal.pk), reviewer=reviewer
    )
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    services.review_submit(actor=reviewer, review=review, scores={relevance: 7, feasibility: 5})
    services.shortlist(actor=cast.coordinator, call=call, proposals=[proposal])

    [row] = call_ranking(Call.objects.get(pk=call.pk))
    assert (row.proposal.status, row.review_score, row.reviews) == (Status.SHORTLISTED, Decimal("6.20"), 1)
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.IN_SELECTION
