"""Who may do what with projects, as small django-rules predicates.

A project's roles come from memberships; the lists of the portal come from
``Project.objects.visible_to(user)``, which tests keep consistent with ``projects.view_project``.
"""

import rules

from .models import Membership

Role = Membership.Role


def project_roles(user, project) -> frozenset[str]:
    """The user's roles in the project. Loaded in one query per user object, then reused."""
    if project is None or not user.is_authenticated:
        return frozenset()
    roles_by_project = getattr(user, "_project_roles", None)
    if roles_by_project is None:
        roles_by_project = {}
        for project_id, role in Membership.objects.filter(user=user).values_list("project_id", "role"):
            roles_by_project.setdefault(project_id, set()).add(role)
        user._project_roles = roles_by_project
    return frozenset(roles_by_project.get(project.pk, ()))


def served_municipalities(user, project) -> frozenset[int]:
    """Ids of the municipalities the user serves as municipal staff of the project (one query per user)."""
    if project is None or not user.is_authenticated:
        return frozenset()
    served = getattr(user, "_served_municipalities", None)
    if served is None:
        served = {}
        rows = Membership.municipalities.through.objects.filter(
            membership__user=user, membership__role=Role.MUNICIPAL_STAFF
        ).values_list("membership__project_id", "municipality_id")
        for project_id, municipality_id in rows:
            served.setdefault(project_id, set()).add(municipality_id)
        user._served_municipalities = served
    return frozenset(served.get(project.pk, ()))


def represented_organisations(user, project) -> frozenset[int]:
    """Ids of the organisations the user acts for as NGO coordinator in the project (one query per user)."""
    if project is None or not user.is_authenticated:
        return frozenset()
    represented = getattr(user, "_represented_organisations", None)
    if represented is None:
        represented = {}
        rows = Membership.objects.filter(user=user, role=Role.NGO_COORDINATOR).values_list(
            "project_id", "organisation_id"
        )
        for project_id, organisation_id in rows:
            represented.setdefault(project_id, set()).add(organisation_id)
        user._represented_organisations = represented
    return frozenset(represented.get(project.pk, ()))


def forget_project_roles(user) -> None:
    """Drop the cached roles and scopes after a membership of this user changed."""
    for cache in ("_project_roles", "_served_municipalities", "_represented_organisations"):
        user.__dict__.pop(cache, None)


def has_role(*roles: str) -> rules.Predicate:
    """A predicate true when the user holds one of ``roles`` in the project."""
    wanted = frozenset(roles)

    @rules.predicate(name=f"has_role({', '.join(sorted(wanted))})")
    def predicate(user, project) -> bool:
        return bool(project_roles(user, project) & wanted)

    return predicate


@rules.predicate
def is_public_project(user, project) -> bool:
    """The project is published: anyone may read it."""
    return project is not None and project.is_public


@rules.predicate
def coordinates_a_project(user) -> bool:
    """The user coordinates at least one project, so may start another or register an organisation."""
    return user.is_authenticated and Membership.objects.filter(user=user, role=Role.COORDINATOR).exists()


is_member = has_role(*Role.values)
is_coordinator = has_role(Role.COORDINATOR)
is_platform_staff = rules.is_staff

rules.add_perm("projects.view_project", is_public_project | is_member | is_platform_staff)
rules.add_perm("projects.add_project", is_platform_staff | coordinates_a_project)
rules.add_perm("projects.change_project", is_coordinator | is_platform_staff)
rules.add_perm("projects.manage_partners", is_coordinator | is_platform_staff)
rules.add_perm("projects.manage_funding", is_coordinator | is_platform_staff)
rules.add_perm("projects.add_organisation", is_platform_staff | coordinates_a_project)
