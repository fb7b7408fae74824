"""Review pages: the coordinator's review board (reviewers, scores, averages and ranks, assigning a
reviewer, shortlisting) and the reviewer's own pages (the declaration first, then the scores)."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from grants import services
from grants.demo import demo_reviewers_load
from grants.models import Call, Proposal, Review, ReviewScore
from projects.demo import DEMO_PASSWORD
from tests.grants.factories import (
    ApplicantMembershipFactory,
    CallFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    ReviewFactory,
    ScoringCriterionFactory,
)
from tests.projects.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = Proposal.Status
LOGIN = "login"


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"grants:{name}", kwargs=kwargs)


def page_of(response) -> str:
    return response.content.decode()


def assert_answer(response, expected, address=""):
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response.url, address
    else:
        assert response.status_code == expected, address


@pytest.fixture
def call(cast):
    """A call in review whose rubric weighs relevance 60 and feasibility 40."""
    call = CallFactory(project=cast.project, phase=Call.Phase.IN_REVIEW)
    ScoringCriterionFactory(call=call, name_en="Relevance", weight=60)
    ScoringCriterionFactory(call=call, name_en="Feasibility", weight=40)
    return call


@pytest.fixture
def rubric(call):
    return list(call.scoring_criteria.all())


@pytest.fixture
def in_review(call, applicant):
    proposal = ProposalFactory(
        call=call, organisation=applicant, status=Status.IN_REVIEW, title="Community garden", language="en"
    )
    ProposalBudgetLineFactory(proposal=proposal, description="Seeds and tools", unit_cost=Decimal("1000.00"))
    return proposal


def reviewed(proposal: Proposal, scores: list[int], reviewer=None) -> Review:
    """A review declared without conflict and submitted with ``scores`` in the rubric's order."""
    review = ReviewFactory(proposal=proposal, reviewer=reviewer or UserFactory(), submitted=True)
    for criterion, score in zip(proposal.call.scoring_criteria.all(), scores, strict=True):
        ReviewScore.objects.create(review=review, criterion=criterion, score=score)
    return review


def stored_reviews() -> list[tuple]:
    return sorted(
        (review.proposal_id, review.reviewer_id, review.has_conflict, review.submitted_at is not None)
        for review in Review.objects.all()
    )


def stored_statuses(call: Call) -> tuple:
    fresh = Call.objects.get(pk=call.pk)
    return fresh.phase, sorted(fresh.proposals.values_list("pk", "status", "decision_reason"))


# --- The review board -----------------------------------------------------------------------------


def test_the_board_shows_each_review_and_ranks_the_proposals_by_their_average(client, cast, call, in_review):
    reviewed(in_review, [7, 7], UserFactory(full_name="Ana Petrova"))  # 7.00
    reviewed(in_review, [5, 4], UserFactory(full_name="Besa Hoxha"))  # 3.00 + 1.60 = 4.60
    ReviewFactory(proposal=in_review, reviewer=UserFactory(full_name="Dimitar Conflicted"), has_conflict=True)
    ReviewFactory(proposal=in_review, reviewer=UserFactory(full_name="Elena Pending"))
    better = ProposalFactory(call=call, status=Status.IN_REVIEW, title="Reading corner")
    reviewed(better, [10, 10])
    unscored = ProposalFactory(call=call, status=Status.IN_REVIEW, title="Playground")
    client.force_login(cast.coordinator)

    page = page_of(client.get(url("review-board", pk=call.pk)))

    assert "5.80" in page  # the garden's average of 7.00 and 4.60; the conflicted and pending ones do not count
    assert "7.00" in page and "4.60" in page and "10.00" in page
    assert "conflict of interest declared" in page and "conflict of interest not declared yet" in page
    assert page.index("Reading corner") < page.index("Community garden") < page.index("Playground")
    assert "No reviewer yet." in page
    assert f'name="proposals" value="{unscored.pk}"' in page  # every proposal in review may be shortlisted


def test_a_coordinator_assigns_a_project_member_or_an_account_by_email(client, cast, call, in_review):
    expert = UserFactory(email="expert@example.org")
    client.force_login(cast.coordinator)

    by_member = client.post(url("review-assign", pk=call.pk), {"proposal": in_review.pk, "member": cast.donor.pk})
    by_email = client.post(url("review-assign", pk=call.pk), {"proposal": in_review.pk, "email": "EXPERT@example.org"})

    assert by_member.status_code == by_email.status_code == 302
    assert set(in_review.reviews.values_list("reviewer", flat=True)) == {cast.donor.pk, expert.pk}
    assert all(review.assigned_by == cast.coordinator for review in in_review.reviews.all())


def test_assigning_the_same_reviewer_twice_assigns_once(client, cast, call, in_review):
    client.force_login(cast.coordinator)
    data = {"proposal": in_review.pk, "member": cast.donor.pk}

    client.post(url("review-assign", pk=call.pk), data)
    client.post(url("review-assign", pk=call.pk), data)

    assert in_review.reviews.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nobody@example.org"}, "No account has this e-mail address."),
        ({}, "Choose one reviewer: a member of the project or an account&#x27;s e-mail address."),
        ({"member": "DONOR", "email": "expert@example.org"}, "Choose one reviewer"),
        ({"member": "APPLICANT"}, "This person acts for the applicant and cannot review its proposal."),
        ({"email": "not an address"}, "Enter a valid email address."),
    ],
    ids=["unknown e-mail", "nobody chosen", "two chosen", "the applicant's own member", "not an e-mail address"],
)
def test_a_bad_assignment_is_refused_and_assigns_nobody(client, cast, call, in_review, data, message):
    UserFactory(email="expert@example.org")
    members = {"DONOR": cast.donor.pk, "APPLICANT": cast.ngo_coordinator.pk}
    data = {"proposal": in_review.pk, **{key: members.get(value, value) for key, value in data.items()}}
    client.force_login(cast.coordinator)

    response = client.post(url("review-assign", pk=call.pk), data)

    assert response.status_code == 400
    assert message in page_of(response)
    assert not Review.objects.exists()


def test_a_proposal_not_in_review_cannot_be_assigned(client, cast, call, applicant):
    screened_out = ProposalFactory(call=call, organisation=applicant, status=Status.INELIGIBLE)
    client.force_login(cast.coordinator)

    response = client.post(url("review-assign", pk=call.pk), {"proposal": screened_out.pk, "member": cast.donor.pk})

    assert response.status_code == 400
    assert "Select a valid choice." in page_of(response)
    assert not Review.objects.exists()


def test_shortlisting_ends_the_review_and_tells_the_others_why(
    client, cast, call, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    other_applicant = ApplicantMembershipFactory(project=cast.project)
    other = ProposalFactory(
        call=call, organisation=other_applicant.organisation, status=Status.IN_REVIEW, title="Playground"
    )
    client.force_login(cast.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("shortlist", pk=call.pk), {"proposals": [in_review.pk], "reason": "Scored below the others."}
        )

    assert response.status_code == 302 and response.url == url("call", pk=call.pk)
    assert url("selection", pk=call.pk) in page_of(client.get(response.url))
    phase, statuses = stored_statuses(call)
    assert phase == Call.Phase.IN_SELECTION
    assert statuses == sorted(
        [(in_review.pk, Status.SHORTLISTED, ""), (other.pk, Status.NOT_SELECTED, "Scored below the others.")]
    )
    [mail] = mailoutbox  # the proposal left out is told why; the shortlisted one is not decided yet
    assert mail.to == [other_applicant.user.email] and "Scored below the others." in mail.body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "Too late."}, "Choose at least one proposal for the shortlist."),
        ({"proposals": ["GARDEN"], "reason": "  "}, "Say why the other proposals are not shortlisted."),
    ],
    ids=["nothing chosen", "no reason for the others"],
)
def test_a_bad_shortlist_is_refused_and_changes_nothing(client, cast, call, in_review, data, message):
    ProposalFactory(call=call, status=Status.IN_REVIEW, title="Playground")
    data = {key: [in_review.pk] if value == ["GARDEN"] else value for key, value in data.items()}
    before = stored_statuses(call)
    client.force_login(cast.coordinator)

    response = client.post(url("shortlist", pk=call.pk), data)

    assert response.status_code == 400
    assert message in page_of(response)
    assert stored_statuses(call) == before


def test_shortlisting_twice_changes_nothing_the_second_time(client, cast, call, in_review):
    client.force_login(cast.coordinator)
    client.post(url("shortlist", pk=call.pk), {"proposals": [in_review.pk]})
    after_first = stored_statuses(call)

    second = client.post(url("shortlist", pk=call.pk), {"proposals": [in_review.pk]})

    assert second.status_code == 400
    assert stored_statuses(call) == after_first


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
def test_who_may_open_the_review_board_assign_and_shortlist(client, cast, call, in_review, who, expected):
    user = cast.users()[who]
    if user.is_authenticated:
        client.force_login(user)
    assert_answer(client.get(url("review-board", pk=call.pk)), expected)
    before = (stored_statuses(call), stored_reviews())

    assign = client.post(url("review-assign", pk=call.pk), {"proposal": in_review.pk, "member": cast.donor.pk})
    shortlisted = client.post(url("shortlist", pk=call.pk), {"proposals": [in_review.pk]})

    assert_answer(assign, 302 if expected == 200 else expected)
    assert_answer(shortlisted, 302 if expected == 200 else expected)
    if expected != 200:
        assert (stored_statuses(call), stored_reviews()) == before


@pytest.mark.parametrize("count", [2, 6])
def test_the_board_takes_the_same_queries_for_2_or_6_proposals(client, cast, call, django_assert_num_queries, count):
    for _ in range(count):
        proposal = ProposalFactory(call=call, status=Status.IN_REVIEW)
        reviewed(proposal, [6, 8])
        ReviewFactory(proposal=proposal, has_conflict=True)
    client.force_login(cast.coordinator)
    client.get(url("review-board", pk=call.pk))
    # session, user, call with project, roles, proposals, their reviews with reviewers, scores, criteria,
    # the project's members
    with django_assert_num_queries(9):
        response = client.get(url("review-board", pk=call.pk))
    assert page_of(response).count('name="proposals"') == count


# --- The reviewer's pages -------------------------------------------------------------------------


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer.one@example.org", full_name="Reviewer One")


@pytest.fixture
def review(cast, in_review, reviewer):
    return services.review_assign(actor=cast.coordinator, proposal=in_review, reviewer=reviewer)


def stored_review(review: Review) -> tuple:
    row = Review.objects.get(pk=review.pk)
    scores = sorted(row.scores.values_list("criterion__name_en", "score"))
    return row.has_conflict, row.submitted_at, row.comment, scores


def scores_data(rubric, values: list, comment: str = "") -> dict:
    return {**{f"score_{c.pk}": str(v) for c, v in zip(rubric, values, strict=True)}, "comment": comment}


def test_the_reviewer_declares_first_then_scores_beside_the_proposal(client, review, reviewer, rubric):
    client.force_login(reviewer)
    first = page_of(client.get(url("review", pk=review.pk)))
    assert "Do you have a conflict of interest with this proposal?" in first
    assert 'name="score_' not in first and "Seeds and tools" not in first

    declared = client.post(url("review-declare", pk=review.pk), {"has_conflict": "no"}, follow=True)
    page = page_of(declared)
    assert "You may now score the proposal." in page
    assert "Seeds and tools" in page and "Relevance" in page and "60 %" in page

    submitted = client.post(url("review", pk=review.pk), scores_data(rubric, [8, 6], "Clear plan."))

    assert submitted.status_code == 302 and submitted.url == url("my-reviews")
    has_conflict, submitted_at, comment, scores = stored_review(review)
    assert (has_conflict, comment, scores) == (False, "Clear plan.", [("Feasibility", 6), ("Relevance", 8)])
    assert submitted_at is not None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([11, 5], "Ensure this value is less than or equal to 10."),
        ([-1, 5], "Ensure this value is greater than or equal to 0."),
        (["", 5], "This field is required."),
    ],
    ids=["above 10", "below 0", "missing"],
)
def test_scores_out_of_range_are_refused_and_nothing_is_stored(client, review, reviewer, rubric, values, message):
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    client.force_login(reviewer)
    before = stored_review(review)

    response = client.post(url("review", pk=review.pk), scores_data(rubric, values, "Kept comment"))

    assert response.status_code == 400
    assert message in page_of(response) and "Kept comment" in page_of(response)
    assert stored_review(review) == before


def test_a_declared_conflict_shows_a_clear_message_and_no_form(client, review, reviewer, rubric):
    client.force_login(reviewer)
    client.post(url("review-declare", pk=review.pk), {"has_conflict": "yes"})
    before = stored_review(review)

    page = page_of(client.get(url("review", pk=review.pk)))
    refused = client.post(url("review", pk=review.pk), scores_data(rubric, [9, 9]))

    assert "You declared a conflict of interest: you cannot score this proposal." in page
    assert 'name="score_' not in page and "Seeds and tools" not in page
    assert refused.status_code == 400
    assert stored_review(review) == before == (True, None, "", [])


def test_scoring_before_declaring_is_refused(client, review, reviewer, rubric):
    client.force_login(reviewer)

    response = client.post(url("review", pk=review.pk), scores_data(rubric, [9, 9]))

    assert response.status_code == 400
    assert stored_review(review) == (None, None, "", [])


def test_declaring_or_submitting_twice_does_it_once(client, review, reviewer, rubric):
    client.force_login(reviewer)
    client.post(url("review-declare", pk=review.pk), {"has_conflict": "no"})
    declared_at = Review.objects.get(pk=review.pk).declared_at

    again = client.post(url("review-declare", pk=review.pk), {"has_conflict": "no"})
    client.post(url("review", pk=review.pk), scores_data(rubric, [8, 6]))
    client.post(url("review", pk=review.pk), scores_data(rubric, [8, 6]))

    assert again.status_code == 302
    assert Review.objects.get(pk=review.pk).declared_at == declared_at
    assert ReviewScore.objects.filter(review=review).count() == 2


def test_a_missing_declaration_answer_is_refused(client, review, reviewer):
    client.force_login(reviewer)

    response = client.post(url("review-declare", pk=review.pk), {})

    assert response.status_code == 400
    assert "Answer yes or no." in page_of(response)
    assert stored_review(review) == (None, None, "", [])


def test_my_reviews_lists_only_mine_with_where_each_stands(client, cast, call, review, reviewer, in_review):
    other = ProposalFactory(call=call, status=Status.IN_REVIEW, title="Playground")
    done = reviewed(other, [5, 5], reviewer)
    ReviewFactory(proposal=ProposalFactory(call=call, status=Status.IN_REVIEW, title="Not mine"))
    client.force_login(reviewer)

    page = page_of(client.get(url("my-reviews")))

    assert url("review", pk=review.pk) in page and url("review", pk=done.pk) in page
    assert "Not mine" not in page
    assert "Declare whether you have a conflict of interest" in page and "Submitted on" in page


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", LOGIN),
        ("outsider", 404),
        ("other_coordinator", 404),
        ("donor", 404),
        ("ngo_coordinator", 404),
        ("coordinator", 404),
        ("staff", 404),
        ("reviewer", 200),
    ],
)
def test_only_the_reviewer_opens_declares_or_scores_a_review(client, cast, review, reviewer, rubric, who, expected):
    user = reviewer if who == "reviewer" else cast.users()[who]
    if user.is_authenticated:
        client.force_login(user)
    assert_answer(client.get(url("review", pk=review.pk)), expected)
    assert_answer(client.get(url("my-reviews")), LOGIN if expected == LOGIN else 200)
    if who == "reviewer":
        return
    assert_answer(client.post(url("review-declare", pk=review.pk), {"has_conflict": "no"}), expected)
    assert_answer(client.post(url("review", pk=review.pk), scores_data(rubric, [1, 1])), expected)
    assert stored_review(review) == (None, None, "", [])


def test_the_reviewer_posts_declaration_and_scores(client, review, reviewer, rubric):
    client.force_login(reviewer)
    assert client.post(url("review-declare", pk=review.pk), {"has_conflict": "no"}).status_code == 302
    assert client.post(url("review", pk=review.pk), scores_data(rubric, [1, 1])).status_code == 302


@pytest.mark.parametrize("count", [2, 6])
def test_my_reviews_take_the_same_queries_for_2_or_6_reviews(client, call, reviewer, django_assert_num_queries, count):
    for _ in range(count):
        ReviewFactory(proposal=ProposalFactory(call=call, status=Status.IN_REVIEW), reviewer=reviewer)
    client.force_login(reviewer)
    client.get(url("my-reviews"))
    # session, user, reviews with their proposals, calls, projects and applicants
    with django_assert_num_queries(3):
        response = client.get(url("my-reviews"))
    assert page_of(response).count("/reviews/") >= count


@pytest.mark.parametrize("count", [2, 6])
def test_the_review_page_takes_the_same_queries_for_2_or_6_criteria(
    client, review, reviewer, call, django_assert_num_queries, count
):
    for index in range(count):
        ScoringCriterionFactory(call=call, name_en=f"Criterion {index}", weight=1)
    services.review_declare(actor=reviewer, review=review, has_conflict=False)
    client.force_login(reviewer)
    client.get(url("review", pk=review.pk))
    # session, user, review with proposal, call, project and applicant, budget lines, rubric, scores,
    # attachments
    with django_assert_num_queries(7):
        response = client.get(url("review", pk=review.pk))
    assert page_of(response).count('name="score_') == count + 2


def test_the_demo_reviewers_sign_in_with_the_demo_password_and_hold_no_role(db):
    printed = demo_reviewers_load()
    demo_reviewers_load()  # loading twice changes nothing

    for email in ("reviewer.one@example.org", "reviewer.two@example.org"):
        reviewer = get_user_model().objects.get(email=email)
        assert reviewer.check_password(DEMO_PASSWORD)
        assert not reviewer.memberships.exists()
        assert any(email in line for line in printed)
