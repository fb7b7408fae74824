"""Who may export which dataset of a project: exactly who may see the same records on the pages.

Each permission takes the project. Rows are then scoped as on the pages: proposals by
``Proposal.objects.visible_to``, awards by ``awards_visible_to``, so an NGO coordinator's file
holds only their organisation's proposals and awards.
"""

import rules

from grants.models import Review
from projects.models import Membership
from projects.rules import has_role, is_platform_staff

from .datasets import DATASETS

Role = Membership.Role


@rules.predicate
def can_view_project(user, project) -> bool:
    """Sessions, trainings, events and funding are on the project's pages for whoever may read it."""
    return user.has_perm("projects.view_project", project)


@rules.predicate
def reviews_in_project(user, project) -> bool:
    """The user was asked to review a proposal of the project, so reads those proposals."""
    return (
        project is not None
        and user.is_authenticated
        and Review.objects.filter(reviewer=user, proposal__call__project=project).exists()
    )


# Proposals: coordinators, donors and municipal staff read submitted ones, NGO coordinators their own,
# reviewers those assigned to them (grants.view_proposal).
reads_proposals = has_role(Role.COORDINATOR, Role.DONOR, Role.MUNICIPAL_STAFF, Role.NGO_COORDINATOR)
# Awards: the project's coordinators and the grantees (grants.view_award).
reads_awards = has_role(Role.COORDINATOR, Role.NGO_COORDINATOR)

rules.add_perm("reports.export_sessions", can_view_project)
rules.add_perm("reports.export_funding", can_view_project)
rules.add_perm(
    "reports.export_proposals", can_view_project & (reads_proposals | reviews_in_project | is_platform_staff)
)
rules.add_perm("reports.export_awards", can_view_project & (reads_awards | is_platform_staff))


@rules.predicate
def requested_export(user, export) -> bool:
    """The user asked for the export: its rows are the ones they may see."""
    return export is not None and user.is_authenticated and export.requested_by_id == user.pk


@rules.predicate
def may_export_its_dataset(user, export) -> bool:
    """The user may still export the dataset (a membership may have ended since the request)."""
    return export is not None and user.has_perm(DATASETS[export.dataset].permission, export.project)


# Takes the export request.
rules.add_perm("reports.download_export", (requested_export | is_platform_staff) & may_export_its_dataset)
