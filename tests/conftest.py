"""Fixtures shared by every test: one user per role on one project, and the seed projects."""

import importlib
import os
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from projects.models import Membership, Project
from tests.projects.factories import (
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
)

PASSWORD = "secret-pass-123"


@dataclass
class Cast:
    """A private project and one user per way of relating to it."""

    project: Project
    other_project: Project
    anonymous: object
    outsider: object
    coordinator: object
    municipal_staff: object
    ngo_coordinator: object
    donor: object
    other_coordinator: object
    staff: object

    def users(self) -> dict[str, object]:
        return {
            name: getattr(self, name)
            for name in (
                "anonymous",
                "outsider",
                "coordinator",
                "municipal_staff",
                "ngo_coordinator",
                "donor",
                "other_coordinator",
                "staff",
            )
        }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests (browser, worker) end by flushing the database, data migrations' rows
    included: a database reused from such a run gets the reference data (the pegged rates) back."""
    from django.apps import apps

    pegs = importlib.import_module("projects.migrations.0002_pegged_exchange_rates")
    with django_db_blocker.unblock():
        pegs.add_pegs(apps, None)


@pytest.fixture
def cast(db) -> Cast:
    from django.contrib.auth.models import AnonymousUser

    project = ProjectFactory(is_public=False)
    other_project = ProjectFactory(is_public=False)
    resen = MunicipalityFactory(name_en="Resen")
    project.target_municipalities.add(resen)
    staff_member = MembershipFactory(project=project, role=Membership.Role.MUNICIPAL_STAFF)
    staff_member.municipalities.add(resen)
    return Cast(
        project=project,
        other_project=other_project,
        anonymous=AnonymousUser(),
        outsider=UserFactory(),
        coordinator=MembershipFactory(project=project, role=Membership.Role.COORDINATOR).user,
        municipal_staff=staff_member.user,
        ngo_coordinator=MembershipFactory(
            project=project, role=Membership.Role.NGO_COORDINATOR, organisation=OrganisationFactory()
        ).user,
        donor=MembershipFactory(project=project, role=Membership.Role.DONOR).user,
        other_coordinator=MembershipFactory(project=other_project, role=Membership.Role.COORDINATOR).user,
        staff=UserFactory(is_staff=True),
    )


@pytest.fixture
def seeded(db):
    """The five seed projects, loaded as ``make run`` loads them."""
    call_command("load_seed_projects", verbosity=0)
    return {p.code: p for p in Project.objects.all()}


@pytest.fixture
def password() -> str:
    return PASSWORD


# --- Browser tests ------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """Without the system Chromium, browser tests are skipped, unless CI demands the browser."""
    if os.path.exists(CHROMIUM) or os.environ.get("PORTAL_REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium package (make browser)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }
