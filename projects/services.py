"""Writes to the project registry. Pages, API, admin actions and commands all call these.

Each service checks the actor's permission, validates with ``full_clean``, runs in one transaction
(nothing is half-saved) and returns the saved object.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.permissions import ensure_can

from .models import (
    Activity,
    BudgetLine,
    Expenditure,
    FundingContribution,
    Membership,
    Municipality,
    Objective,
    Organisation,
    Partner,
    Project,
    Result,
    TargetGroup,
)
from .rules import forget_project_roles

# The permission that guards each kind of row a project owns.
PART_PERMISSIONS: dict[type[models.Model], str] = {
    Partner: "projects.manage_partners",
    FundingContribution: "projects.manage_funding",
    BudgetLine: "projects.manage_funding",
    Expenditure: "projects.manage_funding",
    TargetGroup: "projects.change_project",
    Objective: "projects.change_project",
    Result: "projects.change_project",
    Activity: "projects.change_project",
}


class StaleEdit(ValidationError):
    """Someone else saved the object since this edit began."""


def bump_version(obj: models.Model, expected_version: int | None) -> None:
    """Move a versioned object to its next version, refusing if it moved since ``expected_version``.

    The conditional UPDATE is atomic, so two editors who started from the same version cannot
    both win: the second gets a clear error and keeps their input, instead of overwriting.
    """
    queryset = type(obj).objects.filter(pk=obj.pk)
    if expected_version is not None:
        queryset = queryset.filter(version=expected_version)
    if not queryset.update(version=F("version") + 1):
        raise StaleEdit(
            _("Someone else changed this while you were editing it. Reload the page to see their changes."),
            code="stale",
        )
    obj.refresh_from_db(fields=["version"])


def _save_validated(instance: models.Model, **save_kwargs) -> None:
    instance.full_clean()
    instance.save(**save_kwargs)


@transaction.atomic
def project_create(
    *, actor, project: Project, countries: Iterable = (), target_municipalities: Iterable = ()
) -> Project:
    """Register a new project; its creator becomes its coordinator."""
    ensure_can(actor, "projects.add_project")
    _save_validated(project)
    project.countries.set(countries)
    project.target_municipalities.set(target_municipalities)
    Membership.objects.create(user=actor, project=project, role=Membership.Role.COORDINATOR)
    forget_project_roles(actor)
    return project


@transaction.atomic
def project_update(
    *,
    actor,
    project: Project,
    expected_version: int | None,
    countries: Iterable | None = None,
    target_municipalities: Iterable | None = None,
) -> Project:
    """Save the edited fields of ``project`` unless someone else saved it since ``expected_version``."""
    ensure_can(actor, "projects.change_project", project)
    project.full_clean()
    bump_version(project, expected_version)
    project.save()
    if countries is not None:
        project.countries.set(countries)
    if target_municipalities is not None:
        project.target_municipalities.set(target_municipalities)
    return project


@transaction.atomic
def project_parts_update(
    *,
    actor,
    project: Project,
    saved: Iterable[models.Model] = (),
    deleted: Iterable[models.Model] = (),
    expected_version: int | None = None,
) -> list[models.Model]:
    """Save and delete rows a project owns (partners, funding, objectives, budget lines, …) at once.

    Either every change is saved or none is. The project's version moves on, so concurrent edits
    of the same project are detected.
    """
    saved, deleted = list(saved), list(deleted)
    for part in saved:
        if not isinstance(part, Expenditure) and part.project_id is None:
            part.project = project
    for part in [*saved, *deleted]:
        ensure_can(actor, PART_PERMISSIONS[type(part)], project)
        if _owning_project_id(part) != project.pk:
            raise ValidationError(_("This row belongs to another project."))
    bump_version(project, expected_version)
    for part in deleted:
        part.delete()
    for part in saved:
        _save_validated(part)
    return saved


def _owning_project_id(part: models.Model) -> int | None:
    if isinstance(part, Expenditure):
        return part.budget_line.project_id if part.budget_line_id else None
    return part.project_id


@transaction.atomic
def organisation_create(*, actor, organisation: Organisation) -> Organisation:
    """Register an organisation so it can be added to projects as a partner or funder."""
    ensure_can(actor, "projects.add_organisation")
    _save_validated(organisation)
    return organisation


@transaction.atomic
def membership_grant(
    *,
    project: Project,
    user,
    role: str,
    municipalities: Iterable[Municipality] = (),
    organisation: Organisation | None = None,
    actor=None,
) -> Membership:
    """Give a user a role in a project (idempotent). ``actor`` None means a trusted command."""
    if actor is not None:
        ensure_can(actor, "projects.change_project", project)
    municipalities = list(municipalities)
    if role == Membership.Role.MUNICIPAL_STAFF and not municipalities:
        raise ValidationError({"municipalities": _("Municipal staff serve at least one municipality: choose it.")})
    membership, _created = Membership.objects.update_or_create(
        user=user, project=project, role=role, defaults={"organisation": organisation}
    )
    membership.full_clean()
    membership.municipalities.set(municipalities)
    forget_project_roles(user)
    return membership
