"""Reads and figures of the forums app: session lists, participation figures and feedback.

The participation figures are computed here once and shared by the participation page, the API
and the donors' PDFs. They are aggregated in the database: the number of queries does not grow
with the number of sessions.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Aggregate, Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.http import Http404

from projects.models import Municipality, Project
from projects.money import percentage, round_half_up
from projects.rules import served_municipalities

from .counts import SMALL_GROUP_LIMIT, Figure, average, share, sum_figures, weakest
from .models import (
    AGE_PARTS,
    GENDER_PARTS,
    Attendance,
    Category,
    Feedback,
    ForumSession,
    GroupCount,
    Kind,
    Qualifier,
    ReportedParticipation,
    ResidenceCount,
)

# --- Session lists ---------------------------------------------------------------------------------


def sessions_for_list(user, *, project: Project | None = None) -> QuerySet[ForumSession]:
    """Sessions the user may see, shaped for a list or calendar (a fixed number of queries)."""
    sessions = (
        ForumSession.objects.visible_to(user)
        .select_related("project", "municipality", "attendance")
        .order_by("date", "start_time", "pk")
    )
    return sessions.filter(project=project) if project is not None else sessions


def served_municipality_ids(user) -> set[int]:
    """Every municipality the user serves as municipal staff, in any project."""
    if not user.is_authenticated:
        return set()
    return set(
        Municipality.objects.filter(membership__user=user, membership__role="municipal_staff").values_list(
            "pk", flat=True
        )
    )


def session_for_page(user, project_code: str, pk: int) -> ForumSession:
    """One session of a project the user may see, with what its page shows; 404 otherwise."""
    try:
        return (
            ForumSession.objects.visible_to(user)
            .select_related("project", "municipality", "forum", "attendance", "created_by")
            .prefetch_related(
                "attendance__group_counts__group", "attendance__residence_counts__municipality", "attachments"
            )
            .get(project__code=project_code, pk=pk)
        )
    except ForumSession.DoesNotExist:
        raise Http404 from None


def municipalities_user_may_log_for(user, project: Project) -> QuerySet[Municipality]:
    """Where the user may log sessions: every target municipality for a coordinator, else those served."""
    candidates = Municipality.objects.filter(
        Q(projects=project) | Q(pk__in=served_municipalities(user, project))
    ).distinct()
    if user.has_perm("projects.change_project", project):
        return candidates
    return candidates.filter(pk__in=served_municipalities(user, project))


# --- Participation figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalityParticipation:
    """Held sessions of one category in one municipality and who came to them."""

    municipality: Municipality | None
    sessions: int
    participants: Figure
    average_per_session: Figure
    sessions_with_figures: int
    includes_reported: bool
    counted_participants: Figure  # what was counted, before unknown sessions make it a lower bound


@dataclass(frozen=True)
class CategoryParticipation:
    category: str
    sessions: int
    participants: Figure
    average_per_session: Figure
    by_municipality: list[MunicipalityParticipation]
    includes_reported: bool

    @property
    def label(self) -> str:
        return Category(self.category).label


@dataclass(frozen=True)
class Breakdown:
    """Shares of the participants of the sessions that recorded this breakdown."""

    base: Figure
    parts: list[tuple[str, Figure, Figure]]  # (part name, count, share of base)
    not_recorded: Figure


@dataclass(frozen=True)
class ParticipationFigures:
    sessions_by_kind: list[tuple[str, dict[str, int]]]
    categories: dict[str, CategoryParticipation]
    participants_total: Figure
    gender: Breakdown
    age: Breakdown
    reported: list[ReportedParticipation] = field(default_factory=list)

    @property
    def forum(self) -> CategoryParticipation:
        return self.categories[Category.FORUM]

    @property
    def trainings(self) -> CategoryParticipation:
        return self.categories[Category.TRAINING]

    @property
    def events(self) -> CategoryParticipation:
        return self.categories[Category.EVENT]


def _category_of_kind() -> Case:
    return Case(
        *(When(kind__in=Kind.of_category(category), then=Value(category)) for category in Category.values),
        output_field=CharField(),
    )


def _counted(part: str, qualifier: str) -> Count:
    return Count("pk", filter=Q(**{f"attendance__{part}__isnull": False, f"attendance__{part}_qualifier": qualifier}))


def project_participation(project: Project, *, exact_small_groups: bool = False) -> ParticipationFigures:
    """Sessions by kind and status, participants per category and municipality, gender and age shares.

    Breakdown groups of 1–4 people are suppressed unless ``exact_small_groups`` (the project team's
    pages and API; see ``forums.view_small_groups``): PDFs and exports are published, so they never are.
    """
    sessions = ForumSession.objects.filter(project=project)
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ForumSession.Status.values, 0))
    for row in sessions.values("kind", "status").annotate(n=Count("pk")).order_by():
        by_kind[row["kind"]][row["status"]] = row["n"]

    held = (
        sessions.filter(status=ForumSession.Status.HELD)
        .annotate(category=_category_of_kind())
        .values("category", "municipality")
        .annotate(
            sessions=Count("pk"),
            counted=Count("attendance__participants"),
            participants=Sum("attendance__participants"),
            approximate=_counted("participants", Qualifier.APPROXIMATE),
            at_least=_counted("participants", Qualifier.AT_LEAST),
        )
        .order_by()
    )
    held_rows = list(held)
    reported = list(
        ReportedParticipation.objects.filter(project=project)
        .select_related("municipality", "project")
        .order_by("category", "pk")
    )
    municipality_ids = {row["municipality"] for row in held_rows if row["municipality"]}
    municipalities = Municipality.objects.in_bulk(municipality_ids - {r.municipality_id for r in reported})
    municipalities.update({r.municipality_id: r.municipality for r in reported if r.municipality_id})

    categories = {
        category: _category_participation(
            category,
            [row for row in held_rows if row["category"] == category],
            [r for r in reported if r.category == category],
            municipalities,
        )
        for category in Category.values
    }
    totals = [c.participants for c in categories.values() if c.sessions or c.participants.is_known]
    gender, age = _breakdowns(sessions.filter(status=ForumSession.Status.HELD))
    return ParticipationFigures(
        sessions_by_kind=[(kind, by_kind[kind]) for kind in Kind.values if kind in by_kind],
        categories=categories,
        participants_total=sum_figures(totals),
        gender=gender if exact_small_groups else suppressed_breakdown(gender),
        age=age if exact_small_groups else suppressed_breakdown(age),
        reported=reported,
    )


def _category_participation(category, rows, reported, municipalities) -> CategoryParticipation:
    places = {row["municipality"] for row in rows} | {r.municipality_id for r in reported}
    by_municipality = []
    for place in sorted(places, key=lambda pk: (pk is None, str(municipalities.get(pk, "")))):
        row = next((row for row in rows if row["municipality"] == place), None)
        blocks = [r for r in reported if r.municipality_id == place]
        by_municipality.append(_municipality_participation(municipalities.get(place), row, blocks))
    participants = sum_figures([m.participants for m in by_municipality])
    with_figures = sum(m.sessions_with_figures for m in by_municipality)
    counted = sum_figures([m.counted_participants for m in by_municipality])
    return CategoryParticipation(
        category=category,
        sessions=sum(m.sessions for m in by_municipality),
        participants=participants,
        average_per_session=average(counted, with_figures),
        by_municipality=by_municipality,
        includes_reported=bool(reported),
    )


def _municipality_participation(municipality, row, reported) -> MunicipalityParticipation:
    row = row or {"sessions": 0, "counted": 0, "participants": None, "approximate": 0, "at_least": 0}
    qualifiers = [Qualifier.APPROXIMATE] * bool(row["approximate"]) + [Qualifier.AT_LEAST] * bool(row["at_least"])
    parts = []
    if row["counted"]:
        parts.append(Figure(row["participants"], weakest(qualifiers)))
    parts += [Figure(block.participants, block.qualifier) for block in reported]
    covered = sum(block.sessions_covered for block in reported)
    with_figures = row["counted"] + covered
    sessions = max(row["sessions"], with_figures)
    unknown = sessions - with_figures
    counted = sum_figures(parts)
    return MunicipalityParticipation(
        municipality=municipality,
        sessions=sessions,
        participants=sum_figures(parts, unknown_parts=unknown),
        average_per_session=average(counted, with_figures),
        sessions_with_figures=with_figures,
        includes_reported=bool(reported),
        counted_participants=counted,
    )


def sessions_with_breakdowns(project: Project) -> QuerySet[ForumSession]:
    """Every session of a project with its attendance and breakdowns, for the final report (four queries)."""
    return (
        ForumSession.objects.filter(project=project)
        .select_related("project", "municipality", "attendance")
        .prefetch_related("attendance__group_counts__group", "attendance__residence_counts__municipality")
        .order_by("date", "start_time", "forum_id", "sequence", "pk")
    )


def any_recorded(parts: tuple[str, ...]) -> Q:
    """Sessions whose attendance has at least one of ``parts``."""
    return reduce(operator.or_, (Q(**{f"attendance__{part}__isnull": False}) for part in parts))


def _breakdowns(held: QuerySet[ForumSession]) -> tuple[Breakdown, Breakdown]:
    """Gender and age shares over the held sessions that recorded each breakdown (one query)."""
    has_gender = any_recorded(GENDER_PARTS)
    has_age = any_recorded(AGE_PARTS)
    aggregates = {
        "gender_base": Sum("attendance__participants", filter=has_gender),
        "gender_base_rough": Count("pk", filter=has_gender & ~Q(attendance__participants_qualifier=Qualifier.EXACT)),
        "age_base": Sum("attendance__participants", filter=has_age),
        "age_base_rough": Count("pk", filter=has_age & ~Q(attendance__participants_qualifier=Qualifier.EXACT)),
    }
    for part in (*GENDER_PARTS, *AGE_PARTS):
        aggregates[part] = Sum(f"attendance__{part}")
        aggregates[f"{part}_approximate"] = _counted(part, Qualifier.APPROXIMATE)
        aggregates[f"{part}_at_least"] = _counted(part, Qualifier.AT_LEAST)
    totals = held.filter(attendance__participants__isnull=False).aggregate(**aggregates)

    def breakdown(base_key: str, names: tuple[str, ...]) -> Breakdown:
        base_value = totals[base_key]
        base = Figure(base_value, Qualifier.APPROXIMATE if totals[f"{base_key}_rough"] else Qualifier.EXACT)
        if base_value is None:
            return Breakdown(base=Figure.unknown(), parts=[], not_recorded=Figure.unknown())
        parts = []
        for name in names:
            qualifiers = [Qualifier.APPROXIMATE] * bool(totals[f"{name}_approximate"])
            qualifiers += [Qualifier.AT_LEAST] * bool(totals[f"{name}_at_least"])
            count = Figure(totals[name], weakest(qualifiers)) if totals[name] is not None else Figure.unknown()
            parts.append((name, count, share(count, base)))
        recorded = sum(count.value for _name, count, _share in parts if count.is_known)
        # What is left of a total once lower bounds are taken off is no bound at all: approximate.
        part_qualifiers = [
            Qualifier.APPROXIMATE if c.qualifier == Qualifier.AT_LEAST else c.qualifier for _n, c, _s in parts
        ]
        not_recorded = Figure(base_value - recorded, weakest([base.qualifier, *part_qualifiers]))
        return Breakdown(base=base, parts=parts, not_recorded=not_recorded)

    return breakdown("gender_base", GENDER_PARTS), breakdown("age_base", AGE_PARTS)


# --- Small groups --------------------------------------------------------------------------------


def _is_small(figure: Figure) -> bool:
    """1–4 people: a 0 is kept, since it points at nobody; unknown stays unknown."""
    return figure.is_known and 0 < figure.value < SMALL_GROUP_LIMIT


def suppress_small_groups(counts: Sequence[Figure], *, parts_of_total: bool = True) -> list[Figure]:
    """The counts with every group of 1–4 people suppressed.

    When the counts are parts of a total that is shown (women, men and undisclosed of the participants),
    one suppressed group alone could be recovered by subtraction: the next smallest known group is
    suppressed with it (secondary suppression). Groups that overlap (vulnerable groups, each within the
    total) cannot be subtracted, so ``parts_of_total=False`` suppresses only the small ones.
    """
    hidden = {index for index, count in enumerate(counts) if _is_small(count)}
    if parts_of_total and len(hidden) == 1:
        others = [index for index, count in enumerate(counts) if index not in hidden and count.is_known]
        if others:
            hidden.add(min(others, key=lambda index: counts[index].value))
    return [Figure.suppressed(count.qualifier) if index in hidden else count for index, count in enumerate(counts)]


def suppressed_breakdown(breakdown: Breakdown) -> Breakdown:
    """A project's gender or age breakdown as the public sees it: the "not recorded" remainder is one
    more part of the base, and a suppressed count takes its share with it (share × base = count)."""
    if not breakdown.base.is_known:
        return breakdown
    counts = suppress_small_groups([count for _part, count, _share in breakdown.parts] + [breakdown.not_recorded])
    parts = [
        (part, count, Figure.suppressed(shown.qualifier) if count.is_suppressed else shown)
        for (part, _count, shown), count in zip(breakdown.parts, counts, strict=False)
    ]
    return Breakdown(base=breakdown.base, parts=parts, not_recorded=counts[-1])


@dataclass(frozen=True)
class SessionBreakdowns:
    """One session's attendance as a reader may see it: (part, count) pairs, each count a ``Figure``;
    the parts of groups and residence are their stored rows (``row.group``, ``row.municipality``)."""

    participants: Figure
    gender: list[tuple[str, Figure]]
    age: list[tuple[str, Figure]]
    groups: list[tuple[GroupCount, Figure]]
    residence: list[tuple[ResidenceCount, Figure]]


def session_breakdowns(attendance: Attendance, *, exact_small_groups: bool = False) -> SessionBreakdowns:
    """The breakdowns of one session's attendance, small groups suppressed unless ``exact_small_groups``.

    Reads the group and residence counts through the attendance's prefetch when there is one.
    """

    def stored(names: tuple[str, ...]) -> list[Figure]:
        return [Figure(getattr(attendance, name), getattr(attendance, f"{name}_qualifier")) for name in names]

    groups = list(attendance.group_counts.all())
    residence = list(attendance.residence_counts.all())
    gender, age = stored(GENDER_PARTS), stored(AGE_PARTS)
    group_counts = [Figure(row.count, row.qualifier) for row in groups]
    residence_counts = [Figure(row.count, row.qualifier) for row in residence]
    if not exact_small_groups:
        gender, age, residence_counts = map(suppress_small_groups, (gender, age, residence_counts))
        group_counts = suppress_small_groups(group_counts, parts_of_total=False)
    return SessionBreakdowns(
        participants=Figure(attendance.participants, attendance.participants_qualifier),
        gender=list(zip(GENDER_PARTS, gender, strict=True)),
        age=list(zip(AGE_PARTS, age, strict=True)),
        groups=list(zip(groups, group_counts, strict=True)),
        residence=list(zip(residence, residence_counts, strict=True)),
    )


# --- Feedback --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFigures:
    responses: int
    average_satisfaction: Decimal | None
    useful_share: Decimal | None
    pending_comments: int


def _feedback_aggregates(prefix: str = "") -> dict[str, Aggregate]:
    """The aggregates behind ``FeedbackFigures``, over feedback rows (``prefix=""``) or a relation to them."""

    def on(**lookups) -> Q:
        return Q(**{prefix + lookup: value for lookup, value in lookups.items()})

    return {
        "feedback_responses": Count(f"{prefix}pk"),
        # A sum, not Avg: the average is divided as a Decimal, so half-up rounding sees the exact value.
        "feedback_satisfaction_sum": Sum(f"{prefix}satisfaction"),
        "feedback_answered_useful": Count(f"{prefix}pk", filter=on(was_useful__isnull=False)),
        "feedback_useful": Count(f"{prefix}pk", filter=on(was_useful=True)),
        "feedback_pending": Count(f"{prefix}pk", filter=on(moderation=Feedback.Moderation.PENDING) & ~on(comment="")),
    }


def _feedback_figures_of(totals: Mapping[str, int | None]) -> FeedbackFigures:
    responses = totals["feedback_responses"]
    answered_useful = totals["feedback_answered_useful"]
    return FeedbackFigures(
        responses=responses,
        average_satisfaction=round_half_up(Decimal(totals["feedback_satisfaction_sum"]) / responses)
        if responses
        else None,
        useful_share=percentage(totals["feedback_useful"], answered_useful) if answered_useful else None,
        pending_comments=totals["feedback_pending"],
    )


def feedback_figures(feedback: QuerySet[Feedback]) -> FeedbackFigures:
    """Count, average satisfaction (two decimals, half up) and share who found it useful."""
    return _feedback_figures_of(feedback.aggregate(**_feedback_aggregates()))


def project_feedback(project: Project) -> FeedbackFigures:
    return feedback_figures(Feedback.objects.filter(session__project=project))


def session_feedback(session: ForumSession) -> FeedbackFigures:
    return feedback_figures(Feedback.objects.filter(session=session))


@dataclass(frozen=True)
class SessionFeedback:
    session: ForumSession
    figures: FeedbackFigures


def feedback_by_session(project: Project) -> list[SessionFeedback]:
    """Feedback figures of each held session of a project (and of any other one that has feedback), one query."""
    aggregates = _feedback_aggregates("feedback__")
    sessions = (
        ForumSession.objects.filter(project=project)
        .select_related("project", "municipality")
        .annotate(**aggregates)
        .filter(Q(status=ForumSession.Status.HELD) | Q(feedback_responses__gt=0))
        .order_by("date", "start_time", "pk")
    )
    return [
        SessionFeedback(
            session=session, figures=_feedback_figures_of({name: getattr(session, name) for name in aggregates})
        )
        for session in sessions
    ]


def feedback_comments(project: Project, *, approved_only: bool) -> QuerySet[Feedback]:
    """Comments of a project's participants; the public sees only approved ones."""
    # The session's project and municipality are shown beside each comment: fetched with it.
    comments = (
        Feedback.objects.filter(session__project=project)
        .exclude(comment="")
        .select_related("session__project", "session__municipality")
    )
    if approved_only:
        comments = comments.filter(moderation=Feedback.Moderation.APPROVED)
    return comments.order_by("-created_at")


# --- Calendar --------------------------------------------------------------------------------------


def month_grid(year: int, month: int, sessions: list[ForumSession]) -> list[list[tuple[datetime.date, list]]]:
    """Weeks (Monday first) of a month, each day with its sessions; days of other months are None."""
    first = datetime.date(year, month, 1)
    start = first - datetime.timedelta(days=first.weekday())
    by_day: dict[datetime.date, list[ForumSession]] = defaultdict(list)
    for session in sessions:
        by_day[session.date].append(session)
    weeks, day = [], start
    while day.month == month or day < first or day.weekday() != 0:
        week = []
        for _ in range(7):
            week.append((day if day.month == month else None, by_day.get(day, [])))
            day += datetime.timedelta(days=1)
        weeks.append(week)
        if day.month != month and day > first:
            break
    return weeks


def attendance_of(session: ForumSession) -> Attendance | None:
    """The session's attendance row, or None when nothing was recorded (unknown, not zero)."""
    try:
        return session.attendance
    except Attendance.DoesNotExist:
        return None


def session_history(session: ForumSession) -> list[LogEntry]:
    """Audit entries (who, when, what) of the session and its attendance, newest first (one query)."""
    session_type = ContentType.objects.get_for_model(ForumSession)
    attendance_type = ContentType.objects.get_for_model(Attendance)
    return list(
        LogEntry.objects.filter(
            Q(content_type=session_type, object_pk=str(session.pk))
            | Q(content_type=attendance_type, object_pk=str(session.pk))
        )
        .select_related("actor")
        .order_by("-timestamp")[:100]
    )
