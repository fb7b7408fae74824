"""Who may do what with a project: the role × action matrix, and lists kept consistent with it."""

import pytest
from django.core.exceptions import PermissionDenied

from projects import services
from projects.models import Partner, Project
from tests.projects.factories import OrganisationFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ACTIONS = ["view_project", "change_project", "manage_partners", "manage_funding"]

# What each person may do with a private project they relate to as named.
EXPECTED = {
    "anonymous": set(),
    "outsider": set(),
    "other_coordinator": set(),
    "donor": {"view_project"},
    "municipal_staff": {"view_project"},
    "ngo_coordinator": {"view_project"},
    "coordinator": set(ACTIONS),
    "staff": set(ACTIONS),
}


@pytest.mark.parametrize("who", EXPECTED)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_matrix(cast, who, action):
    user = cast.users()[who]
    assert user.has_perm(f"projects.{action}", cast.project) is (action in EXPECTED[who])


@pytest.mark.parametrize("who", ["anonymous", "outsider", "donor", "coordinator"])
def test_anyone_may_view_a_published_project_but_only_its_coordinator_edits_it(cast, who):
    cast.project.is_public = True
    cast.project.save()
    user = cast.users()[who]
    assert user.has_perm("projects.view_project", cast.project)
    assert user.has_perm("projects.change_project", cast.project) is (who == "coordinator")


def test_only_staff_and_coordinators_may_register_projects(cast):
    allowed = {who for who, user in cast.users().items() if user.has_perm("projects.add_project")}
    assert allowed == {"coordinator", "other_coordinator", "staff"}


def test_visible_to_agrees_with_the_view_predicate_for_everyone(cast):
    public = ProjectFactory(is_public=True)
    projects = [cast.project, cast.other_project, public]
    for who, user in cast.users().items():
        visible = set(Project.objects.visible_to(user))
        for project in projects:
            assert (project in visible) is user.has_perm("projects.view_project", project), (who, project.code)


@pytest.mark.parametrize("who", ["outsider", "donor", "municipal_staff", "ngo_coordinator", "other_coordinator"])
def test_denied_edit_changes_nothing(cast, who):
    user = cast.users()[who]
    project = Project.objects.get(pk=cast.project.pk)
    project.title_en = "Hijacked"
    with pytest.raises(PermissionDenied):
        services.project_update(actor=user, project=project, expected_version=project.version)
    stored = Project.objects.get(pk=cast.project.pk)
    assert stored.title_en == cast.project.title_en
    assert stored.version == cast.project.version


@pytest.mark.parametrize("who", ["donor", "municipal_staff", "ngo_coordinator", "other_coordinator"])
def test_denied_partner_change_adds_nothing(cast, who):
    partner = Partner(organisation=OrganisationFactory(), role=Partner.Role.PARTNER)
    with pytest.raises(PermissionDenied):
        services.project_parts_update(actor=cast.users()[who], project=cast.project, saved=[partner])
    assert cast.project.partners.count() == 0
