"""Who may do what with sessions, attendance, named participants and feedback.

Municipal staff act only for the municipalities they serve: Resen's clerk logs and edits Resen's
sessions, never Bitola's. Lists come from ``ForumSession.objects.visible_to(user)``.
"""

import rules

from projects.models import Membership
from projects.rules import has_role, is_platform_staff, served_municipalities

Role = Membership.Role

is_coordinator = has_role(Role.COORDINATOR)
is_municipal_staff = has_role(Role.MUNICIPAL_STAFF)
is_donor = has_role(Role.DONOR)


@rules.predicate
def can_view_project(user, project) -> bool:
    return user.has_perm("projects.view_project", project)


@rules.predicate
def can_view_session_project(user, session) -> bool:
    return session is not None and user.has_perm("projects.view_project", session.project)


@rules.predicate
def serves_session_municipality(user, session) -> bool:
    """The user is municipal staff of the session's project, serving its host municipality."""
    return (
        session is not None
        and session.municipality_id is not None
        and session.municipality_id in served_municipalities(user, session.project)
    )


@rules.predicate
def coordinates_session_project(user, session) -> bool:
    return session is not None and is_coordinator(user, session.project)


@rules.predicate
def serves_a_municipality_of(user, project) -> bool:
    return bool(served_municipalities(user, project))


# Project-level permissions take the project; session-level ones take the session.
rules.add_perm("forums.view_session", can_view_session_project)
rules.add_perm("forums.add_session", is_coordinator | is_platform_staff | serves_a_municipality_of)
rules.add_perm("forums.change_session", coordinates_session_project | is_platform_staff | serves_session_municipality)
rules.add_perm(
    "forums.view_named_participants", coordinates_session_project | is_platform_staff | serves_session_municipality
)
rules.add_perm("forums.view_participation", can_view_project)
rules.add_perm("forums.read_feedback", is_coordinator | is_municipal_staff | is_donor | is_platform_staff)
rules.add_perm("forums.moderate_feedback", is_coordinator | is_platform_staff)
# Breakdown groups of 1–4 people: exact for the project's team, "<5" for everyone else (see docs/privacy.md).
rules.add_perm("forums.view_small_groups", is_coordinator | is_municipal_staff | is_donor | is_platform_staff)
