"""Participation figures of a project: sessions, participants and averages per municipality, shares."""

import calendar
import datetime
from decimal import Decimal

import pytest

from forums.counts import Figure
from forums.models import Category, Feedback, ForumSession, Kind, Qualifier
from forums.selectors import (
    feedback_figures,
    month_grid,
    project_feedback,
    project_participation,
    session_feedback,
)
from tests.forums.factories import AttendanceFactory, ForumSessionFactory, ReportedParticipationFactory
from tests.projects.factories import MunicipalityFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EXACT = Qualifier.EXACT
AT_LEAST = Qualifier.AT_LEAST
APPROXIMATE = Qualifier.APPROXIMATE
HELD = ForumSession.Status.HELD
PLANNED = ForumSession.Status.PLANNED
CANCELLED = ForumSession.Status.CANCELLED


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def resen():
    return MunicipalityFactory(name_en="Resen")


@pytest.fixture
def bitola():
    return MunicipalityFactory(name_en="Bitola")


def session(project, municipality, participants=None, qualifier=EXACT, *, kind=Kind.FORUM_WORKING, **counts):
    """A session; with ``participants`` (or any count) it gets an attendance row, otherwise none (unknown)."""
    status = counts.pop("status", HELD)
    logged = ForumSessionFactory(project=project, municipality=municipality, kind=kind, status=status)
    if participants is not None or counts:
        AttendanceFactory(session=logged, participants=participants, participants_qualifier=qualifier, **counts)
    return logged


def per_municipality(category_figures):
    """``{name: (sessions, participants, average)}`` of a category, municipalities by name."""
    return {
        (row.municipality.name_en if row.municipality else None): (
            row.sessions,
            row.participants,
            row.average_per_session,
        )
        for row in category_figures.by_municipality
    }


# --- Totals and their qualifiers -----------------------------------------------------------------


def test_totals_carry_the_weakest_qualifier_and_averages_use_sessions_with_figures(project, resen, bitola):
    session(project, resen, 100)
    session(project, resen, 50, APPROXIMATE)
    session(project, resen)  # held, nobody counted
    session(project, bitola, 40, AT_LEAST)
    session(project, bitola, 25)

    figures = project_participation(project)

    assert per_municipality(figures.forum) == {
        # 150 is approximate already; the unknown session cannot make it stronger
        "Resen": (3, Figure(150, APPROXIMATE), Figure(Decimal("75.00"), APPROXIMATE)),
        "Bitola": (2, Figure(65, AT_LEAST), Figure(Decimal("32.50"), AT_LEAST)),
    }
    assert figures.forum.sessions == 5
    assert figures.forum.participants == Figure(215, APPROXIMATE)
    assert figures.forum.average_per_session == Figure(Decimal("53.75"), APPROXIMATE)  # 215 over 4 counted
    assert figures.participants_total == Figure(215, APPROXIMATE)


def test_a_session_without_a_count_makes_the_exact_total_at_least(project, resen):
    session(project, resen, 30)
    session(project, resen, 45)
    session(project, resen)

    forum = project_participation(project).forum

    assert per_municipality(forum) == {
        "Resen": (3, Figure(75, AT_LEAST), Figure(Decimal("37.50"), EXACT)),
    }
    assert forum.by_municipality[0].sessions_with_figures == 2


def test_an_attendance_row_without_a_total_is_unknown_not_zero(project, resen):
    session(project, resen, 30)
    AttendanceFactory(session=ForumSessionFactory(project=project, municipality=resen), participants=None)

    assert project_participation(project).forum.participants == Figure(30, AT_LEAST)


def test_held_sessions_nobody_counted_give_unknown_participants_not_zero(project, resen):
    session(project, resen)
    session(project, resen)

    figures = project_participation(project)

    assert figures.forum.sessions == 2
    assert figures.forum.participants.value is None
    assert figures.forum.average_per_session.value is None
    assert figures.participants_total.value is None
    assert per_municipality(figures.forum)["Resen"][0] == 2


def test_per_municipality_average_is_rounded_half_up(project, resen):
    # 735 over 8, as Resen's forum: 91.875 → 91.88
    for participants in (92, 92, 92, 92, 92, 92, 92, 91):
        session(project, resen, participants)

    forum = project_participation(project).forum

    assert per_municipality(forum)["Resen"] == (8, Figure(735), Figure(Decimal("91.88")))


# --- Reported totals -------------------------------------------------------------------------------


def test_reported_total_adds_to_a_logged_session_as_one_block(project, resen):
    ReportedParticipationFactory(project=project, municipality=resen, sessions_covered=4, participants=100)
    session(project, resen, 30)

    figures = project_participation(project)

    assert per_municipality(figures.forum) == {"Resen": (5, Figure(130), Figure(Decimal("26.00")))}
    assert figures.forum.includes_reported
    assert figures.forum.by_municipality[0].includes_reported
    assert figures.forum.average_per_session == Figure(Decimal("26.00"))
    assert [block.participants for block in figures.reported] == [100]
    assert figures.participants_total == Figure(130)


def test_reported_total_over_logged_sessions_without_counts_is_not_counted_twice(project, resen):
    ReportedParticipationFactory(project=project, municipality=resen, sessions_covered=4, participants=100)
    for _ in range(4):
        session(project, resen)  # the sessions the reported total is for
    session(project, resen, 30)

    forum = project_participation(project).forum

    assert per_municipality(forum) == {"Resen": (5, Figure(130), Figure(Decimal("26.00")))}


def test_reported_total_keeps_its_qualifier_and_creates_no_attendance(project, resen):
    ReportedParticipationFactory(
        project=project,
        category=Category.EVENT,
        municipality=resen,
        sessions_covered=6,
        participants=125,
        qualifier=AT_LEAST,
    )

    figures = project_participation(project)

    assert per_municipality(figures.events) == {
        "Resen": (6, Figure(125, AT_LEAST), Figure(Decimal("20.83"), AT_LEAST)),
    }
    assert figures.forum.sessions == 0
    assert figures.participants_total == Figure(125, AT_LEAST)
    assert not ForumSession.objects.filter(project=project).exists()


def test_reported_totals_of_another_project_are_not_counted(project, resen):
    ReportedParticipationFactory(municipality=resen, participants=999)
    session(project, resen, 30)

    assert project_participation(project).forum.participants == Figure(30)


# --- Status, kinds and categories ------------------------------------------------------------------


def test_planned_and_cancelled_sessions_are_counted_by_kind_but_not_in_participation(project, resen):
    session(project, resen, 30, kind=Kind.FORUM_INFORMATIONAL)
    session(project, resen, 99, kind=Kind.FORUM_INFORMATIONAL, status=CANCELLED)
    session(project, resen, kind=Kind.FORUM_INFORMATIONAL, status=PLANNED)
    session(project, resen, kind=Kind.TRAINING, status=PLANNED)
    session(project, resen, 12, kind=Kind.EVENT_CONFERENCE, status=CANCELLED)

    figures = project_participation(project)

    assert figures.sessions_by_kind == [
        (Kind.FORUM_INFORMATIONAL, {PLANNED: 1, HELD: 1, CANCELLED: 1}),
        (Kind.TRAINING, {PLANNED: 1, HELD: 0, CANCELLED: 0}),
        (Kind.EVENT_CONFERENCE, {PLANNED: 0, HELD: 0, CANCELLED: 1}),
    ]
    assert per_municipality(figures.forum) == {"Resen": (1, Figure(30), Figure(Decimal("30.00")))}
    assert figures.trainings.sessions == 0
    assert figures.trainings.participants.value is None
    assert figures.events.sessions == 0
    assert figures.participants_total == Figure(30)


def test_trainings_and_events_are_separated_from_forum_sessions(project, resen, bitola):
    session(project, resen, 30, kind=Kind.FORUM_DELIBERATIVE)
    session(project, bitola, 20, kind=Kind.FORUM_FOLLOW_UP)
    session(project, None, 12, kind=Kind.TRAINING)
    session(project, None, 18, kind=Kind.TRAINING)
    session(project, resen, 80, AT_LEAST, kind=Kind.EVENT_CONSULTATION)
    session(project, resen, 20, kind=Kind.EVENT_ROUND_TABLE)

    figures = project_participation(project)

    assert (figures.forum.sessions, figures.forum.participants) == (2, Figure(50))
    assert (figures.trainings.sessions, figures.trainings.participants) == (2, Figure(30))
    assert per_municipality(figures.trainings) == {None: (2, Figure(30), Figure(Decimal("15.00")))}
    assert (figures.events.sessions, figures.events.participants) == (2, Figure(100, AT_LEAST))
    assert per_municipality(figures.events) == {
        "Resen": (2, Figure(100, AT_LEAST), Figure(Decimal("50.00"), AT_LEAST)),
    }
    assert figures.participants_total == Figure(180, AT_LEAST)
    assert set(figures.categories) == {Category.FORUM, Category.TRAINING, Category.EVENT}


def test_sessions_of_other_projects_are_not_counted(project, resen):
    session(project, resen, 30)
    session(ProjectFactory(), resen, 500)

    figures = project_participation(project)

    assert figures.participants_total == Figure(30)
    assert figures.sessions_by_kind == [(Kind.FORUM_WORKING, {PLANNED: 0, HELD: 1, CANCELLED: 0})]


# --- Gender and age shares -------------------------------------------------------------------------


def test_gender_and_age_shares_are_over_the_sessions_that_recorded_them(project, resen):
    session(project, resen, 100, women=45, men=50, age_under_18=10, age_18_29=30, age_30_64=40, age_65_plus=20)
    session(project, resen, 60, women=30, men=20, gender_undisclosed=10)
    session(project, resen, 50)  # no breakdown: not part of either base
    session(project, resen, 500, women=500, status=PLANNED)

    figures = project_participation(project)

    gender = figures.gender
    assert gender.base == Figure(160)
    assert [(name, count, part) for name, count, part in gender.parts] == [
        ("women", Figure(75), Figure(Decimal("46.88"))),  # 46.875 → 46.88
        ("men", Figure(70), Figure(Decimal("43.75"))),
        ("gender_undisclosed", Figure(10), Figure(Decimal("6.25"))),
    ]
    assert gender.not_recorded == Figure(5)

    age = figures.age
    assert age.base == Figure(100)
    assert [(name, count.value, part.value) for name, count, part in age.parts] == [
        ("age_under_18", 10, Decimal("10.00")),
        ("age_18_29", 30, Decimal("30.00")),
        ("age_30_64", 40, Decimal("40.00")),
        ("age_65_plus", 20, Decimal("20.00")),
    ]
    assert age.not_recorded == Figure(0)
    assert figures.participants_total == Figure(210)


def test_a_part_nobody_recorded_has_an_unknown_share_and_the_rest_is_not_recorded(project, resen):
    session(project, resen, 40, women=25, age_30_64=12)

    figures = project_participation(project)

    women, men, undisclosed = figures.gender.parts
    assert women[1:] == (Figure(25), Figure(Decimal("62.50")))
    assert men[1].value is None and men[2].value is None
    assert undisclosed[1].value is None
    assert figures.gender.not_recorded == Figure(15)
    assert [part.value for _name, _count, part in figures.age.parts] == [None, None, Decimal("30.00"), None]
    assert figures.age.not_recorded == Figure(28)


def test_shares_of_approximate_counts_are_approximate(project, resen):
    session(project, resen, 100, women=40, men=50, men_qualifier=APPROXIMATE)
    session(project, resen, 20, APPROXIMATE, women=10)

    gender = project_participation(project).gender

    assert gender.base == Figure(120, APPROXIMATE)
    women, men, _undisclosed = gender.parts
    assert women[1:] == (Figure(50), Figure(Decimal("41.67"), APPROXIMATE))
    assert men[1:] == (Figure(50, APPROXIMATE), Figure(Decimal("41.67"), APPROXIMATE))
    assert gender.not_recorded == Figure(20, APPROXIMATE)


def test_remainder_after_an_at_least_part_is_not_itself_at_least(project, resen):
    # "Over 60 women" of exactly 100: at most 40 others are unrecorded, so "at least 40" would be false.
    session(project, resen, 100, women=60, women_qualifier=AT_LEAST)

    gender = project_participation(project).gender

    assert gender.parts[0][2] == Figure(Decimal("60.00"), AT_LEAST)
    assert gender.not_recorded.value == 40
    assert gender.not_recorded.qualifier == APPROXIMATE


def test_no_breakdown_recorded_anywhere_is_unknown(project, resen):
    session(project, resen, 30)

    figures = project_participation(project)

    assert figures.gender.base.value is None
    assert figures.gender.not_recorded.value is None
    assert figures.age.base.value is None


# --- Queries ---------------------------------------------------------------------------------------


def _project_with_sessions(count: int, municipalities: list) -> object:
    project = ProjectFactory()
    ReportedParticipationFactory(project=project, municipality=municipalities[0])
    kinds = [Kind.FORUM_WORKING, Kind.TRAINING, Kind.EVENT_CONSULTATION]
    for n in range(count):
        logged = ForumSessionFactory(
            project=project,
            municipality=municipalities[n % len(municipalities)],
            kind=kinds[(n // 3) % len(kinds)],
            date=datetime.date(2024, 3, 1) + datetime.timedelta(days=n),
        )
        AttendanceFactory(session=logged, participants=10 + n, women=5, age_18_29=3)
    return project


def test_figures_take_the_same_number_of_queries_for_2_and_12_sessions(django_assert_num_queries):
    municipalities = [MunicipalityFactory() for _ in range(3)]
    small = _project_with_sessions(2, municipalities[:2])
    large = _project_with_sessions(12, municipalities)

    with django_assert_num_queries(5):
        small_figures = project_participation(small)
    with django_assert_num_queries(5):
        large_figures = project_participation(large)

    assert small_figures.participants_total == Figure(10 + 11 + 100)
    assert large_figures.participants_total == Figure(sum(range(10, 22)) + 100)
    assert len(large_figures.forum.by_municipality) == 3


def test_figures_of_a_project_without_sessions_are_unknown_in_4_queries(django_assert_num_queries):
    project = ProjectFactory()
    with django_assert_num_queries(4):
        figures = project_participation(project)
    assert figures.sessions_by_kind == []
    assert figures.participants_total.value is None
    assert figures.gender.base.value is None


# --- Feedback figures ------------------------------------------------------------------------------


def _feedback(session, satisfaction, was_useful=None, comment="", moderation=Feedback.Moderation.PENDING):
    return Feedback.objects.create(
        session=session,
        satisfaction=satisfaction,
        was_useful=was_useful,
        comment=comment,
        language="mk",
        device_hash=f"device-{Feedback.objects.count()}",
        moderation=moderation,
    )


def test_feedback_figures_average_and_useful_share_are_rounded_half_up(project, resen):
    first = session(project, resen)
    second = session(project, resen)
    # 35 / 8 = 4.375 → 4.38
    for satisfaction in (4, 5, 5, 4, 4, 5):
        _feedback(first, satisfaction)
    _feedback(second, 4, was_useful=True, comment="Корисно")
    _feedback(second, 4, was_useful=True, comment="Добро", moderation=Feedback.Moderation.APPROVED)

    figures = project_feedback(project)

    assert figures.responses == 8
    assert figures.average_satisfaction == Decimal("4.38")
    assert figures.useful_share == Decimal("100.00")
    assert figures.pending_comments == 1
    assert session_feedback(second).average_satisfaction == Decimal("4.00")


def test_useful_share_counts_only_those_who_answered(project, resen):
    held = session(project, resen)
    _feedback(held, 3, was_useful=True)
    _feedback(held, 3, was_useful=True)
    _feedback(held, 3, was_useful=False)
    _feedback(held, 3, was_useful=None)

    figures = feedback_figures(Feedback.objects.filter(session=held))

    assert figures.useful_share == Decimal("66.67")
    assert figures.average_satisfaction == Decimal("3.00")


def test_feedback_figures_without_responses_are_unknown_not_zero(project, resen):
    figures = session_feedback(session(project, resen))
    assert (figures.responses, figures.average_satisfaction, figures.useful_share) == (0, None, None)
    assert figures.pending_comments == 0


# --- Calendar --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "weeks"),
    [(2026, 11, 6), (2027, 2, 4), (2024, 2, 5), (2026, 6, 5), (2008, 10, 5), (2010, 5, 6)],
)
def test_month_grid_has_monday_first_weeks_with_other_months_blank(year, month, weeks):
    grid = month_grid(year, month, [])
    expected = [
        [day if day.month == month else None for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    assert [[day for day, _sessions in week] for week in grid] == expected
    assert len(grid) == weeks


def test_month_grid_puts_sessions_on_their_day(project, resen):
    on_the_10th = ForumSessionFactory(project=project, municipality=resen, date=datetime.date(2024, 6, 10))
    also_10th = ForumSessionFactory(project=project, municipality=resen, date=datetime.date(2024, 6, 10))
    undated = ForumSessionFactory(project=project, municipality=resen, date=None)
    next_month = ForumSessionFactory(project=project, municipality=resen, date=datetime.date(2024, 7, 1))

    grid = month_grid(2024, 6, [on_the_10th, also_10th, undated, next_month])

    by_day = {day: sessions for week in grid for day, sessions in week if day is not None}
    assert by_day[datetime.date(2024, 6, 10)] == [on_the_10th, also_10th]
    assert sum(len(sessions) for sessions in by_day.values()) == 2
    assert grid[0][0][0] is None  # 1 June 2024 is a Saturday
    assert grid[0][5][0] == datetime.date(2024, 6, 1)
