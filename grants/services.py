"""Writes of the grants app: calls and their phases, proposals from draft to submission, screening.

Every workflow move checks who makes it, runs in one transaction, and queues its notification
after commit. A move repeated (a double-clicked submit) is a no-op, never done twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.permissions import ensure_can
from projects.money import format_money, percentage
from projects.services import bump_version

from .models import Call, EligibilityCheck, EligibilityCriterion, Proposal, ProposalBudgetLine
from .tasks import proposal_decision_notify_task, proposal_submitted_notify_task

Status = Proposal.Status
HUNDRED = Decimal(100)


# --- Calls -----------------------------------------------------------------------------------------


@transaction.atomic
def call_save(*, actor, call: Call, expected_version: int | None = None) -> Call:
    """Create or edit a call. New calls start as drafts; phases move only through ``call_open`` and
    ``call_close``; money and deadlines are fixed once the call has opened."""
    with set_actor(actor):
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
    with set_actor(actor):
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
    with set_actor(actor):
        call.phase = Call.Phase.CLOSED
        call.save(update_fields=["phase"])
        bump_version(call, None)
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

    def money(amount: Decimal) -> str:
        return format_money(amount, call.currency, get_language() or settings.LANGUAGE_CODE)

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
            % {"share": share, "minimum": call.min_cofinancing_percent}
        )
    return problems


def cofinancing_share(proposal: Proposal) -> Decimal | None:
    """Co-financing as a percentage of the proposal's total budget (two decimals, half up)."""
    return percentage(proposal.cofinancing, proposal.total_budget)


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
        if stored.status != Status.DRAFT and actor.has_perm("grants.withdraw_proposal", stored):
            raise ValidationError(_("A submitted proposal can no longer be changed."))  # told to the applicant
        ensure_can(actor, "grants.edit_proposal", stored)
        bump_version(proposal, expected_version)
    else:
        ensure_can(actor, "grants.apply_to_call", proposal.call)
        proposal.created_by = actor
    # The stored call's phase and the server's clock decide, on every save.
    if not Call.objects.get(pk=proposal.call_id).accepts_proposals():
        raise ValidationError(_("This call is not accepting proposals."))
    ensure_can(actor, "grants.edit_proposal", proposal)  # the organisation it names now, too
    with set_actor(actor):
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
    with set_actor(actor):
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
    with set_actor(actor):
        proposal.status = Status.WITHDRAWN  # a withdrawn draft keeps no submission date: it was never sent
        proposal.save(update_fields=["status"])
    return proposal


@transaction.atomic
def proposal_screen(*, actor, proposal: Proposal, answers: dict[EligibilityCriterion, tuple[bool, str]]) -> Proposal:
    """Check a submitted proposal against every item of the call's checklist, with reasons.

    All met: eligible. Any unmet: ineligible, and the unmet items' reasons become the decision's
    reason, which the applicant sees.
    """
    proposal = Proposal.objects.select_for_update().select_related("call").get(pk=proposal.pk)
    ensure_can(actor, "grants.screen_proposal", proposal)
    if proposal.status not in (Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE):
        raise ValidationError(_("Only a submitted proposal can be screened."))
    checklist = set(proposal.call.eligibility_criteria.all())
    if set(answers) != checklist:
        raise ValidationError(_("Answer every item of the call's eligibility checklist."))
    unmet = [(criterion, reason) for criterion, (is_met, reason) in answers.items() if not is_met]
    if any(not reason.strip() for _criterion, reason in unmet):
        raise ValidationError(_("Give the reason for every unmet criterion."))
    with set_actor(actor):
        for criterion, (is_met, reason) in answers.items():
            EligibilityCheck.objects.update_or_create(
                proposal=proposal,
                criterion=criterion,
                defaults={"is_met": is_met, "reason": reason.strip(), "checked_by": actor},
            )
        proposal.status = Status.INELIGIBLE if unmet else Status.ELIGIBLE
        proposal.decision_reason = "\n".join(f"{criterion}: {reason.strip()}" for criterion, reason in unmet)
        proposal.save(update_fields=["status", "decision_reason"])
    transaction.on_commit(lambda: proposal_decision_notify_task.delay(proposal.pk))
    return proposal
