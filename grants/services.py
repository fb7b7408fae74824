"""Writes of the grants app: calls and their phases, proposals from draft to submission, screening.

Every workflow move checks who makes it, runs in one transaction, and queues its notification
after commit. A move repeated (a double-clicked submit) is a no-op, never done twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.permissions import ensure_can
from audit.context import acting_as
from forums.models import Attendance, ForumSession
from forums.uploads import IMAGE_TYPES, checked_content_type
from projects.i18n import per_language
from projects.models import Project
from projects.money import format_money, format_percent, percentage
from projects.rules import represented_organisations
from projects.services import StaleEdit, bump_version

from .models import (
    Award,
    Call,
    EligibilityCheck,
    EligibilityCriterion,
    ForumTally,
    MonitoringReport,
    Proposal,
    ProposalAttachment,
    ProposalBudgetLine,
    ReportedSpending,
    ReportPhoto,
    Review,
    ReviewScore,
    ScoringCriterion,
    Selection,
    Tranche,
)
from .selectors import RankedProposal, call_ranking
from .tasks import proposal_decision_notify_task, proposal_submitted_notify_task

Status = Proposal.Status
HUNDRED = Decimal(100)


# --- Calls -----------------------------------------------------------------------------------------


@transaction.atomic
def call_save(*, actor, call: Call, expected_version: int | None = None) -> Call:
    """Create or edit a call. New calls start as drafts; phases move only through ``call_open`` and
    ``call_close``; money and deadlines are fixed once the call has opened."""
    with acting_as(actor):
        if call.pk:
            stored = Call.objects.select_for_update().get(pk=call.pk)
            ensure_can(actor, "grants.manage_call", stored)
            if call.project_id != stored.project_id:
                raise ValidationError(_("A call cannot move to another project."))
            call.phase = stored.phase
            fixed = ("currency", "envelope", "max_per_grant", "min_cofinancing_percent", "opens_at", "closes_at")
            if stored.phase != Call.Phase.DRAFT and any(getattr(stored, f) != getattr(call, f) for f in fixed):
                raise ValidationError(_("The money and deadlines of a call cannot change once it has opened."))
            bump_version(call, expected_version)
        else:
            call.phase = Call.Phase.DRAFT
        ensure_can(actor, "grants.manage_call", call)
        call.full_clean()
        call.save()
        return call


@transaction.atomic
def call_open(*, actor, call: Call) -> Call:
    """Open a draft call: its rubric weights must add up to 100 and its deadline lie ahead."""
    ensure_can(actor, "grants.manage_call", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.phase != Call.Phase.DRAFT:
        raise ValidationError(_("Only a draft call can be opened."))
    weights = sum(call.scoring_criteria.values_list("weight", flat=True))
    if weights != 100:
        raise ValidationError(
            _("The weights of the scoring criteria add up to %(sum)s; they must add up to 100.") % {"sum": weights}
        )
    if call.closes_at <= timezone.now():
        raise ValidationError(_("The deadline has passed; move it before opening the call."))
    with acting_as(actor):
        call.phase = Call.Phase.OPEN
        call.save(update_fields=["phase"])
        bump_version(call, None)  # an edit form opened on the draft is now stale
    return call


@transaction.atomic
def call_close(*, actor, call: Call) -> Call:
    """Close an open call to new proposals (the deadline also closes it, on the server's clock)."""
    ensure_can(actor, "grants.manage_call", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.phase != Call.Phase.OPEN:
        raise ValidationError(_("Only an open call can be closed."))
    with acting_as(actor):
        call.phase = Call.Phase.CLOSED
        call.save(update_fields=["phase"])
        bump_version(call, None)
    return call


@transaction.atomic
def call_criteria_save(
    *,
    actor,
    call: Call,
    eligibility: Iterable[EligibilityCriterion] | None = None,
    scoring: Iterable[ScoringCriterion] | None = None,
) -> Call:
    """Replace a draft call's eligibility checklist and/or scoring rubric (None keeps it), in the order given.

    Only while the call is a draft: once open, proposals are screened and scored against them. The
    weights need not add up to 100 yet (the coordinator comes back to them); ``call_open`` checks that.
    Editors who loaded the old lists are now stale.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    ensure_can(actor, "grants.manage_call", call)
    if call.phase != Call.Phase.DRAFT:
        raise ValidationError(_("The checklist and the rubric of a call cannot change once it has opened."))
    with acting_as(actor):
        _criteria_replace(call, eligibility=eligibility, scoring=scoring)
        bump_version(call, None)
    return call


def _criteria_replace(call: Call, *, eligibility, scoring) -> None:
    for rows, stored in ((eligibility, call.eligibility_criteria), (scoring, call.scoring_criteria)):
        if rows is None:
            continue
        stored.all().delete()
        for order, row in enumerate(rows):
            row.pk = None
            row.call = call
            row.order = order
            row.full_clean()
            row.save()


# What tells a call apart from another draft of its project: the same again is the same call, sent twice.
CALL_IDENTITY = (*per_language("title"), "currency", "envelope", "max_per_grant", "opens_at", "closes_at")


@transaction.atomic
def call_start(
    *,
    actor,
    call: Call,
    eligibility: Iterable[EligibilityCriterion] = (),
    scoring: Iterable[ScoringCriterion] = (),
) -> Call:
    """Create a draft call with its checklist and rubric. Sent twice (a double click), it creates one:
    the project's row is locked, so the repeat waits for the first and finds its draft."""
    ensure_can(actor, "grants.manage_call", call)
    Project.objects.select_for_update().get(pk=call.project_id)
    same = {name: getattr(call, name) for name in CALL_IDENTITY}
    started = Call.objects.filter(project=call.project_id, phase=Call.Phase.DRAFT, **same).first()
    if started is not None:
        return started
    call = call_save(actor=actor, call=call)
    with acting_as(actor):
        _criteria_replace(call, eligibility=eligibility, scoring=scoring)
    return call


# --- Proposals -------------------------------------------------------------------------------------


def deadline_text(call: Call) -> str:
    """The call's deadline in its own time zone and the reader's date format, with the zone's name."""
    local = timezone.localtime(call.closes_at, ZoneInfo(call.time_zone))
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({call.time_zone})"


def budget_problems(proposal: Proposal, lines: Iterable[ProposalBudgetLine]) -> list[str]:
    """Where the budget breaks the call's rules: every problem, so the applicant can fix them at once."""
    lines = list(lines)
    call = proposal.call
    problems = []

    language = get_language() or settings.LANGUAGE_CODE

    def money(amount: Decimal) -> str:
        return format_money(amount, call.currency, language)

    def percent(value: Decimal) -> str:
        return format_percent(value, language)

    grant = sum((line.total for line in lines if line.financed_by == line.FinancedBy.GRANT), Decimal(0))
    own = sum((line.total for line in lines if line.financed_by == line.FinancedBy.COFINANCING), Decimal(0))
    if grant != proposal.requested_amount:
        problems.append(
            _("The lines financed by the grant add up to %(lines)s, not the %(requested)s requested.")
            % {"lines": money(grant), "requested": money(proposal.requested_amount)}
        )
    if own != proposal.cofinancing:
        problems.append(
            _("The co-financed lines add up to %(lines)s, not the %(cofinancing)s of co-financing.")
            % {"lines": money(own), "cofinancing": money(proposal.cofinancing)}
        )
    if proposal.requested_amount > call.max_per_grant:
        problems.append(
            _("The requested %(requested)s is more than the call's maximum of %(maximum)s.")
            % {"requested": money(proposal.requested_amount), "maximum": money(call.max_per_grant)}
        )
    if proposal.requested_amount <= 0:
        problems.append(_("Request an amount greater than zero."))
    # Compared unrounded: 19.9986 % is less than a 20 % minimum; the rounded share is for reading.
    if proposal.cofinancing * HUNDRED < call.min_cofinancing_percent * proposal.total_budget:
        share = cofinancing_share(proposal) or Decimal(0)
        problems.append(
            _("Co-financing is %(share)s %% of the total; the call asks for at least %(minimum)s %%.")
            % {"share": percent(share), "minimum": percent(call.min_cofinancing_percent)}
        )
    return problems


def cofinancing_share(proposal: Proposal) -> Decimal | None:
    """Co-financing as a percentage of the proposal's total budget (two decimals, half up)."""
    return percentage(proposal.cofinancing, proposal.total_budget)


def _ensure_draft_changeable(actor, proposal: Proposal) -> None:
    """Only the applicant changes a proposal, and only while it is a draft; the applicant is told why."""
    if proposal.status != Status.DRAFT and actor.has_perm("grants.withdraw_proposal", proposal):
        raise ValidationError(_("A submitted proposal can no longer be changed."))
    ensure_can(actor, "grants.edit_proposal", proposal)


def _ensure_call_accepts_proposals(call_id: int) -> None:
    """The stored call's phase and the server's clock decide, on every change of a draft."""
    if not Call.objects.get(pk=call_id).accepts_proposals():
        raise ValidationError(_("This call is not accepting proposals."))


@transaction.atomic
def proposal_save_draft(
    *,
    actor,
    proposal: Proposal,
    budget_lines: Iterable[ProposalBudgetLine] | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Save a draft (the budget may not add up yet: the applicant comes back to it)."""
    if proposal.pk:
        stored = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _ensure_draft_changeable(actor, stored)
        bump_version(proposal, expected_version)
    else:
        ensure_can(actor, "grants.apply_to_call", proposal.call)
        proposal.created_by = actor
    _ensure_call_accepts_proposals(proposal.call_id)
    ensure_can(actor, "grants.edit_proposal", proposal)  # the organisation it names now, too
    with acting_as(actor):
        proposal.status = Status.DRAFT
        proposal.full_clean()
        proposal.save()
        if budget_lines is not None:
            proposal.budget_lines.all().delete()
            for order, line in enumerate(budget_lines):
                line.pk = None
                line.proposal = proposal
                line.order = order
                line.full_clean()
                line.save()
    return proposal


# What the application's first step fills in: the same values twice from one user are one draft.
STARTING_FIELDS = (
    "organisation_id",
    "language",
    "title",
    "summary",
    "problem",
    "activities",
    "beneficiaries",
    "municipality_id",
    "duration_months",
)


@transaction.atomic
def proposal_start(*, actor, proposal: Proposal) -> Proposal:
    """Start a new draft from the application's first step; the step sent twice (a double click)
    starts one draft. The call's row is locked, so the repeat waits for the first and finds its draft."""
    ensure_can(actor, "grants.apply_to_call", proposal.call)
    Call.objects.select_for_update().get(pk=proposal.call_id)
    started = Proposal.objects.filter(
        call=proposal.call_id,
        created_by=actor,
        status=Status.DRAFT,
        **{name: getattr(proposal, name) for name in STARTING_FIELDS},
    ).first()
    return started or proposal_save_draft(actor=actor, proposal=proposal)


@transaction.atomic
def proposal_submit(*, actor, proposal: Proposal) -> Proposal:
    """Submit a draft while the call is open (server clock); the coordinators are told after commit.

    Submitting an already submitted proposal (a double click) changes nothing and notifies nobody.
    """
    proposal = Proposal.objects.select_for_update().select_related("call__project").get(pk=proposal.pk)
    if proposal.status == Status.SUBMITTED:
        ensure_can(actor, "grants.withdraw_proposal", proposal)  # the applicant's second click: a no-op
        return proposal
    if proposal.status != Status.DRAFT and actor.has_perm("grants.withdraw_proposal", proposal):
        raise ValidationError(_("Only a draft can be submitted."))  # told to the applicant
    ensure_can(actor, "grants.edit_proposal", proposal)
    if not proposal.call.accepts_proposals():
        raise ValidationError(
            _("The call closed on %(deadline)s; proposals can no longer be submitted.")
            % {"deadline": deadline_text(proposal.call)}
        )
    problems = budget_problems(proposal, proposal.budget_lines.all())
    if problems:
        raise ValidationError(problems)
    with acting_as(actor):
        proposal.status = Status.SUBMITTED
        proposal.submitted_at = timezone.now()
        proposal.full_clean()
        proposal.save(update_fields=["status", "submitted_at"])
    transaction.on_commit(lambda: proposal_submitted_notify_task.delay(proposal.pk))
    return proposal


WITHDRAWABLE = {Status.DRAFT, Status.SUBMITTED, Status.ELIGIBLE, Status.IN_REVIEW, Status.SHORTLISTED}


@transaction.atomic
def proposal_withdraw(*, actor, proposal: Proposal) -> Proposal:
    """The applicant withdraws a proposal before any decision on it."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    ensure_can(actor, "grants.withdraw_proposal", proposal)
    if proposal.status == Status.WITHDRAWN:
        return proposal
    if proposal.status not in WITHDRAWABLE:
        raise ValidationError(_("A proposal can no longer be withdrawn once it has been decided."))
    with acting_as(actor):
        proposal.status = Status.WITHDRAWN  # a withdrawn draft keeps no submission date: it was never sent
        proposal.save(update_fields=["status"])
    return proposal


@transaction.atomic
def proposal_attachment_add(
    *, actor, proposal: Proposal, upload: UploadedFile, description: str = ""
) -> ProposalAttachment:
    """Keep a document with a draft (PDF, JPEG or PNG by its content, at most 10 MB).

    Attachments change no field of the proposal, so they leave its version alone: an applicant
    uploading a quote does not make a colleague's open budget form stale.
    """
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _ensure_draft_changeable(actor, proposal)
    _ensure_call_accepts_proposals(proposal.call_id)
    content_type = checked_content_type(upload)
    with acting_as(actor):
        attachment = ProposalAttachment(
            proposal=proposal,
            file=upload,
            description=description.strip(),
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.full_clean()
        attachment.save()
    return attachment


@transaction.atomic
def proposal_attachment_remove(*, actor, attachment: ProposalAttachment) -> None:
    """Remove a document from a draft; its file leaves the storage once the removal is committed.

    Removing an attachment already removed (a double click) does nothing.
    """
    proposal = Proposal.objects.select_for_update().get(pk=attachment.proposal_id)
    _ensure_draft_changeable(actor, proposal)
    _ensure_call_accepts_proposals(proposal.call_id)
    stored = ProposalAttachment.objects.filter(pk=attachment.pk).first()
    if stored is None:
        return
    file_name, storage = stored.file.name, stored.file.storage
    with acting_as(actor):
        stored.delete()
    transaction.on_commit(lambda: storage.delete(file_name))


SCREENABLE = (Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE)


@transaction.atomic
def proposal_screen(
    *,
    actor,
    proposal: Proposal,
    answers: dict[EligibilityCriterion, tuple[bool, str]],
    expected_version: int | None = None,
) -> Proposal:
    """Check a submitted proposal against every item of the call's checklist, with reasons.

    All met: eligible. Any unmet: ineligible, and the unmet items' reasons become the decision's
    reason, which the applicant sees. The same answers again (a double click) change nothing and
    mail nobody; other answers given on a screening begun before the last one are refused as stale.
    """
    proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    ensure_can(actor, "grants.screen_proposal", proposal)
    if proposal.status not in SCREENABLE:
        raise ValidationError(_("Only a submitted proposal can be screened."))
    checklist = set(proposal.call.eligibility_criteria.all())
    if set(answers) != checklist:
        raise ValidationError(_("Answer every item of the call's eligibility checklist."))
    answers = {criterion: (is_met, reason.strip()) for criterion, (is_met, reason) in answers.items()}
    unmet = [(criterion, reason) for criterion, (is_met, reason) in answers.items() if not is_met]
    if any(not reason for _criterion, reason in unmet):
        raise ValidationError(_("Give the reason for every unmet criterion."))
    stored = {check.criterion_id: (check.is_met, check.reason) for check in proposal.eligibility_checks.all()}
    if proposal.status != Status.SUBMITTED and stored == {c.pk: answer for c, answer in answers.items()}:
        return proposal
    bump_version(proposal, expected_version)
    with acting_as(actor):
        for criterion, (is_met, reason) in answers.items():
            EligibilityCheck.objects.update_or_create(
                proposal=proposal,
                criterion=criterion,
                defaults={"is_met": is_met, "reason": reason, "checked_by": actor},
            )
        proposal.status = Status.INELIGIBLE if unmet else Status.ELIGIBLE
        proposal.decision_reason = "\n".join(f"{criterion}: {reason}" for criterion, reason in unmet)
        proposal.save(update_fields=["status", "decision_reason"])
    transaction.on_commit(lambda: proposal_decision_notify_task.delay(proposal.pk))
    return proposal


# --- Review ----------------------------------------------------------------------------------------


def _notify_decisions(proposals: Iterable[Proposal]) -> None:
    for proposal_id in [proposal.pk for proposal in proposals]:
        transaction.on_commit(lambda pk=proposal_id: proposal_decision_notify_task.delay(pk))


@transaction.atomic
def review_start(*, actor, call: Call) -> Call:
    """Close the call if needed and put its eligible proposals in review."""
    ensure_can(actor, "grants.manage_call", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.phase not in (Call.Phase.OPEN, Call.Phase.CLOSED):
        raise ValidationError(_("Review starts once the call has closed."))
    if call.phase == Call.Phase.OPEN and call.accepts_proposals():
        raise ValidationError(_("The call is still open: close it before starting the review."))
    with acting_as(actor):
        call.proposals.filter(status=Status.ELIGIBLE).update(status=Status.IN_REVIEW)
        call.phase = Call.Phase.IN_REVIEW
        call.save(update_fields=["phase"])
        bump_version(call, None)
    return call


@transaction.atomic
def review_assign(*, actor, proposal: Proposal, reviewer) -> Review:
    """Ask a reviewer to assess a proposal in review; nobody from the applicant may review it."""
    ensure_can(actor, "grants.manage_call", proposal.call)
    if proposal.status != Status.IN_REVIEW:
        raise ValidationError(_("Only a proposal in review can be assigned to a reviewer."))
    if proposal.organisation_id in represented_organisations(reviewer, proposal.call.project):
        raise ValidationError(_("This person acts for the applicant and cannot review its proposal."))
    with acting_as(actor):
        review, _created = Review.objects.get_or_create(
            proposal=proposal, reviewer=reviewer, defaults={"assigned_by": actor}
        )
    return review


@transaction.atomic
def review_declare(*, actor, review: Review, has_conflict: bool) -> Review:
    """The reviewer states whether they have a conflict of interest, before seeing any score form."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    ensure_can(actor, "grants.review", review)
    if review.has_conflict == has_conflict:
        return review  # the same declaration again (a double click): already recorded
    if review.has_conflict is not None:
        raise ValidationError(_("Your declaration is recorded; ask the coordinator if it needs correcting."))
    with acting_as(actor):
        review.has_conflict = has_conflict
        review.declared_at = timezone.now()
        review.save(update_fields=["has_conflict", "declared_at"])
    return review


@transaction.atomic
def review_submit(*, actor, review: Review, scores: dict[ScoringCriterion, int], comment: str = "") -> Review:
    """Score every criterion of the rubric from 0 to 10; only after declaring no conflict."""
    review = Review.objects.select_for_update().select_related("proposal__call").get(pk=review.pk)
    ensure_can(actor, "grants.review", review)
    if review.has_conflict is None:
        raise ValidationError(_("Declare first whether you have a conflict of interest."))
    if review.has_conflict:
        raise ValidationError(_("You declared a conflict of interest: you cannot score this proposal."))
    if review.proposal.status != Status.IN_REVIEW:
        raise ValidationError(_("The proposal is no longer in review."))
    rubric = set(review.proposal.call.scoring_criteria.all())
    if set(scores) != rubric:
        raise ValidationError(_("Score every criterion of the rubric."))
    if any(not 0 <= score <= 10 for score in scores.values()):
        raise ValidationError(_("Scores go from 0 to 10."))
    with acting_as(actor):
        for criterion, score in scores.items():
            ReviewScore.objects.update_or_create(review=review, criterion=criterion, defaults={"score": score})
        review.comment = comment.strip()
        review.submitted_at = timezone.now()
        review.save(update_fields=["comment", "submitted_at"])
    return review


@transaction.atomic
def shortlist(*, actor, call: Call, proposals: Iterable[Proposal], reason: str = "") -> Call:
    """Shortlist the chosen proposals in review; the others are not selected, with the reason given."""
    ensure_can(actor, "grants.manage_call", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.phase != Call.Phase.IN_REVIEW:
        raise ValidationError(_("Proposals are shortlisted at the end of the review."))
    chosen = {proposal.pk for proposal in proposals}
    in_review = list(call.proposals.filter(status=Status.IN_REVIEW))
    if not chosen or not chosen <= {proposal.pk for proposal in in_review}:
        raise ValidationError(_("Choose the shortlist among the proposals in review."))
    with acting_as(actor):
        for proposal in in_review:
            if proposal.pk in chosen:
                proposal.status = Status.SHORTLISTED
            else:
                proposal.status = Status.NOT_SELECTED
                proposal.decision_reason = reason.strip() or _("Not shortlisted after the review.")
            proposal.save(update_fields=["status", "decision_reason"])
        call.phase = Call.Phase.IN_SELECTION
        call.save(update_fields=["phase"])
        bump_version(call, None)
    _notify_decisions(p for p in in_review if p.pk not in chosen)
    return call


# --- Selection at a forum --------------------------------------------------------------------------


@transaction.atomic
def tally_record(*, actor, call: Call, session: ForumSession, votes: dict[Proposal, int]) -> list[ForumTally]:
    """Record the paper tally of a forum session for the call's shortlisted proposals (all of them at once).

    The session must belong to the project, have been held and have a known attendance that meets the
    call's quorum; no proposal gets more votes than there were participants, and all votes together no
    more than participants × votes per participant.
    """
    ensure_can(actor, "grants.manage_call", call)
    if session.project_id != call.project_id or session.status != ForumSession.Status.HELD:
        raise ValidationError(_("Choose a held session of this project."))
    attendance = Attendance.objects.filter(session=session).first()
    participants = attendance.participants if attendance else None
    if participants is None:
        raise ValidationError(_("Record the session's attendance first: votes are checked against it."))
    if participants < call.quorum:
        raise ValidationError(
            _("The session had %(participants)s participants; the call's quorum is %(quorum)s.")
            % {"participants": participants, "quorum": call.quorum}
        )
    shortlisted = set(call.proposals.filter(status=Status.SHORTLISTED))
    if not set(votes) <= shortlisted or not votes:
        raise ValidationError(_("Votes can only be recorded for the call's shortlisted proposals."))
    problems = [
        _("%(proposal)s: %(votes)s votes, more than the %(participants)s participants.")
        % {"proposal": proposal, "votes": count, "participants": participants}
        for proposal, count in votes.items()
        if count > participants
    ]
    if sum(votes.values()) > participants * call.votes_per_participant:
        problems.append(
            _("%(total)s votes in all, more than %(participants)s participants × %(each)s vote(s) each.")
            % {"total": sum(votes.values()), "participants": participants, "each": call.votes_per_participant}
        )
    if any(count < 0 for count in votes.values()):
        problems.append(_("Counts cannot be negative."))
    if problems:
        raise ValidationError(problems)
    with acting_as(actor):
        # The session's whole tally for the call, replacing an earlier one: parts never add up past the limit.
        ForumTally.objects.filter(session=session, proposal__call=call).exclude(proposal__in=list(votes)).delete()
        return [
            ForumTally.objects.update_or_create(
                proposal=proposal, session=session, defaults={"votes": count, "recorded_by": actor}
            )[0]
            for proposal, count in votes.items()
        ]


@transaction.atomic
def selection_decide(
    *,
    actor,
    call: Call,
    session: ForumSession | None = None,
    minutes: str = "",
    overrides: dict[Proposal, tuple[bool, str]] | None = None,
) -> Selection:
    """Select the winners: by rank (forum votes, else review score) until the envelope is used.

    Ranks are broken by the call's tie rule; a tie the rule leaves to the coordinator, at the edge of
    the envelope, needs an override. The coordinator may override any result with a recorded reason.
    """
    ensure_can(actor, "grants.manage_call", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.phase != Call.Phase.IN_SELECTION:
        raise ValidationError(_("The call is not in selection."))
    overrides = overrides or {}
    if any(not reason.strip() for _selected, reason in overrides.values()):
        raise ValidationError(_("Give the reason for every override."))
    by_vote = call.selection_method != Call.SelectionMethod.COMMITTEE
    if session is not None and (session.project_id != call.project_id or session.status != ForumSession.Status.HELD):
        raise ValidationError(_("Choose a held session of this project."))
    if by_vote and (session is None or not ForumTally.objects.filter(session=session, proposal__call=call).exists()):
        raise ValidationError(_("Record the tally of the forum session whose vote decides."))
    ranking = call_ranking(call, session)
    winners = take_by_rank(call, ranking, by_vote=by_vote, overrides=overrides)
    with acting_as(actor):
        decided = []
        for row in ranking:
            proposal = row.proposal
            selected, reason = overrides.get(proposal, (proposal in winners, ""))
            proposal.status = Status.SELECTED if selected else Status.NOT_SELECTED
            proposal.decision_reason = reason.strip() or (
                "" if selected else _("Ranked below the proposals that used the call's envelope.")
            )
            proposal.save(update_fields=["status", "decision_reason"])
            decided.append(proposal)
        selection = Selection.objects.create(call=call, session=session, minutes=minutes.strip(), decided_by=actor)
        call.phase = Call.Phase.DECIDED
        call.save(update_fields=["phase"])
        bump_version(call, None)
    _notify_decisions(decided)
    return selection


def take_by_rank(
    call: Call, ranking: list[RankedProposal], *, by_vote: bool, overrides: dict[Proposal, tuple[bool, str]]
) -> set[Proposal]:
    """The proposals that fit the envelope in rank order, stopping at the first that does not fit.

    Proposals the coordinator selected by override use their part of the envelope first.
    """
    key = "votes" if by_vote else "review_score"
    remaining = call.envelope - sum(
        (proposal.requested_amount for proposal, (selected, _reason) in overrides.items() if selected), Decimal(0)
    )
    winners: set[Proposal] = set()
    for index, row in enumerate(ranking):
        if row.proposal in overrides:
            continue
        if row.proposal.requested_amount > remaining:
            break
        tied = [other for other in ranking[index + 1 :] if getattr(other, key) == getattr(row, key)]
        undecided_tie = tied and not all(other.proposal in overrides for other in tied)
        over_the_edge = sum(r.proposal.requested_amount for r in [row, *tied]) > remaining
        if call.tie_rule == Call.TieRule.COORDINATOR and undecided_tie and over_the_edge:
            raise ValidationError(
                _("%(proposal)s is tied with another proposal at the edge of the envelope: decide with an override.")
                % {"proposal": row.proposal}
            )
        winners.add(row.proposal)
        remaining -= row.proposal.requested_amount
    return winners


# --- Awards, tranches and monitoring ---------------------------------------------------------------


@transaction.atomic
def award_create(
    *,
    actor,
    proposal: Proposal,
    amount: Decimal,
    signed_on,
    starts_on,
    ends_on,
    final_report_due_on,
    tranches: Iterable[tuple] = (),
) -> Award:
    """Contract a selected proposal; its planned tranches never add up to more than the award."""
    ensure_can(actor, "grants.manage_call", proposal.call)
    proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    if proposal.status != Status.SELECTED:
        raise ValidationError(_("Only a selected proposal can be awarded."))
    if amount <= 0:
        raise ValidationError({"amount": _("The award must be more than zero.")})
    if amount > proposal.requested_amount or amount > proposal.call.max_per_grant:
        raise ValidationError(_("The award cannot exceed the amount requested or the call's maximum."))
    tranches = list(tranches)
    if sum((tranche_amount for _planned_on, tranche_amount in tranches), Decimal(0)) > amount:
        raise ValidationError(_("The tranches add up to more than the award."))
    with acting_as(actor):
        award = Award(
            proposal=proposal,
            amount=amount,
            currency=proposal.call.currency,
            signed_on=signed_on,
            starts_on=starts_on,
            ends_on=ends_on,
            final_report_due_on=final_report_due_on,
            created_by=actor,
        )
        award.full_clean()
        award.save()
        for number, (planned_on, tranche_amount) in enumerate(tranches, start=1):
            tranche = Tranche(award=award, number=number, planned_on=planned_on, amount=tranche_amount)
            tranche.full_clean()
            tranche.save()
        proposal.status = Status.CONTRACTED
        proposal.save(update_fields=["status"])
    _notify_decisions([proposal])
    return award


@transaction.atomic
def tranche_add(*, actor, award: Award, planned_on, amount: Decimal, number: int | None = None) -> Tranche:
    """Plan another payment, within what is left of the award.

    A form passes the ``number`` it showed for the new tranche: the same tranche posted again (a double
    click) finds it planned and changes nothing, and a form opened before someone else planned one is
    stale, so no tranche is planned twice by two people.
    """
    award = Award.objects.select_for_update().select_related("proposal__call").get(pk=award.pk)
    ensure_can(actor, "grants.manage_award", award)
    tranches = list(award.tranches.all())
    if number is not None:
        repeated = next((t for t in tranches if t.number == number), None)
        if repeated is not None and (repeated.planned_on, repeated.amount) == (planned_on, amount):
            return repeated
        if len(tranches) + 1 != number:
            raise StaleEdit(_("Another tranche was planned meanwhile; check the tranches and plan this one again."))
    planned = sum((tranche.amount for tranche in tranches), Decimal(0))
    if planned + amount > award.amount:
        raise ValidationError(
            _("Only %(left)s of the award is left to plan.")
            % {"left": format_money(award.amount - planned, award.currency, get_language() or settings.LANGUAGE_CODE)}
        )
    with acting_as(actor):
        tranche = Tranche(award=award, number=len(tranches) + 1, planned_on=planned_on, amount=amount)
        tranche.full_clean()
        tranche.save()
    return tranche


@transaction.atomic
def tranche_pay(*, actor, tranche: Tranche, paid_on, paid_amount: Decimal) -> Tranche:
    """Record a payment (at most the tranche's amount, once); the first starts the implementation."""
    tranche = Tranche.objects.select_for_update().select_related("award__proposal").get(pk=tranche.pk)
    ensure_can(actor, "grants.manage_award", tranche.award)
    if tranche.paid_on is not None:
        raise ValidationError(_("This tranche has already been paid."))
    if not 0 < paid_amount <= tranche.amount:
        raise ValidationError(_("A payment is more than zero and at most the tranche's amount."))
    with acting_as(actor):
        tranche.paid_on = paid_on
        tranche.paid_amount = paid_amount
        tranche.full_clean()
        tranche.save(update_fields=["paid_on", "paid_amount"])
        proposal = tranche.award.proposal
        if proposal.status == Status.CONTRACTED:
            proposal.status = Status.IN_IMPLEMENTATION
            proposal.save(update_fields=["status"])
    return tranche


def _report_already_sent(
    actor, award: Award, progress: str, spending: dict[ProposalBudgetLine, Decimal], is_final: bool
) -> MonitoringReport | None:
    """The unreviewed report this one repeats (a double click): same author, kind, text and spending.

    The award's row is locked first, so a second request waits for the first one's report and finds it.
    """
    Award.objects.select_for_update().get(pk=award.pk)
    sent = {line.pk: amount for line, amount in spending.items()}
    candidates = award.reports.filter(
        submitted_by=actor, status=MonitoringReport.Status.SUBMITTED, is_final=is_final, progress=progress
    ).prefetch_related("spending")
    for report in candidates:
        if {row.budget_line_id: row.amount for row in report.spending.all()} == sent:
            return report
    return None


@transaction.atomic
def monitoring_report_submit(
    *,
    actor,
    award: Award,
    progress: str,
    spending: dict[ProposalBudgetLine, Decimal],
    photos: Iterable[UploadedFile] = (),
    is_final: bool = False,
) -> MonitoringReport:
    """The grantee reports progress, spending per budget line of its proposal, and photos."""
    ensure_can(actor, "grants.report_on_award", award)
    if not progress.strip():
        raise ValidationError({"progress": _("Describe the progress made.")})
    if any(line.proposal_id != award.proposal_id for line in spending):
        raise ValidationError(_("Spending can only be reported on the proposal's own budget lines."))
    if any(amount < 0 for amount in spending.values()):
        raise ValidationError(_("Spending cannot be negative."))
    photos = list(photos)
    types = [checked_content_type(photo, IMAGE_TYPES) for photo in photos]  # every file before anything is stored
    repeated = _report_already_sent(actor, award, progress.strip(), spending, is_final)
    if repeated is not None:
        return repeated
    with acting_as(actor):
        report = MonitoringReport.objects.create(
            award=award, is_final=is_final, progress=progress.strip(), submitted_by=actor
        )
        for line, amount in spending.items():
            ReportedSpending.objects.create(report=report, budget_line=line, amount=amount)
        for photo, content_type in zip(photos, types, strict=True):
            ReportPhoto.objects.create(
                report=report, file=photo, content_type=content_type, size=photo.size, uploaded_by=actor
            )
    return report


@transaction.atomic
def monitoring_report_review(*, actor, report: MonitoringReport, approve: bool, comment: str = "") -> MonitoringReport:
    """Approve a report, or send it back with a comment saying what to change."""
    report = MonitoringReport.objects.select_for_update().select_related("award__proposal__call").get(pk=report.pk)
    ensure_can(actor, "grants.manage_award", report.award)
    if report.status != MonitoringReport.Status.SUBMITTED:
        raise ValidationError(_("This report has already been reviewed."))
    if not approve and not comment.strip():
        raise ValidationError({"coordinator_comment": _("Say what should change before sending the report back.")})
    with acting_as(actor):
        report.status = MonitoringReport.Status.APPROVED if approve else MonitoringReport.Status.RETURNED
        report.reviewed_by = actor
        report.coordinator_comment = comment.strip()
        report.save(update_fields=["status", "reviewed_by", "coordinator_comment"])
    return report


@transaction.atomic
def award_complete(*, actor, award: Award) -> Award:
    """Close a grant once its final report is approved."""
    award = Award.objects.select_for_update().select_related("proposal").get(pk=award.pk)
    ensure_can(actor, "grants.manage_award", award)
    if award.proposal.status == Status.COMPLETED:
        return award  # completed already: nothing to do, nobody to tell again
    if not award.reports.filter(is_final=True, status=MonitoringReport.Status.APPROVED).exists():
        raise ValidationError(_("A grant is completed once its final report is approved."))
    with acting_as(actor):
        award.proposal.status = Status.COMPLETED
        award.proposal.save(update_fields=["status"])
    _notify_decisions([award.proposal])
    return award
