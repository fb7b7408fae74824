"""Writes of the forums app: logging sessions and attendance, attachments, named participants and
participants' feedback. Each checks permission, validates, runs in one transaction and leaves an
audit entry (who, when, what) through django-auditlog."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import ensure_can
from projects.models import Municipality
from projects.services import bump_version

from .models import (
    Attachment,
    Attendance,
    Feedback,
    Forum,
    ForumSession,
    GroupCount,
    Kind,
    Participant,
    ResidenceCount,
    VulnerableGroup,
)
from .uploads import checked_content_type


@dataclass(frozen=True)
class CountInput:
    count: int
    qualifier: str


@transaction.atomic
def forum_session_save(
    *,
    actor,
    session: ForumSession,
    attendance: Attendance | None = None,
    group_counts: dict[VulnerableGroup, CountInput] | None = None,
    residence_counts: dict[Municipality, CountInput] | None = None,
    attachments: list[tuple[str, UploadedFile]] = (),
    expected_version: int | None = None,
) -> ForumSession:
    """Log a new session or save an edited one, with its attendance, all or nothing.

    Municipal staff may only log and edit sessions in the municipalities they serve. A forum
    session joins its municipality's forum and gets the next number in it unless one is given.
    """
    with set_actor(actor):
        is_new = session.pk is None
        if is_new:
            ensure_can(actor, "forums.add_session", session.project)
            session.created_by = actor
        else:
            stored = ForumSession.objects.select_for_update().get(pk=session.pk)
            ensure_can(actor, "forums.change_session", stored)
        if not actor.has_perm("forums.change_session", session):  # the municipality it has now, too
            raise PermissionDenied(_("You may only log and edit sessions in the municipalities you serve."))
        for _kind, upload in attachments:
            checked_content_type(upload)  # every file before anything is stored: no orphans on refusal
        if not session.language:
            session.language = session.project.original_language
        place_in_forum(session)
        session.full_clean()
        if not is_new:
            bump_version(session, expected_version)
        session.save()
        if attendance is not None:
            _save_attendance(session, attendance, group_counts or {}, residence_counts or {})
        for kind, upload in attachments:
            attachment_add(actor=actor, session=session, kind=kind, upload=upload)
        return session


def place_in_forum(session: ForumSession) -> None:
    """Put a forum session in its municipality's forum with the next number there (seeds use it too)."""
    if Kind.category_of(session.kind) != "forum" or session.municipality_id is None:
        session.forum = None
        session.sequence = None
        return
    forum, _created = Forum.objects.get_or_create(project=session.project, municipality=session.municipality)
    if session.forum_id != forum.pk or session.sequence is None:
        if session.forum_id is not None:
            session.sequence = None  # moved from another forum: its number there means nothing here
        session.forum = forum
        # Locking the forum row serialises numbering; the unique constraint backs it up.
        Forum.objects.select_for_update().filter(pk=forum.pk).first()
        taken = forum.sessions.exclude(pk=session.pk).aggregate(last=Max("sequence"))["last"] or 0
        session.sequence = session.sequence or taken + 1


def attendance_problems(
    attendance: Attendance,
    group_counts: dict[VulnerableGroup, CountInput],
    residence_counts: dict[Municipality, CountInput],
) -> list[str]:
    """What in the group and residence rows does not fit the total: every problem, not the first.

    The fixed columns (gender, age) are checked by ``Attendance.clean``; the page's live check and
    the save both call this for the rows.
    """
    problems = []
    total = attendance.participants
    if total is None and (group_counts or residence_counts):
        problems.append(_("Give the total number of participants before its parts."))
    if any(value.count < 0 for value in [*group_counts.values(), *residence_counts.values()]):
        problems.append(_("Counts cannot be negative."))
    for group, value in group_counts.items():
        if total is not None and value.count > total:
            problems.append(
                _("%(group)s: %(count)s is more than the %(total)s participants.")
                % {"group": group, "count": value.count, "total": total}
            )
    residents = sum(value.count for value in residence_counts.values())
    if total is not None and residents > total:
        problems.append(
            _("The municipalities of residence add up to %(sum)s, more than the %(total)s participants.")
            % {"sum": residents, "total": total}
        )
    return problems


def _save_attendance(session, attendance, group_counts, residence_counts) -> None:
    attendance.session = session
    attendance.full_clean()
    problems = attendance_problems(attendance, group_counts, residence_counts)
    if problems:
        raise ValidationError({"participants": problems})
    attendance.save()
    attendance.group_counts.exclude(group__in=list(group_counts)).delete()
    for group, value in group_counts.items():
        GroupCount.objects.update_or_create(
            attendance=attendance, group=group, defaults={"count": value.count, "qualifier": value.qualifier}
        )
    attendance.residence_counts.exclude(municipality__in=list(residence_counts)).delete()
    for municipality, value in residence_counts.items():
        ResidenceCount.objects.update_or_create(
            attendance=attendance,
            municipality=municipality,
            defaults={"count": value.count, "qualifier": value.qualifier},
        )


@transaction.atomic
def attachment_add(*, actor, session: ForumSession, kind: str, upload: UploadedFile) -> Attachment:
    """Keep a scanned sign-in sheet, minutes or photo with the session (PDF, JPEG, PNG; ≤ 10 MB)."""
    ensure_can(actor, "forums.change_session", session)
    with set_actor(actor):
        content_type = checked_content_type(upload)
        attachment = Attachment(
            session=session, kind=kind, file=upload, content_type=content_type, size=upload.size, uploaded_by=actor
        )
        attachment.full_clean()
        attachment.save()
        return attachment


@transaction.atomic
def participant_add(
    *, actor, session: ForumSession, full_name: str, municipality: Municipality | None, consent_given: bool
) -> Participant:
    """List a participant by name; refused without the person's recorded consent."""
    ensure_can(actor, "forums.change_session", session)
    if not consent_given:
        raise ValidationError({"consent_given": _("A name can only be recorded with the person's consent.")})
    with set_actor(actor):
        participant = Participant(
            session=session, full_name=full_name, municipality=municipality, consent_given=True, recorded_by=actor
        )
        participant.full_clean()
        participant.save()
        return participant


def participants_named(full_name: str) -> QuerySet[Participant]:
    """The named-participant rows of one person: the name compared without case or extra spaces."""
    words = full_name.split()
    if not words:
        return Participant.objects.none()
    pattern = r"^\s*" + r"\s+".join(re.escape(word) for word in words) + r"\s*$"
    return Participant.objects.filter(full_name__iregex=pattern).select_related(
        "session__project", "session__municipality", "municipality"
    )


def participants_export(*, full_name: str) -> list[dict[str, Any]]:
    """One person's named-participant rows with the sessions they attended, for a subject access request."""
    return [
        {
            "full_name": participant.full_name,
            "municipality_of_residence": str(participant.municipality) if participant.municipality else None,
            "consent_recorded_at": participant.consent_recorded_at.isoformat(),
            "session": {
                "project": participant.session.project.code,
                "kind": participant.session.kind,
                "date": participant.session.date.isoformat() if participant.session.date else None,
                "municipality": str(participant.session.municipality) if participant.session.municipality else None,
                "venue": participant.session.venue,
            },
        }
        for participant in participants_named(full_name).order_by("session__date", "pk")
    ]


@transaction.atomic
def participants_erase(*, full_name: str) -> int:
    """Delete one person's named-participant rows; the sessions' counts stay. Returns how many."""
    deleted, _by_model = participants_named(full_name).delete()
    return deleted


def named_lists_expired(*, today: datetime.date | None = None) -> tuple[QuerySet[Participant], QuerySet[Attachment]]:
    """Named lists past retention: participants and scanned sign-in sheets of projects that ended more
    than ``NAMED_PARTICIPANTS_RETENTION_DAYS`` ago. A project without an end date has not ended."""
    today = today or timezone.localdate()
    ended_before = today - datetime.timedelta(days=settings.NAMED_PARTICIPANTS_RETENTION_DAYS)
    participants = Participant.objects.filter(session__project__end_date__lt=ended_before)
    sheets = Attachment.objects.filter(kind=Attachment.Kind.SIGN_IN_SHEET, session__project__end_date__lt=ended_before)
    return participants, sheets


@transaction.atomic
def named_lists_anonymise(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Delete the names kept past retention (participant rows, sign-in sheet scans and their files);
    attendance counts stay. Running it again deletes nothing more. Returns (participants, sheets)."""
    participants, sheets = named_lists_expired(today=today)
    removed_participants, _by_model = participants.delete()
    removed_sheets = 0
    for sheet in sheets.select_for_update():
        stored = sheet.file.name
        sheet.delete()  # one by one: each leaves an audit entry, and its file goes after commit
        transaction.on_commit(lambda name=stored, storage=sheet.file.storage: storage.delete(name))
        removed_sheets += 1
    return removed_participants, removed_sheets


def device_hash(device_id: str) -> str:
    """A keyed hash of a device's random cookie: enough to refuse a second submission, nothing more."""
    return hmac.new(settings.SECRET_KEY.encode(), device_id.encode(), hashlib.sha256).hexdigest()


class DuplicateFeedback(ValidationError):
    """This device already gave feedback on this session."""


def feedback_submit(
    *, session: ForumSession, device_id: str, satisfaction: int, was_useful: bool | None, comment: str, language: str
) -> Feedback:
    """Record a participant's anonymous feedback on a held session, once per device."""
    if session.status != ForumSession.Status.HELD:
        raise ValidationError(_("Feedback opens once the session has been held."))
    feedback = Feedback(
        session=session,
        satisfaction=satisfaction,
        was_useful=was_useful,
        comment=comment.strip(),
        language=language,
        device_hash=device_hash(device_id),
    )
    # The unique constraint on (session, device_hash) is left to the database, so that a duplicate
    # (also two submissions racing) raises DuplicateFeedback below, not a generic ValidationError.
    feedback.full_clean(exclude=["device_hash"], validate_unique=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        raise DuplicateFeedback(_("You have already given feedback on this session. Thank you!")) from None
    return feedback


@transaction.atomic
def feedback_moderate(*, actor, feedback: Feedback, decision: str) -> Feedback:
    """Approve a comment for public display, or keep it internal."""
    ensure_can(actor, "forums.moderate_feedback", feedback.session.project)
    if decision not in (Feedback.Moderation.APPROVED, Feedback.Moderation.REJECTED):
        raise ValidationError(_("Choose whether to approve the comment or keep it internal."))
    with set_actor(actor):
        feedback.moderation = decision
        feedback.moderated_by = actor
        feedback.save(update_fields=["moderation", "moderated_by"])
        return feedback
