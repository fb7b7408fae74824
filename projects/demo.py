"""Demo accounts, one per role, on the seed projects: for trying the portal locally, never in production."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Membership, Municipality, Organisation, Project
from .seed import seed_codes
from .services import membership_grant

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - published on purpose: local demo accounts only

RESEN_BITOLA = "MCMS-RESEN-BITOLA-2008"
LINK4COOP = "LINK4COOP-BIH-2021"
PRESTIGE_HASKOVO = "BG05SFOP001-2.025-0163-C01"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    description: str


@transaction.atomic
def demo_accounts_load() -> list[DemoAccount]:
    """Create (or refresh) the demo accounts and their memberships; the seed projects must be loaded."""
    User = get_user_model()
    seeds = {p.code: p for p in Project.objects.filter(code__in=[RESEN_BITOLA, LINK4COOP, PRESTIGE_HASKOVO])}
    if len(seeds) < 3:
        raise LookupError("Load the seed projects first (manage.py load_seed_projects).")

    def user(email: str, full_name: str, **flags) -> object:
        account, _created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **flags})
        account.set_password(DEMO_PASSWORD)
        account.save()
        return account

    user("admin@example.org", "Portal administrator", is_staff=True, is_superuser=True)

    coordinator = user("coordinator@example.org", "Project coordinator")
    for project in Project.objects.filter(code__in=seed_codes()):
        membership_grant(project=project, user=coordinator, role=Membership.Role.COORDINATOR)

    membership_grant(
        project=seeds[RESEN_BITOLA],
        user=user("staff.resen@example.org", "Municipal staff, Resen"),
        role=Membership.Role.MUNICIPAL_STAFF,
        municipalities=Municipality.objects.filter(name_en="Resen"),
    )
    membership_grant(
        project=seeds[RESEN_BITOLA],
        user=user("staff.bitola@example.org", "Municipal staff, Bitola"),
        role=Membership.Role.MUNICIPAL_STAFF,
        municipalities=Municipality.objects.filter(name_en="Bitola"),
    )
    membership_grant(
        project=seeds[LINK4COOP],
        user=user("ngo@example.org", "NGO coordinator, LDA Zavidovići"),
        role=Membership.Role.NGO_COORDINATOR,
        organisation=Organisation.objects.get(name_en="Local Democracy Agency Zavidovići"),
    )
    donor = user("donor@example.org", "Donor officer")
    for code in (RESEN_BITOLA, PRESTIGE_HASKOVO):
        membership_grant(project=seeds[code], user=donor, role=Membership.Role.DONOR)
    return [
        DemoAccount("admin@example.org", "administrator (uses /admin/)"),
        DemoAccount("coordinator@example.org", "project coordinator of the seed projects"),
        DemoAccount("staff.resen@example.org", "municipal staff of Resen on the Resen–Bitola project"),
        DemoAccount("staff.bitola@example.org", "municipal staff of Bitola on the Resen–Bitola project"),
        DemoAccount("ngo@example.org", "NGO coordinator (LDA Zavidovići) on Link4Cooperation"),
        DemoAccount("donor@example.org", "donor on the Resen–Bitola and Haskovo projects (requests reports)"),
    ]
