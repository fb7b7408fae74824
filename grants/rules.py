"""Who may do what with calls and proposals.

Coordinators run calls and screen proposals; an NGO coordinator drafts, submits and withdraws
only their own organisation's proposals; donors and municipal staff read submitted proposals;
nobody but the applicant sees a draft.
"""

import rules

from projects.models import Membership
from projects.rules import has_role, is_platform_staff, project_roles, represented_organisations

Role = Membership.Role

is_coordinator = has_role(Role.COORDINATOR)


@rules.predicate
def coordinates_call_project(user, call) -> bool:
    return call is not None and is_coordinator(user, call.project)


@rules.predicate
def is_ngo_coordinator_of_project(user, call) -> bool:
    return call is not None and Role.NGO_COORDINATOR in project_roles(user, call.project)


@rules.predicate
def can_view_call(user, call) -> bool:
    """Anyone who may read the project may read its calls, except drafts (coordinators only)."""
    if call is None or not user.has_perm("projects.view_project", call.project):
        return False
    return call.phase != call.Phase.DRAFT or is_coordinator(user, call.project) or user.is_staff


@rules.predicate
def applies_for_proposal(user, proposal) -> bool:
    """The user is an NGO coordinator of the proposal's organisation in the call's project."""
    return proposal is not None and proposal.organisation_id in represented_organisations(user, proposal.call.project)


@rules.predicate
def reads_submitted_proposal(user, proposal) -> bool:
    """Coordinators, donors and municipal staff of the project read proposals once submitted."""
    if proposal is None or proposal.submitted_at is None:
        return False
    roles = project_roles(user, proposal.call.project)
    return bool(roles & {Role.COORDINATOR, Role.DONOR, Role.MUNICIPAL_STAFF})


@rules.predicate
def coordinates_proposal_project(user, proposal) -> bool:
    return proposal is not None and is_coordinator(user, proposal.call.project)


@rules.predicate
def is_draft(user, proposal) -> bool:
    return proposal is not None and proposal.status == proposal.Status.DRAFT


@rules.predicate
def was_submitted(user, proposal) -> bool:
    return proposal is not None and proposal.submitted_at is not None


@rules.predicate
def is_assigned_reviewer(user, proposal) -> bool:
    """The coordinator asked this user to review the proposal."""
    if proposal is None or not user.is_authenticated:
        return False
    return any(review.reviewer_id == user.pk for review in proposal.reviews.all())


@rules.predicate
def is_the_reviewer(user, review) -> bool:
    return review is not None and review.reviewer_id == user.pk


@rules.predicate
def is_grantee(user, award) -> bool:
    """The user represents the organisation that holds the award."""
    return award is not None and applies_for_proposal(user, award.proposal)


@rules.predicate
def coordinates_award(user, award) -> bool:
    return award is not None and is_coordinator(user, award.proposal.call.project)


rules.add_perm("grants.view_call", can_view_call)
rules.add_perm("grants.manage_call", coordinates_call_project | is_platform_staff)
rules.add_perm("grants.apply_to_call", is_ngo_coordinator_of_project)
rules.add_perm(
    "grants.view_proposal", applies_for_proposal | reads_submitted_proposal | is_assigned_reviewer | is_platform_staff
)
rules.add_perm("grants.edit_proposal", applies_for_proposal & is_draft)
rules.add_perm("grants.withdraw_proposal", applies_for_proposal)
rules.add_perm("grants.screen_proposal", (coordinates_proposal_project | is_platform_staff) & was_submitted)
rules.add_perm("grants.review", is_the_reviewer)
rules.add_perm("grants.manage_award", coordinates_award | is_platform_staff)
rules.add_perm("grants.report_on_award", is_grantee)
rules.add_perm("grants.view_award", is_grantee | coordinates_award | is_platform_staff)
