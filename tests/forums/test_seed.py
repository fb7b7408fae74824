"""The seed projects' sessions and participation hold exactly what their documents state."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from forums.counts import Figure
from forums.models import Attendance, Category, Forum, ForumSession, Kind, Qualifier, ReportedParticipation
from forums.selectors import project_participation

pytestmark = pytest.mark.django_db

RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
SLIVEN = "BG05SFOP001-2.025-0025-C01"
LINK4COOP = "LINK4COOP-BIH-2021"
HELD = ForumSession.Status.HELD
PLANNED = ForumSession.Status.PLANNED


def forum_sessions(project, municipality_name):
    return list(
        ForumSession.objects.filter(project=project, municipality__name_en=municipality_name)
        .filter(kind__in=Kind.of_category(Category.FORUM))
        .order_by("sequence")
    )


# --- 000 Resen and Bitola --------------------------------------------------------------------------


def test_resen_bitola_has_eight_numbered_forum_sessions_in_each_municipality(seeded):
    project = seeded[RESEN_BITOLA]
    assert project.sessions.filter(kind__in=Kind.of_category(Category.FORUM)).count() == 16
    for place in ("Resen", "Bitola"):
        sessions = forum_sessions(project, place)
        assert [s.sequence for s in sessions] == list(range(1, 9)), place
        assert [s.kind for s in sessions] == [Kind.FORUM_INFORMATIONAL] + [Kind.FORUM_OTHER] * 6 + [
            Kind.FORUM_FOLLOW_UP
        ], place
        assert {s.status for s in sessions} == {HELD}
        assert {s.forum.municipality.name_en for s in sessions} == {place}
    assert sorted(f.municipality.name_en for f in Forum.objects.filter(project=project)) == ["Bitola", "Resen"]


def test_resen_bitola_has_three_trainings(seeded):
    project = seeded[RESEN_BITOLA]
    trainings = project.sessions.filter(kind=Kind.TRAINING).order_by("pk")
    assert [t.title_en for t in trainings] == [
        "Training in project planning",
        "Training in project formulation",
        "Training in budget preparation",
    ]
    assert all(t.title_mk and t.status == HELD for t in trainings)
    assert [(t.forum, t.sequence) for t in trainings] == [(None, None)] * 3
    assert project.sessions.count() == 19


def test_resen_bitola_participation_is_1391_from_the_published_totals(seeded):
    project = seeded[RESEN_BITOLA]
    figures = project_participation(project)

    by_place = {
        row.municipality.name_en: (row.sessions, row.participants, row.average_per_session, row.includes_reported)
        for row in figures.forum.by_municipality
    }
    assert by_place == {
        "Bitola": (8, Figure(656), Figure(Decimal("82.00")), True),
        "Resen": (8, Figure(735), Figure(Decimal("91.88")), True),
    }
    assert [m.municipality.name_en for m in figures.forum.by_municipality] == ["Bitola", "Resen"]
    assert (figures.forum.sessions, figures.forum.participants) == (16, Figure(1391))
    assert figures.forum.average_per_session == Figure(Decimal("86.94"))  # 1391 / 16 = 86.9375
    # Nobody published how many came to the trainings: unknown, so the grand total is a lower bound.
    assert (figures.trainings.sessions, figures.trainings.participants.value) == (3, None)
    assert figures.participants_total == Figure(1391, Qualifier.AT_LEAST)
    assert dict(figures.sessions_by_kind) == {
        Kind.FORUM_INFORMATIONAL: {"planned": 0, "held": 2, "cancelled": 0},
        Kind.FORUM_FOLLOW_UP: {"planned": 0, "held": 2, "cancelled": 0},
        Kind.FORUM_OTHER: {"planned": 0, "held": 12, "cancelled": 0},
        Kind.TRAINING: {"planned": 0, "held": 3, "cancelled": 0},
    }


def test_resen_bitola_totals_are_not_spread_over_sessions(seeded):
    project = seeded[RESEN_BITOLA]
    assert not Attendance.objects.filter(session__project=project).exists()
    blocks = ReportedParticipation.objects.filter(project=project).order_by("participants")
    assert [(b.municipality.name_en, b.category, b.sessions_covered, b.participants, b.qualifier) for b in blocks] == [
        ("Bitola", Category.FORUM, 8, 656, Qualifier.EXACT),
        ("Resen", Category.FORUM, 8, 735, Qualifier.EXACT),
    ]
    assert all(b.source_en.startswith("Executive summary") for b in blocks)


# --- 001 Sliven ------------------------------------------------------------------------------------


def test_sliven_has_four_consultations_a_round_table_and_a_final_conference(seeded):
    project = seeded[SLIVEN]
    kinds = sorted(project.sessions.values_list("kind", flat=True))
    assert kinds == sorted([Kind.EVENT_CONSULTATION] * 4 + [Kind.EVENT_ROUND_TABLE, Kind.EVENT_CONFERENCE])
    assert set(project.sessions.values_list("status", flat=True)) == {HELD}
    assert set(project.sessions.values_list("municipality__name_en", flat=True)) == {"Sliven"}


def test_sliven_events_were_attended_by_at_least_125_without_a_split_per_event(seeded):
    project = seeded[SLIVEN]
    assert not Attendance.objects.filter(session__project=project).exists()

    figures = project_participation(project)

    assert (figures.events.sessions, figures.events.participants) == (6, Figure(125, Qualifier.AT_LEAST))
    assert figures.events.includes_reported
    assert figures.participants_total == Figure(125, Qualifier.AT_LEAST)
    assert (figures.forum.sessions, figures.trainings.sessions) == (0, 0)
    [block] = figures.reported
    assert (block.sessions_covered, block.participants, block.qualifier) == (6, 125, Qualifier.AT_LEAST)
    assert "125" in block.source_en


# --- 002 LINK4COOP ---------------------------------------------------------------------------------


def test_link4coop_has_only_planned_sessions_and_no_figures(seeded):
    project = seeded[LINK4COOP]
    assert set(project.sessions.values_list("status", flat=True)) == {PLANNED}
    assert project.sessions.count() == 5
    assert not Attendance.objects.filter(session__project=project).exists()
    assert not ReportedParticipation.objects.filter(project=project).exists()

    figures = project_participation(project)

    assert figures.participants_total.value is None
    assert all(c.sessions == 0 and c.participants.value is None for c in figures.categories.values())
    assert dict(figures.sessions_by_kind) == {
        Kind.FORUM_OTHER: {"planned": 1, "held": 0, "cancelled": 0},
        Kind.TRAINING: {"planned": 3, "held": 0, "cancelled": 0},
        Kind.EVENT_CONFERENCE: {"planned": 1, "held": 0, "cancelled": 0},
    }


# --- Loading again ---------------------------------------------------------------------------------


def _snapshot():
    return {
        "sessions": sorted(
            ForumSession.objects.values_list("pk", "project__code", "kind", "municipality_id", "sequence", "status")
        ),
        "forums": sorted(Forum.objects.values_list("pk", "project_id", "municipality_id")),
        "reported": sorted(ReportedParticipation.objects.values_list("pk", "participants", "sessions_covered")),
        "attendance": Attendance.objects.count(),
    }


def test_loading_twice_changes_nothing(seeded):
    before = _snapshot()
    call_command("load_seed_projects", verbosity=0)
    assert _snapshot() == before
    assert len(before["sessions"]) == 19 + 6 + 5
    assert len(before["reported"]) == 3
