"""The coordinator's selection screen: choosing the held session, its paper tally checked against the
attendance and the call's quorum, the decision with overrides, the result shown on the screen and on the
session's page, who may do it, and query counts that do not grow with the proposals.

Every refusal is checked against the database afterwards.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from grants.models import Call, ForumTally, Proposal, Selection
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    ForumTallyFactory,
    ReviewFactory,
    ReviewScoreFactory,
    ScoringCriterionFactory,
    days_from_now,
    held_session,
    shortlisted,
)

pytestmark = pytest.mark.django_db

Status = Proposal.Status


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"grants:{name}", kwargs=kwargs)


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
    return held_session(cast.project)


@pytest.fixture
def proposals(call) -> dict[str, Proposal]:
    """Three shortlisted proposals asking 1 000 each: the envelope of 2 500 funds two of them."""
    return {title: shortlisted(call, title) for title in ("Garden", "Library", "School")}


def tally_data(session, proposals, **votes) -> dict:
    return {"session": session.pk, **{f"votes_{proposals[title].pk}": count for title, count in votes.items()}}


def tallies() -> dict[str, int]:
    return {tally.proposal.title: tally.votes for tally in ForumTally.objects.select_related("proposal")}


def nothing_decided(call: Call) -> bool:
    statuses = set(Proposal.objects.filter(call=call).values_list("status", flat=True))
    stored = Call.objects.get(pk=call.pk)
    return (
        stored.phase == Call.Phase.IN_SELECTION and statuses == {Status.SHORTLISTED} and not Selection.objects.exists()
    )


def outcome(call: Call) -> dict[str, tuple[str, str]]:
    return {p.title: (p.status, p.decision_reason) for p in Proposal.objects.filter(call=call)}


# --- The happy path --------------------------------------------------------------------------------


def test_the_coordinator_records_the_tally_then_decides_with_an_override(client, cast, call, session, proposals):
    client.force_login(cast.coordinator)
    page = client.get(url("selection", pk=call.pk), {"session": session.pk}).content.decode()
    assert "Garden" in page and "Library" in page and "School" in page
    assert "Vote at a forum session" in page and "10 participants" in page  # the method and the quorum
    assert "€2,500.00" in page  # the envelope, all of it left

    response = client.post(
        url("selection-tally", pk=call.pk), tally_data(session, proposals, Garden=14, Library=9, School=5)
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('selection', pk=call.pk)}?session={session.pk}"
    assert tallies() == {"Garden": 14, "Library": 9, "School": 5}
    assert set(ForumTally.objects.values_list("session", "recorded_by")) == {(session.pk, cast.coordinator.pk)}
    page = client.get(response["Location"]).content.decode()
    assert "The tally was recorded." in page
    assert 'value="14"' in page  # the tally form shows the recorded counts

    # By votes Garden and Library would use 2 000 of 2 500; the coordinator selects School instead of Library.
    school = proposals["School"]
    response = client.post(
        url("selection-decide", pk=call.pk),
        {
            "session": session.pk,
            "minutes": "Ballots counted by two volunteers.",
            f"override_{school.pk}": "select",
            f"reason_{school.pk}": "The only proposal from a rural village.",
        },
    )
    assert response.status_code == 302
    assert outcome(call) == {
        "Garden": (Status.SELECTED, ""),
        "School": (Status.SELECTED, "The only proposal from a rural village."),
        "Library": (Status.NOT_SELECTED, "Ranked below the proposals that used the call's envelope."),
    }
    selection = Selection.objects.get()
    assert (selection.session, selection.minutes, selection.decided_by) == (
        session,
        "Ballots counted by two volunteers.",
        cast.coordinator,
    )
    assert Call.objects.get(pk=call.pk).phase == Call.Phase.DECIDED

    result = client.get(response["Location"]).content.decode()
    assert "The selection was decided." in result
    assert "The only proposal from a rural village." in result and "Ballots counted by two volunteers." in result
    assert "€2,000.00" in result and "€500.00" in result  # the envelope used and left
    assert session.get_absolute_url() in result
    assert url("award-create", pk=school.pk) in result  # the next step: award the selected proposals

    session_page = client.get(session.get_absolute_url()).content.decode()
    assert "Grant selections decided at this session" in session_page
    assert call.title_en in session_page and "Ballots counted by two volunteers." in session_page
    assert "Garden" in session_page and "Not selected" in session_page and ">14<" in session_page


def test_the_result_links_the_award_of_a_contracted_proposal(client, cast, call, session, proposals):
    garden = proposals["Garden"]
    Selection.objects.create(call=call, session=session, decided_by=cast.coordinator)
    Call.objects.filter(pk=call.pk).update(phase=Call.Phase.DECIDED)
    award = AwardFactory(proposal=garden, amount=Decimal("900.00"))
    Proposal.objects.filter(pk=garden.pk).update(status=Status.CONTRACTED)
    client.force_login(cast.coordinator)
    page = client.get(url("selection", pk=call.pk)).content.decode()
    assert url("award", pk=award.pk) in page and "€900.00" in page


def test_a_call_not_yet_in_selection_shows_its_rules_and_no_forms(client, cast):
    call = CallFactory(project=cast.project, phase=Call.Phase.IN_REVIEW)
    client.force_login(cast.coordinator)
    response = client.get(url("selection", pk=call.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Selection starts once the review has shortlisted proposals." in page
    assert url("selection-decide", pk=call.pk) not in page


def test_sessions_with_unknown_attendance_are_listed_but_take_no_tally(client, cast, call, proposals):
    unknown = held_session(cast.project, participants=None)
    client.force_login(cast.coordinator)
    page = client.get(url("selection", pk=call.pk), {"session": unknown.pk}).content.decode()
    assert "attendance unknown" in page and "The attendance of this session is unknown" in page
    assert url("selection-tally", pk=call.pk) not in page

    response = client.post(
        url("selection-tally", pk=call.pk), tally_data(unknown, proposals, Garden=3, Library=2, School=1)
    )
    assert response.status_code == 400
    assert "Record the session&#x27;s attendance first" in response.content.decode()
    assert not ForumTally.objects.exists()


# --- Bad input -------------------------------------------------------------------------------------


def test_a_tally_above_the_attendance_is_refused_and_the_input_kept(client, cast, call, session, proposals):
    client.force_login(cast.coordinator)
    response = client.post(
        url("selection-tally", pk=call.pk), tally_data(session, proposals, Garden=25, Library=9, School=5)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Garden: 25 votes, more than the 20 participants." in page
    assert 'value="25"' in page and 'value="9"' in page
    assert not ForumTally.objects.exists()


def test_more_votes_in_all_than_participants_times_votes_each_is_refused(client, cast, call, session, proposals):
    client.force_login(cast.coordinator)
    response = client.post(
        url("selection-tally", pk=call.pk), tally_data(session, proposals, Garden=20, Library=20, School=21)
    )
    assert response.status_code == 400
    assert "61 votes in all, more than 20 participants × 3 vote(s) each." in response.content.decode()
    assert not ForumTally.objects.exists()


def test_a_session_below_the_quorum_cannot_decide(client, cast, call, proposals):
    small = held_session(cast.project, participants=8)
    client.force_login(cast.coordinator)
    response = client.post(
        url("selection-tally", pk=call.pk), tally_data(small, proposals, Garden=3, Library=2, School=1)
    )
    assert response.status_code == 400
    assert "The session had 8 participants; the call&#x27;s quorum is 10." in response.content.decode()
    assert not ForumTally.objects.exists()


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ({"Garden": -1, "Library": 2, "School": 0}, "greater than or equal to 0"),
        ({"Garden": 3, "Library": 2}, "This field is required."),
        ({"Garden": "many", "Library": 2, "School": 0}, "Enter a whole number."),
    ],
)
def test_a_count_that_is_not_a_number_of_ballots_is_refused(client, cast, call, session, proposals, votes, message):
    client.force_login(cast.coordinator)
    response = client.post(url("selection-tally", pk=call.pk), tally_data(session, proposals, **votes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ForumTally.objects.exists()


def test_a_session_of_another_project_cannot_take_the_tally(client, cast, call, proposals):
    elsewhere = held_session(cast.other_project)
    client.force_login(cast.coordinator)
    response = client.post(
        url("selection-tally", pk=call.pk), tally_data(elsewhere, proposals, Garden=3, Library=2, School=1)
    )
    assert response.status_code == 400
    assert "Choose a held session of this project." in response.content.decode()
    assert not ForumTally.objects.exists()


def test_an_override_without_a_reason_is_refused_and_the_minutes_kept(client, cast, call, session, proposals):
    ForumTallyFactory(proposal=proposals["Garden"], session=session, votes=12)
    school = proposals["School"]
    client.force_login(cast.coordinator)
    response = client.post(
        url("selection-decide", pk=call.pk),
        {"session": session.pk, "minutes": "Counted twice.", f"override_{school.pk}": "select"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the reason for every override." in page and "Counted twice." in page
    assert nothing_decided(call)


def test_a_forum_vote_cannot_be_decided_without_a_tally(client, cast, call, session, proposals):
    client.force_login(cast.coordinator)
    response = client.post(url("selection-decide", pk=call.pk), {"session": session.pk})
    assert response.status_code == 400
    assert "Record the tally of the forum session whose vote decides." in response.content.decode()
    assert nothing_decided(call)


def test_a_double_posted_tally_and_decision_are_done_once(client, cast, call, session, proposals):
    client.force_login(cast.coordinator)
    data = tally_data(session, proposals, Garden=14, Library=9, School=5)
    assert client.post(url("selection-tally", pk=call.pk), data).status_code == 302
    assert client.post(url("selection-tally", pk=call.pk), data).status_code == 302
    assert ForumTally.objects.count() == 3 and tallies() == {"Garden": 14, "Library": 9, "School": 5}

    decision = {"session": session.pk, "minutes": "Decided."}
    assert client.post(url("selection-decide", pk=call.pk), decision).status_code == 302
    decided = outcome(call)
    second = client.post(url("selection-decide", pk=call.pk), decision, follow=True)
    assert "has already been decided; nothing was changed." in second.content.decode()
    assert Selection.objects.count() == 1 and outcome(call) == decided


# --- Who may do it ---------------------------------------------------------------------------------

EXPECTED = {
    "anonymous": "login",
    "outsider": 404,
    "other_coordinator": 404,
    "ngo_coordinator": 403,
    "donor": 403,
    "municipal_staff": 403,
    "coordinator": "ok",
    "staff": "ok",
}


def status_for(expected, ok: int) -> int:
    return 302 if expected == "login" else ok if expected == "ok" else expected


@pytest.mark.parametrize("role", EXPECTED)
def test_only_the_calls_coordinators_and_staff_see_and_use_the_selection_screen(
    client, cast, call, session, proposals, role
):
    user = getattr(cast, role)
    if user.is_authenticated:
        client.force_login(user)
    expected = EXPECTED[role]

    response = client.get(url("selection", pk=call.pk), {"session": session.pk})
    assert response.status_code == status_for(expected, 200)
    if expected == "login":
        assert response["Location"].startswith(reverse("accounts:login"))

    for step in ("selection-tally", "selection-decide"):
        response = client.post(url(step, pk=call.pk), tally_data(session, proposals, Garden=4, Library=3, School=2))
        assert response.status_code == status_for(expected, 302)
    if expected != "ok":
        assert not ForumTally.objects.exists() and nothing_decided(call)
    else:
        assert Selection.objects.get().session == session


def test_the_selection_steps_are_post_only(client, cast, call):
    client.force_login(cast.coordinator)
    assert client.get(url("selection-tally", pk=call.pk)).status_code == 405
    assert client.get(url("selection-decide", pk=call.pk)).status_code == 405


# --- Query counts ----------------------------------------------------------------------------------


def ranked_proposals(call, session, count: int) -> None:
    """``count`` shortlisted proposals, each with a scored review and votes at the session."""
    criterion = ScoringCriterionFactory(call=call, weight=100)
    for number in range(count):
        proposal = shortlisted(call, f"Proposal {number}")
        ReviewScoreFactory(review=ReviewFactory(proposal=proposal, submitted=True), criterion=criterion, score=7)
        ForumTallyFactory(proposal=proposal, session=session, votes=number)


@pytest.mark.parametrize("count", [2, 6])
def test_the_selection_screen_queries_do_not_grow_with_proposals(
    client, cast, call, session, django_assert_num_queries, count
):
    ranked_proposals(call, session, count)
    client.force_login(cast.coordinator)
    client.get(url("selection", pk=call.pk), {"session": session.pk})
    # session, user, call with project, roles, held sessions with attendance, shortlisted proposals,
    # their reviews, scores with criteria, tallies, envelope used
    with django_assert_num_queries(11):
        response = client.get(url("selection", pk=call.pk), {"session": session.pk})
    assert response.content.decode().count('class="count"') == count


@pytest.mark.parametrize("count", [2, 6])
def test_the_decided_screen_and_the_session_page_queries_do_not_grow_with_proposals(
    client, cast, call, session, django_assert_num_queries, count
):
    ranked_proposals(call, session, count)
    client.force_login(cast.coordinator)
    client.get(session.get_absolute_url())
    with CaptureQueriesContext(connection) as before_the_decision:
        client.get(session.get_absolute_url())
    queries_before_the_decision = len(before_the_decision.captured_queries)  # read now: a request resets the log

    Selection.objects.create(call=call, session=session, minutes="Decided.", decided_by=cast.coordinator)
    Call.objects.filter(pk=call.pk).update(phase=Call.Phase.DECIDED)
    Proposal.objects.filter(call=call).update(status=Status.SELECTED)
    client.get(url("selection", pk=call.pk))
    # session, user, call with project, roles, held sessions, envelope used, the selection,
    # proposals with organisations and awards, their tallies at the session
    with django_assert_num_queries(9):
        page = client.get(url("selection", pk=call.pk)).content.decode()
    assert page.count("<strong>Selected</strong>") == count

    # The session page reads its selections and tallies in two queries, whether there are any or not.
    with django_assert_num_queries(queries_before_the_decision):
        page = client.get(session.get_absolute_url()).content.decode()
    assert "Grant selections decided at this session" in page and page.count("<td>Selected</td>") == count
