"""Participants' feedback: the public form and its limits, the staff's page, moderation and the figures."""

import datetime
import types
from decimal import Decimal

import django_ratelimit.core
import pytest
from django.core.cache import caches
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from forums import selectors
from forums.models import Feedback, ForumSession, Kind
from forums.services import DuplicateFeedback, feedback_submit
from tests.projects.factories import MembershipFactory

HELD_ON = datetime.date(2024, 6, 1)
DEVICE_COOKIE = "portal_device"
TWO_YEARS = 2 * 365 * 24 * 60 * 60
FRESH_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "feedback-tests"}}
ANSWER = {"satisfaction": "4", "was_useful": "yes", "comment": "Good to be heard."}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    with override_settings(CACHES=FRESH_CACHE):
        caches["default"].clear()
        yield
        caches["default"].clear()


@pytest.fixture
def frozen_ratelimit_clock(monkeypatch):
    """Counting happens in fixed windows: a frozen clock keeps a test from straddling two of them."""
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: 1_700_000_000.0))


def make_session(project, *, status=ForumSession.Status.HELD, date=HELD_ON, title="Budget priorities", **fields):
    return ForumSession.objects.create(
        project=project,
        kind=Kind.FORUM_DELIBERATIVE,
        status=status,
        date=date,
        language=fields.pop("language", "mk"),
        title_en=title,
        municipality=project.target_municipalities.first(),
        **fields,
    )


def give(session, satisfaction, was_useful=None, comment="", device=None):
    return feedback_submit(
        session=session,
        device_id=device or f"device-{Feedback.objects.count()}",
        satisfaction=satisfaction,
        was_useful=was_useful,
        comment=comment,
        language="mk",
    )


def form_url(session, language="en"):
    return f"/{language}/feedback/{session.feedback_token}/"


@pytest.fixture
def session(cast):
    return make_session(cast.project)


# --- The public form -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "mk", "bg", "sq"])
def test_anonymous_participant_answers_in_each_language(client, session, language):
    page = client.get(form_url(session, language))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{language}">' in html
    assert "Budget priorities" in html
    assert str(session.project.title_en) in html
    assert 'name="satisfaction"' in html

    response = client.post(form_url(session, language), ANSWER)

    assert response.status_code == 302
    assert response["Location"] == f"/{language}/feedback/{session.feedback_token}/thanks/"
    feedback = Feedback.objects.get()
    assert (feedback.session, feedback.language, feedback.satisfaction) == (session, language, 4)
    assert feedback.was_useful is True
    assert feedback.comment == "Good to be heard."
    assert feedback.moderation == Feedback.Moderation.PENDING
    assert client.get(response["Location"]).status_code == 200


def test_device_cookie_is_random_long_lived_http_only_and_lax(client, session):
    cookie = client.get(form_url(session)).cookies[DEVICE_COOKIE]
    assert len(cookie.value) >= 32
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == TWO_YEARS
    assert not cookie["secure"]
    assert Client().get(form_url(session), secure=True).cookies[DEVICE_COOKIE]["secure"] is True


def test_device_cookie_is_created_on_a_first_post_and_kept_afterwards(client, session):
    first = client.post(form_url(session), ANSWER)
    assert first.status_code == 302
    assert DEVICE_COOKIE in first.cookies
    assert DEVICE_COOKIE not in client.get(form_url(session)).cookies  # not replaced


def test_same_device_cannot_answer_twice(client, session):
    assert client.post(form_url(session), ANSWER).status_code == 302

    again = client.post(form_url(session, "mk"), {**ANSWER, "satisfaction": "1"})

    assert again.status_code == 409
    with translation.override("mk"):
        assert translation.gettext("You have already answered") in again.content.decode()
    assert Feedback.objects.get().satisfaction == 4


def test_service_reports_a_second_answer_of_a_device_as_duplicate(session):
    give(session, 4, device="phone")
    with pytest.raises(DuplicateFeedback):
        give(session, 2, device="phone")
    assert Feedback.objects.get().satisfaction == 4


def test_another_device_is_accepted(client, session):
    client.post(form_url(session), ANSWER)

    assert Client().post(form_url(session), ANSWER).status_code == 302
    assert Feedback.objects.filter(session=session).count() == 2


def test_one_device_answers_each_session_once(client, cast, session):
    other = make_session(cast.project, title="Second forum")
    client.post(form_url(session), ANSWER)

    assert client.post(form_url(other), ANSWER).status_code == 302
    assert Feedback.objects.count() == 2


@pytest.mark.parametrize("satisfaction", ["0", "6", "abc", ""])
def test_satisfaction_outside_1_to_5_is_refused(client, session, satisfaction):
    response = client.post(form_url(session), {**ANSWER, "satisfaction": satisfaction})

    assert response.status_code == 400
    assert not Feedback.objects.exists()
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_satisfaction_0"' in html
    assert 'aria-describedby="id_satisfaction_error"' in html


def test_unknown_usefulness_answer_is_refused(client, session):
    assert client.post(form_url(session), {**ANSWER, "was_useful": "maybe"}).status_code == 400
    assert not Feedback.objects.exists()


def test_usefulness_and_comment_may_be_left_out(client, session):
    assert client.post(form_url(session), {"satisfaction": "2", "was_useful": ""}).status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.was_useful is None
    assert feedback.comment == ""


def test_comment_over_2000_characters_is_refused(client, session):
    response = client.post(form_url(session), {**ANSWER, "comment": "x" * 2001})

    assert response.status_code == 400
    assert not Feedback.objects.exists()
    assert 'aria-describedby="id_comment_helptext id_comment_error"' in response.content.decode()


def test_comment_of_2000_characters_counts_each_line_break_once(client, session):
    # A browser lets 1000 lines of "a" fill a maxlength of 2000 but sends each break as CRLF (3000 bytes).
    assert client.post(form_url(session), {**ANSWER, "comment": "a\r\n" * 999 + "ab"}).status_code == 302
    assert len(Feedback.objects.get().comment) == 2000


def test_planned_session_says_when_feedback_opens_and_refuses_it(client, cast):
    planned = make_session(cast.project, status=ForumSession.Status.PLANNED, date=datetime.date(2025, 11, 1))

    page = client.get(form_url(planned))
    assert page.status_code == 200
    assert "Feedback opens after the session" in page.content.decode()
    assert 'name="satisfaction"' not in page.content.decode()

    assert client.post(form_url(planned), ANSWER).status_code == 400
    assert not Feedback.objects.exists()


def test_cancelled_session_has_no_feedback_form(client, cast):
    cancelled = make_session(cast.project, status=ForumSession.Status.CANCELLED)
    assert client.get(form_url(cancelled)).status_code == 404
    assert client.post(form_url(cancelled), ANSWER).status_code == 404
    assert not Feedback.objects.exists()


def test_unknown_link_is_not_found(client, session):
    assert client.get("/en/feedback/no-such-token/").status_code == 404
    assert client.post("/en/feedback/no-such-token/", ANSWER).status_code == 404
    assert client.get("/en/feedback/no-such-token/thanks/").status_code == 404


def test_language_switcher_keeps_the_feedback_form(client, session):
    response = client.post("/i18n/setlang/", {"language": "sq", "next": form_url(session, "en")})
    assert response.status_code == 302
    assert response["Location"] == form_url(session, "sq")


# --- Flood protection ------------------------------------------------------------------------------


@override_settings(FEEDBACK_RATELIMIT_PER_IP="10/m")
def test_eleventh_post_within_a_minute_from_one_address_is_refused(session, frozen_ratelimit_clock):
    for _device in range(10):
        assert Client().post(form_url(session), ANSWER).status_code == 302

    response = Client().post(form_url(session, "mk"), {**ANSWER, "comment": "Kept for later"})

    assert response.status_code == 429
    assert Feedback.objects.count() == 10
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "Kept for later" in html  # the answers stay filled in for a second try
    assert Client(REMOTE_ADDR="192.0.2.7").post(form_url(session), ANSWER).status_code == 302


@override_settings(FEEDBACK_RATELIMIT_PER_SESSION="3/h")
def test_posts_for_one_session_are_limited_across_addresses(cast, session, frozen_ratelimit_clock):
    for number in range(3):
        assert Client(REMOTE_ADDR=f"192.0.2.{number + 1}").post(form_url(session), ANSWER).status_code == 302

    assert Client(REMOTE_ADDR="192.0.2.99").post(form_url(session), ANSWER).status_code == 429
    other = make_session(cast.project, title="Another session")
    assert Client(REMOTE_ADDR="192.0.2.99").post(form_url(other), ANSWER).status_code == 302
    assert Feedback.objects.count() == 4


@override_settings(FEEDBACK_RATELIMIT_PER_IP="2/m")
def test_refused_and_read_requests_count_differently(client, session, frozen_ratelimit_clock):
    for _view in range(5):
        assert client.get(form_url(session)).status_code == 200  # reading the form is never limited
    assert client.post(form_url(session), {"satisfaction": "9"}).status_code == 400  # a refused POST counts
    assert client.post(form_url(session), ANSWER).status_code == 302
    assert Client().post(form_url(session), ANSWER).status_code == 429


# --- The staff's page ------------------------------------------------------------------------------


def list_url(project):
    return f"/en/projects/{project.code}/feedback/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("municipal_staff", 200),
        ("donor", 200),
        ("staff", 200),
        ("ngo_coordinator", 403),
        ("outsider", 404),
        ("other_coordinator", 404),
    ],
)
def test_who_reads_a_projects_feedback(client, cast, session, role, status):
    give(session, 4, comment="Internal remark")
    client.force_login(getattr(cast, role))

    response = client.get(list_url(cast.project))

    assert response.status_code == status
    assert ("Internal remark" in response.content.decode()) is (status == 200)


def test_anonymous_visitor_is_sent_to_sign_in(client, cast):
    response = client.get(list_url(cast.project))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_staff_page_gives_each_held_session_its_link_in_the_sessions_language(client, cast, session):
    planned = make_session(cast.project, status=ForumSession.Status.PLANNED, date=datetime.date(2025, 11, 1))
    albanian = make_session(cast.project, title="Takim", language="sq")
    client.force_login(cast.municipal_staff)

    html = client.get(list_url(cast.project)).content.decode()

    assert f"http://testserver/mk/feedback/{session.feedback_token}/" in html
    assert f"http://testserver/sq/feedback/{albanian.feedback_token}/" in html
    assert planned.feedback_token not in html


def test_only_moderators_see_moderation_buttons(client, cast, session):
    give(session, 3, comment="Too long")
    client.force_login(cast.donor)
    assert "Approve for public display" not in client.get(list_url(cast.project)).content.decode()
    client.force_login(cast.coordinator)
    assert "Approve for public display" in client.get(list_url(cast.project)).content.decode()


def test_staff_page_query_count_does_not_grow_with_sessions(client, cast, django_assert_num_queries):
    def add_sessions(count):
        for number in range(count):
            held = make_session(cast.project, title=f"Session {ForumSession.objects.count()}")
            give(held, 1 + number % 5, was_useful=number % 2 == 0, comment=f"Comment {number}")
            give(held, 5, comment="")

    client.force_login(cast.coordinator)
    add_sessions(2)
    client.get(list_url(cast.project))  # warm the session and content-type caches
    # session, user, project, roles, project figures, per-session figures, comments, served municipalities
    with django_assert_num_queries(8):
        assert client.get(list_url(cast.project)).status_code == 200
    add_sessions(4)
    with django_assert_num_queries(8):
        response = client.get(list_url(cast.project))
    assert len(response.context["rows"]) == 6


# --- Moderation ------------------------------------------------------------------------------------


def moderate_url(feedback):
    return f"/en/projects/{feedback.session.project.code}/feedback/{feedback.pk}/moderate/"


def public_block(project):
    return render_to_string(
        "forums/partials/_feedback_public.html",
        {
            "figures": selectors.project_feedback(project),
            "comments": selectors.feedback_comments(project, approved_only=True)[:20],
        },
    )


def test_coordinator_approves_a_comment_for_public_display(client, cast, session):
    approved = give(session, 5, comment="The forum listened to us.")
    give(session, 2, comment="Still waiting for moderation.")
    assert "The forum listened to us." not in public_block(cast.project)
    client.force_login(cast.coordinator)

    response = client.post(moderate_url(approved), {"decision": "approved"})

    assert response.status_code == 302
    assert response["Location"] == f"{list_url(cast.project)}#comment-{approved.pk}"
    approved.refresh_from_db()
    assert approved.moderation == Feedback.Moderation.APPROVED
    assert approved.moderated_by == cast.coordinator
    block = public_block(cast.project)
    assert "The forum listened to us." in block
    assert "Still waiting for moderation." not in block


def test_coordinator_keeps_a_comment_internal_with_htmx(client, cast, session):
    feedback = give(session, 1, comment="Names someone.")
    client.force_login(cast.coordinator)

    response = client.post(moderate_url(feedback), {"decision": "rejected"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="feedback-comment" id="comment-{feedback.pk}">')
    assert "<html" not in html
    feedback.refresh_from_db()
    assert feedback.moderation == Feedback.Moderation.REJECTED
    assert "Names someone." not in public_block(cast.project)


@pytest.mark.parametrize(("role", "status"), [("donor", 403), ("municipal_staff", 403), ("ngo_coordinator", 403)])
def test_others_cannot_moderate(client, cast, session, role, status):
    feedback = give(session, 4, comment="Pending")
    client.force_login(getattr(cast, role))

    assert client.post(moderate_url(feedback), {"decision": "approved"}).status_code == status

    feedback.refresh_from_db()
    assert (feedback.moderation, feedback.moderated_by) == (Feedback.Moderation.PENDING, None)


def test_outsider_cannot_find_a_comment_to_moderate(client, cast, session):
    feedback = give(session, 4, comment="Pending")
    client.force_login(cast.outsider)
    assert client.post(moderate_url(feedback), {"decision": "approved"}).status_code == 404
    assert Feedback.objects.get().moderation == Feedback.Moderation.PENDING


def test_feedback_of_another_project_is_not_found(client, cast):
    MembershipFactory(project=cast.other_project, user=cast.coordinator)
    foreign = give(make_session(cast.other_project), 4, comment="Elsewhere")
    client.force_login(cast.coordinator)

    response = client.post(f"{list_url(cast.project)}{foreign.pk}/moderate/", {"decision": "approved"})

    assert response.status_code == 404
    assert Feedback.objects.get().moderation == Feedback.Moderation.PENDING


def test_unknown_decision_changes_nothing(client, cast, session):
    feedback = give(session, 4, comment="Pending")
    client.force_login(cast.coordinator)

    response = client.post(moderate_url(feedback), {"decision": "published"}, follow=True)

    assert response.status_code == 200
    assert "Choose whether to approve the comment or keep it internal." in response.content.decode()
    assert Feedback.objects.get().moderation == Feedback.Moderation.PENDING


def test_unknown_decision_with_htmx_shows_the_error_in_place(client, cast, session):
    feedback = give(session, 4, comment="Pending")
    client.force_login(cast.coordinator)

    response = client.post(moderate_url(feedback), {"decision": "published"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="feedback-comment" id="comment-{feedback.pk}">')
    assert "Choose whether to approve the comment or keep it internal." in html
    assert "Waiting for moderation" in html
    assert Feedback.objects.get().moderation == Feedback.Moderation.PENDING


# --- Figures ---------------------------------------------------------------------------------------


@pytest.fixture
def rated(cast, session):
    """Session A rated 5, 4, 4 (useful: yes, yes, no); session B rated 3 without the usefulness answer."""
    give(session, 5, was_useful=True)
    give(session, 4, was_useful=True, comment="Useful")
    give(session, 4, was_useful=False)
    other = make_session(cast.project, title="Second forum", date=HELD_ON + datetime.timedelta(days=7))
    give(other, 3, comment="So-so")
    return session, other


def test_session_figures_average_and_useful_share(rated):
    figures = selectors.session_feedback(rated[0])
    assert figures.responses == 3
    assert figures.average_satisfaction == Decimal("4.33")
    assert figures.useful_share == Decimal("66.67")
    assert figures.pending_comments == 1


def test_project_figures_count_only_answered_usefulness(cast, rated):
    figures = selectors.project_feedback(cast.project)
    assert (figures.responses, figures.average_satisfaction) == (4, Decimal("4.00"))
    assert figures.useful_share == Decimal("66.67")
    assert figures.pending_comments == 2


def test_per_session_rows(cast, rated):
    planned = make_session(cast.project, status=ForumSession.Status.PLANNED, date=datetime.date(2025, 11, 1))
    silent = make_session(cast.project, title="Nobody answered", date=HELD_ON + datetime.timedelta(days=14))

    rows = {row.session: row.figures for row in selectors.feedback_by_session(cast.project)}

    first, second = rated
    assert list(rows) == [first, second, silent]
    assert planned not in rows
    assert (rows[first].responses, rows[first].average_satisfaction, rows[first].useful_share) == (
        3,
        Decimal("4.33"),
        Decimal("66.67"),
    )
    assert (rows[second].responses, rows[second].average_satisfaction, rows[second].useful_share) == (
        1,
        Decimal("3.00"),
        None,
    )
    assert (rows[silent].responses, rows[silent].average_satisfaction, rows[silent].useful_share) == (0, None, None)
    assert rows[first] == selectors.session_feedback(first)
    assert rows[second] == selectors.session_feedback(second)
    assert rows[second].pending_comments == 1


def test_average_rounds_half_up(session):
    for satisfaction in (5, 5, 5, 5, 5, 4, 2, 2):  # 33 / 8 = 4.125
        give(session, satisfaction)
    assert selectors.session_feedback(session).average_satisfaction == Decimal("4.13")


def test_staff_page_shows_the_figures(client, cast, rated):
    client.force_login(cast.donor)
    html = client.get(list_url(cast.project)).content.decode()
    assert "4.33" in html
    assert "66.67" in html
    assert "4.00" in html


def test_public_block_shows_figures_in_the_readers_language(cast, rated):
    with translation.override("mk"):
        block = public_block(cast.project)
    assert "4,00" in block
    assert "66,67" in block


def test_public_block_without_feedback(cast):
    assert "No feedback from participants yet." in public_block(cast.project)


def test_feedback_urls_are_named_in_the_forums_namespace(session):
    with translation.override("bg"):
        assert reverse("forums:feedback", args=[session.feedback_token]) == form_url(session, "bg")
        assert reverse("forums:feedback-thanks", args=[session.feedback_token]).endswith("/thanks/")
        assert (
            reverse("forums:feedback-list", args=[session.project.code])
            == f"/bg/projects/{session.project.code}/feedback/"
        )
