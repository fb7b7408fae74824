"""Selection of a call's winners: the paper tally of a forum session checked against its attendance
and the call's quorum, winners taken by rank until the envelope is used, tie rules, the coordinator's
overrides, the selection kept with its session, and the ranking's query count.

Every refusal is checked against the database afterwards; mails are read from the outbox after the
commit callbacks ran.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forums.models import ForumSession
from grants import services
from grants.models import Call, ForumTally, Proposal, Selection
from grants.selectors import call_ranking
from projects.models import Membership
from tests.forums.factories import ForumSessionFactory
from tests.grants.factories import (
    CallFactory,
    ForumTallyFactory,
    ProposalFactory,
    ReviewFactory,
    ReviewScoreFactory,
    ScoringCriterionFactory,
    days_from_now,
    held_session,
    shortlisted,
)

pytestmark = pytest.mark.django_db

Status = Proposal.Status


@pytest.fixture
def call(cast):
    """In selection by a forum vote: an envelope of 2 500 EUR, three votes each, a quorum of 10."""
    return CallFactory(
        project=cast.project,
        phase=Call.Phase.IN_SELECTION,
        opens_at=days_from_now(-60),
        closes_at=days_from_now(-30),
        envelope=Decimal("2500.00"),
        max_per_grant=Decimal("2000.00"),
        quorum=10,
        votes_per_participant=3,
    )


@pytest.fixture
def session(cast):
    """A held forum session of the project with 20 participants."""
    return held_session(cast.project)


@pytest.fixture
def garden(call):
    return shortlisted(call, "Garden")


@pytest.fixture
def library(call):
    return shortlisted(call, "Library")


def tallies() -> dict[str, tuple[int, object]]:
    return {tally.proposal.title: (tally.votes, tally.session_id) for tally in ForumTally.objects.all()}


def outcome(call: Call) -> dict[str, tuple[str, str]]:
    return {p.title: (p.status, p.decision_reason) for p in Proposal.objects.filter(call=call)}


def nothing_decided(call: Call) -> bool:
    stored = Call.objects.get(pk=call.pk)
    statuses = set(Proposal.objects.filter(call=call).values_list("status", flat=True))
    return (
        stored.phase == Call.Phase.IN_SELECTION and statuses == {Status.SHORTLISTED} and not Selection.objects.exists()
    )


def reviewed(proposal: Proposal, criterion, score: int) -> None:
    """One submitted review scoring the call's single 100 % criterion: its total is the score."""
    ReviewScoreFactory(review=ReviewFactory(proposal=proposal, submitted=True), criterion=criterion, score=score)


# --- The tally -------------------------------------------------------------------------------------


def test_the_coordinator_records_the_votes_of_a_held_session(cast, call, session, garden, library):
    recorded = services.tally_record(actor=cast.coordinator, call=call, session=session, votes={garden: 14, library: 9})

    assert tallies() == {"Garden": (14, session.pk), "Library": (9, session.pk)}
    assert {tally.pk for tally in recorded} == set(ForumTally.objects.values_list("pk", flat=True))
    assert set(ForumTally.objects.values_list("recorded_by", flat=True)) == {cast.coordinator.pk}
    assert set(session.tallies.all()) == set(recorded)


def test_recording_the_tally_again_replaces_the_counts(cast, call, session, garden, library):
    services.tally_record(actor=cast.coordinator, call=call, session=session, votes={garden: 14, library: 9})

    services.tally_record(actor=cast.staff, call=call, session=session, votes={garden: 12, library: 11})

    assert tallies() == {"Garden": (12, session.pk), "Library": (11, session.pk)}
    assert set(ForumTally.objects.values_list("recorded_by", flat=True)) == {cast.staff.pk}


def test_the_same_proposal_has_a_tally_at_each_session(cast, call, session, garden):
    second = held_session(cast.project, participants=30)

    services.tally_record(actor=cast.coordinator, call=call, session=session, votes={garden: 14})
    services.tally_record(actor=cast.coordinator, call=call, session=second, votes={garden: 25})

    assert sorted(ForumTally.objects.values_list("session_id", "votes")) == sorted([(session.pk, 14), (second.pk, 25)])


def test_a_session_that_just_meets_the_quorum_counts(cast, call, garden):
    at_quorum = held_session(cast.project, participants=10)

    services.tally_record(actor=cast.coordinator, call=call, session=at_quorum, votes={garden: 10})

    assert tallies() == {"Garden": (10, at_quorum.pk)}


def test_all_the_votes_together_may_reach_participants_times_votes_each(cast, call, session, garden, library):
    playground = shortlisted(call, "Playground")

    services.tally_record(
        actor=cast.coordinator, call=call, session=session, votes={garden: 20, library: 20, playground: 20}
    )

    assert sum(votes for votes, _session in tallies().values()) == 60


def elsewhere(cast, call, session, garden, library):
    return held_session(cast.other_project), {garden: 5}


def planned(cast, call, session, garden, library):
    return held_session(cast.project, status=ForumSession.Status.PLANNED), {garden: 5}


def cancelled(cast, call, session, garden, library):
    return held_session(cast.project, status=ForumSession.Status.CANCELLED), {garden: 5}


def without_attendance(cast, call, session, garden, library):
    return ForumSessionFactory(project=cast.project), {garden: 5}


def attendance_unknown(cast, call, session, garden, library):
    return held_session(cast.project, participants=None), {garden: 5}


def below_quorum(cast, call, session, garden, library):
    return held_session(cast.project, participants=9), {garden: 5}


def one_above_participants(cast, call, session, garden, library):
    return session, {garden: 21, library: 5}


def all_above_participants_times_votes(cast, call, session, garden, library):
    return session, {garden: 20, library: 20, shortlisted(call, "Playground"): 20, shortlisted(call, "Bench"): 1}


def not_shortlisted(cast, call, session, garden, library):
    return session, {garden: 5, ProposalFactory(call=call, status=Status.NOT_SELECTED): 3}


def another_calls_proposal(cast, call, session, garden, library):
    other_call = CallFactory(project=cast.project, phase=Call.Phase.IN_SELECTION)
    return session, {garden: 5, ProposalFactory(call=other_call, status=Status.SHORTLISTED): 3}


def no_votes(cast, call, session, garden, library):
    return session, {}


def negative(cast, call, session, garden, library):
    return session, {garden: 5, library: -1}


REFUSED_TALLIES = {
    "a session of another project": (elsewhere, "Choose a held session of this project."),
    "a planned session": (planned, "Choose a held session of this project."),
    "a cancelled session": (cancelled, "Choose a held session of this project."),
    "no attendance recorded": (without_attendance, "Record the session's attendance first"),
    "attendance unknown": (attendance_unknown, "Record the session's attendance first"),
    "attendance below quorum": (below_quorum, "The session had 9 participants; the call's quorum is 10."),
    "a proposal above the participants": (one_above_participants, "Garden: 21 votes, more than the 20 participants."),
    "all above participants × votes each": (
        all_above_participants_times_votes,
        "61 votes in all, more than 20 participants × 3 vote(s) each.",
    ),
    "a proposal not shortlisted": (not_shortlisted, "only be recorded for the call's shortlisted proposals"),
    "another call's proposal": (another_calls_proposal, "only be recorded for the call's shortlisted proposals"),
    "no votes": (no_votes, "only be recorded for the call's shortlisted proposals"),
    "negative votes": (negative, "Counts cannot be negative."),
}


@pytest.mark.parametrize("case", REFUSED_TALLIES)
def test_a_tally_breaking_the_rules_is_refused_and_nothing_is_saved(cast, call, session, garden, library, case):
    make, message = REFUSED_TALLIES[case]
    at, votes = make(cast, call, session, garden, library)

    with pytest.raises(ValidationError) as refused:
        services.tally_record(actor=cast.coordinator, call=call, session=at, votes=votes)

    assert any(message in text for text in refused.value.messages), refused.value.messages
    assert not ForumTally.objects.exists()


def test_a_refused_recording_keeps_the_earlier_tally(cast, call, session, garden, library):
    services.tally_record(actor=cast.coordinator, call=call, session=session, votes={garden: 14, library: 9})

    with pytest.raises(ValidationError):
        services.tally_record(actor=cast.coordinator, call=call, session=session, votes={garden: 15, library: 50})

    assert tallies() == {"Garden": (14, session.pk), "Library": (9, session.pk)}


def test_a_session_with_no_participants_is_known_and_any_vote_is_too_many(cast, call, garden):
    Call.objects.filter(pk=call.pk).update(quorum=0)
    empty = held_session(cast.project, participants=0)

    with pytest.raises(ValidationError) as refused:
        services.tally_record(
            actor=cast.coordinator, call=Call.objects.get(pk=call.pk), session=empty, votes={garden: 1}
        )

    assert refused.value.messages[0] == "Garden: 1 votes, more than the 0 participants."
    assert not ForumTally.objects.exists()


def test_a_recording_is_the_sessions_whole_tally_so_parts_never_add_up_past_the_limit(
    cast, call, session, garden, library
):
    Call.objects.filter(pk=call.pk).update(votes_per_participant=1)
    call = Call.objects.get(pk=call.pk)
    services.tally_record(actor=cast.coordinator, call=call, session=session, votes={garden: 12})
    services.tally_record(actor=cast.coordinator, call=call, session=session, votes={library: 12})

    assert tallies() == {"Library": (12, session.pk)}


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator"])
def test_only_the_coordinator_records_the_tally(cast, call, session, garden, who):
    with pytest.raises(PermissionDenied):
        services.tally_record(actor=getattr(cast, who), call=call, session=session, votes={garden: 5})

    assert not ForumTally.objects.exists()


# --- Winners by rank -------------------------------------------------------------------------------


@pytest.fixture
def four(call):
    """Three requests of 1 000 and a small one of 400 for the 2 500 envelope."""
    return {
        "garden": shortlisted(call, "Garden"),
        "library": shortlisted(call, "Library"),
        "playground": shortlisted(call, "Playground"),
        "bench": shortlisted(call, "Bench", requested="400.00"),
    }


def vote(cast, call, session, counts: dict[Proposal, int]) -> None:
    services.tally_record(actor=cast.coordinator, call=call, session=session, votes=counts)


@pytest.mark.parametrize("method", [Call.SelectionMethod.FORUM_VOTE, Call.SelectionMethod.BOTH])
def test_winners_are_taken_by_votes_until_the_next_does_not_fit_the_envelope(cast, call, session, four, method):
    Call.objects.filter(pk=call.pk).update(selection_method=method)
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12, four["playground"]: 10, four["bench"]: 5})

    services.selection_decide(actor=cast.coordinator, call=call, session=session)

    below = "Ranked below the proposals that used the call's envelope."
    # Garden and Library use 2 000; Playground's 1 000 does not fit the 500 left, and the ranking stops
    # there: Bench's 400 would fit, but it ranks below.
    assert outcome(call) == {
        "Garden": (Status.SELECTED, ""),
        "Library": (Status.SELECTED, ""),
        "Playground": (Status.NOT_SELECTED, below),
        "Bench": (Status.NOT_SELECTED, below),
    }


def test_the_vote_of_the_chosen_session_decides_not_another_sessions(cast, call, session, four):
    earlier = held_session(cast.project)
    vote(cast, call, earlier, {four["playground"]: 20, four["bench"]: 20})
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12, four["playground"]: 1})

    services.selection_decide(actor=cast.coordinator, call=call, session=session)

    selected = {title for title, (status, _reason) in outcome(call).items() if status == Status.SELECTED}
    assert selected == {"Garden", "Library"}


def test_a_committee_selects_by_the_average_review_score_and_ignores_votes(cast, call, session, four):
    Call.objects.filter(pk=call.pk).update(selection_method=Call.SelectionMethod.COMMITTEE)
    criterion = ScoringCriterionFactory(call=call, weight=100)
    for name, score in (("garden", 6), ("library", 9), ("playground", 8), ("bench", 7)):
        reviewed(four[name], criterion, score)
    reviewed(four["garden"], criterion, 6)
    vote(cast, call, session, {four["garden"]: 20})

    selection = services.selection_decide(actor=cast.coordinator, call=call)

    selected = {title for title, (status, _reason) in outcome(call).items() if status == Status.SELECTED}
    # Library 9 and Playground 8 use 2 000; Bench (7) asks 400 and fits, Garden (6) no longer does.
    assert selected == {"Library", "Playground", "Bench"}
    assert selection.session is None


def test_a_vote_decides_only_with_the_session_it_was_held_at(cast, call, session, four):
    vote(cast, call, session, {four["garden"]: 15})

    with pytest.raises(ValidationError, match="Record the tally of the forum session"):
        services.selection_decide(actor=cast.coordinator, call=call)

    assert nothing_decided(call)


# --- Ties ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tie_rule", "second"),
    [(Call.TieRule.REVIEW_SCORE, "Playground"), (Call.TieRule.SMALLER_REQUEST, "Library")],
)
def test_the_calls_tie_rule_decides_between_equal_votes(cast, call, session, tie_rule, second):
    Call.objects.filter(pk=call.pk).update(tie_rule=tie_rule)
    criterion = ScoringCriterionFactory(call=call, weight=100)
    garden = shortlisted(call, "Garden")
    library = shortlisted(call, "Library", requested="900.00")  # the smaller request, the lower score
    playground = shortlisted(call, "Playground")
    reviewed(library, criterion, 6)
    reviewed(playground, criterion, 8)
    vote(cast, call, session, {garden: 15, library: 10, playground: 10})

    services.selection_decide(actor=cast.coordinator, call=call, session=session)

    selected = {title for title, (status, _reason) in outcome(call).items() if status == Status.SELECTED}
    assert selected == {"Garden", second}


@pytest.fixture
def tied_at_the_edge(cast, call, session):
    """Under the coordinator's tie rule, Library and Playground tie for the 1 500 left after Garden."""
    Call.objects.filter(pk=call.pk).update(tie_rule=Call.TieRule.COORDINATOR)
    proposals = {name.lower(): shortlisted(call, name) for name in ("Garden", "Library", "Playground")}
    vote(cast, call, session, {proposals["garden"]: 15, proposals["library"]: 10, proposals["playground"]: 10})
    return proposals


def test_a_tie_at_the_edge_of_the_envelope_left_to_the_coordinator_needs_an_override(
    cast, call, session, tied_at_the_edge, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="tied"):
        services.selection_decide(actor=cast.coordinator, call=call, session=session)

    assert nothing_decided(call)
    assert mailoutbox == []


def test_the_coordinator_decides_the_tie_with_recorded_reasons(cast, call, session, tied_at_the_edge):
    services.selection_decide(
        actor=cast.coordinator,
        call=call,
        session=session,
        overrides={
            tied_at_the_edge["library"]: (True, "  Reaches the Roma settlement, which no other proposal does. "),
            tied_at_the_edge["playground"]: (False, "The municipality already plans a playground there."),
        },
    )

    assert outcome(call) == {
        "Garden": (Status.SELECTED, ""),
        "Library": (Status.SELECTED, "Reaches the Roma settlement, which no other proposal does."),
        "Playground": (Status.NOT_SELECTED, "The municipality already plans a playground there."),
    }


def test_a_tie_the_envelope_covers_needs_no_override(cast, call, session, tied_at_the_edge):
    Call.objects.filter(pk=call.pk).update(envelope=Decimal("3000.00"))

    services.selection_decide(actor=cast.coordinator, call=call, session=session)

    assert {status for status, _reason in outcome(call).values()} == {Status.SELECTED}


def test_proposals_selected_by_override_use_the_envelope_too(cast, call, session, tied_at_the_edge):
    bench = shortlisted(call, "Bench", requested="600.00")
    votes = {tied_at_the_edge["garden"]: 15, tied_at_the_edge["library"]: 10, tied_at_the_edge["playground"]: 10}
    vote(cast, call, session, {**votes, bench: 5})  # the session's whole tally, bench included

    services.selection_decide(
        actor=cast.coordinator,
        call=call,
        session=session,
        overrides={
            tied_at_the_edge["library"]: (True, "Reaches the Roma settlement."),
            tied_at_the_edge["playground"]: (False, "Planned by the municipality."),
        },
    )

    selected = Proposal.objects.filter(call=call, status=Status.SELECTED)
    # Garden and Library use 2 000 of 2 500: Bench's 600 does not fit.
    assert sorted(p.title for p in selected) == ["Garden", "Library"]
    assert sum(p.requested_amount for p in selected) <= Decimal("2500.00")


# --- Overrides -------------------------------------------------------------------------------------


def test_the_coordinator_overrides_a_winner_with_a_reason_and_the_next_ones_move_up(cast, call, session):
    proposals = [shortlisted(call, name) for name in ("Garden", "Library", "Playground")]
    bench = shortlisted(call, "Bench", requested="600.00")
    vote(cast, call, session, dict(zip([*proposals, bench], [15, 12, 10, 5], strict=True)))

    services.selection_decide(
        actor=cast.coordinator,
        call=call,
        session=session,
        overrides={proposals[0]: (False, "Already funded by the municipality.")},
    )

    below = "Ranked below the proposals that used the call's envelope."
    assert outcome(call) == {
        "Garden": (Status.NOT_SELECTED, "Already funded by the municipality."),
        "Library": (Status.SELECTED, ""),
        "Playground": (Status.SELECTED, ""),
        "Bench": (Status.NOT_SELECTED, below),
    }


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_an_override_needs_a_reason(cast, call, session, four, reason):
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12})

    with pytest.raises(ValidationError, match="Give the reason for every override"):
        services.selection_decide(
            actor=cast.coordinator, call=call, session=session, overrides={four["garden"]: (False, reason)}
        )

    assert nothing_decided(call)


# --- The decision, its record and its mails --------------------------------------------------------


def test_the_selection_is_kept_with_its_session_and_minutes_and_every_applicant_is_mailed(
    cast, call, session, four, mailoutbox, django_capture_on_commit_callbacks
):
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12, four["playground"]: 10, four["bench"]: 5})

    with django_capture_on_commit_callbacks(execute=True):
        selection = services.selection_decide(
            actor=cast.coordinator, call=call, session=session, minutes="  Counted by two volunteers.  "
        )

    stored = Selection.objects.get()
    assert stored.pk == selection.pk
    assert (stored.call, stored.session, stored.minutes, stored.decided_by) == (
        call,
        session,
        "Counted by two volunteers.",
        cast.coordinator,
    )
    assert list(session.selections.all()) == [stored]
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.DECIDED
    mailed = {mail.to[0]: mail.body for mail in mailoutbox}
    assert len(mailoutbox) == 4
    for proposal in four.values():
        applicant = Membership.objects.get(organisation=proposal.organisation, role=Membership.Role.NGO_COORDINATOR)
        status = "Selected" if proposal.title in ("Garden", "Library") else "Not selected"
        assert f"The status of your proposal “{proposal.title}” is now: {status}." in mailed[applicant.user.email]


def test_a_call_is_decided_only_once(cast, call, session, four, mailoutbox, django_capture_on_commit_callbacks):
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12})
    services.selection_decide(actor=cast.coordinator, call=call, session=session)
    before = outcome(call)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="not in selection"):
        services.selection_decide(
            actor=cast.coordinator,
            call=call,
            session=session,
            overrides={four["bench"]: (True, "Second thoughts.")},
        )

    assert outcome(call) == before
    assert Selection.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["ngo_coordinator", "donor", "municipal_staff", "other_coordinator"])
def test_only_the_coordinator_decides_the_selection(cast, call, session, four, who):
    vote(cast, call, session, {four["garden"]: 15})

    with pytest.raises(PermissionDenied):
        services.selection_decide(actor=getattr(cast, who), call=call, session=session)

    assert nothing_decided(call)


def test_a_selection_is_not_attached_to_a_session_of_another_project(cast, call, session, four):
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12})
    elsewhere = held_session(cast.other_project)

    with pytest.raises(ValidationError):
        services.selection_decide(actor=cast.coordinator, call=call, session=elsewhere)

    assert nothing_decided(call)


def test_a_vote_decides_only_at_a_session_where_the_calls_tally_was_recorded(cast, call, session, four):
    vote(cast, call, session, {four["garden"]: 15, four["library"]: 12})
    no_vote_held = held_session(cast.project)

    with pytest.raises(ValidationError):
        services.selection_decide(actor=cast.coordinator, call=call, session=no_vote_held)

    assert nothing_decided(call)


# --- The ranking's queries -------------------------------------------------------------------------


@pytest.mark.parametrize("proposals", [3, 8])
def test_the_ranking_takes_the_same_queries_whatever_the_number_of_proposals(
    cast, call, session, django_assert_num_queries, proposals
):
    first = ScoringCriterionFactory(call=call, weight=60)
    second = ScoringCriterionFactory(call=call, weight=40)
    for n in range(proposals):
        proposal = shortlisted(call, f"Proposal {n}")
        for score in (6, 8):
            review = ReviewFactory(proposal=proposal, submitted=True)
            ReviewScoreFactory(review=review, criterion=first, score=score)
            ReviewScoreFactory(review=review, criterion=second, score=score - 1)
        ReviewFactory(proposal=proposal, has_conflict=True)
        ForumTallyFactory(proposal=proposal, session=session, votes=n)
        ForumTallyFactory(proposal=proposal, session=held_session(cast.project), votes=20)
    call = Call.objects.get(pk=call.pk)

    # The proposals, their counted reviews, the reviews' scores, the scores' criteria, the session's tallies.
    with django_assert_num_queries(5):
        rows = [(row.proposal.title, row.votes, row.review_score, row.reviews) for row in call_ranking(call, session)]

    # 6 × 0.6 + 5 × 0.4 = 5.60 and 8 × 0.6 + 7 × 0.4 = 7.60: 6.60 on average; most votes first.
    assert rows == [(f"Proposal {n}", n, Decimal("6.60"), 2) for n in reversed(range(proposals))]
