"""The five seed projects hold exactly the facts their documents state."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from projects.models import FundingContribution, Partner, Project
from projects.selectors import project_funding

pytestmark = pytest.mark.django_db


def roles_of(project: Project) -> dict[str, set[str]]:
    roles: dict[str, set[str]] = {}
    for partner in project.partners.select_related("organisation"):
        roles.setdefault(partner.role, set()).add(partner.organisation.acronym or partner.organisation.name_en)
    return roles


def test_loading_twice_changes_nothing(seeded):
    before = {p.code: (p.version, p.partners.count(), p.contributions.count()) for p in Project.objects.all()}
    call_command("load_seed_projects", verbosity=0)
    after = {p.code: (p.version, p.partners.count(), p.contributions.count()) for p in Project.objects.all()}
    assert before == after
    assert sorted(before) == sorted(
        [
            "MCMS-RESEN-BITOLA-2008",
            "BG05SFOP001-2.025-0025-C01",
            "LINK4COOP-BIH-2021",
            "BG05SFOP001-2.025-0163-C01",
            "07-23-73",
        ]
    )


def test_every_seed_project_has_title_and_summary_in_four_languages(seeded):
    for project in seeded.values():
        for language in ("en", "mk", "bg", "sq"):
            assert getattr(project, f"title_{language}"), (project.code, language)
            assert getattr(project, f"summary_{language}"), (project.code, language)


def test_resen_bitola_facts(seeded):
    project = seeded["MCMS-RESEN-BITOLA-2008"]
    assert (project.start_date, project.end_date) == (datetime.date(2008, 10, 21), datetime.date(2010, 11, 30))
    assert (project.total_budget_amount, project.total_budget_currency) == (Decimal("21975155.00"), "MKD")
    roles = roles_of(project)
    assert roles[Partner.Role.LEAD] == {"MCMS"}
    assert roles[Partner.Role.IMPLEMENTING] == {"MCMS", "Resen Municipality", "Bitola Municipality"}
    assert roles[Partner.Role.FUNDER] == {"SDC", "Resen Municipality", "Bitola Municipality"}
    # No split between the funders is published: every contribution amount is unknown, no share invented.
    assert [c.amount for c in project.contributions.all()] == [None, None, None]
    assert all(row.share_percent is None for row in project_funding(project).contributions)
    assert sorted(m.name_en for m in project.target_municipalities.all()) == ["Bitola", "Resen"]


def test_sliven_facts(seeded):
    project = seeded["BG05SFOP001-2.025-0025-C01"]
    assert project.duration_months == 12
    assert project.start_date is None and project.end_date is None
    assert "Good Governance" in project.programme_en
    assert "European Social Fund" in project.funding_instrument_en
    roles = roles_of(project)
    assert roles[Partner.Role.LEAD] == {"RCED"}
    assert roles[Partner.Role.PARTNER] == {"Sliven Municipality"}


def test_link4cooperation_facts(seeded):
    project = seeded["LINK4COOP-BIH-2021"]
    assert (project.start_date, project.start_precision) == (datetime.date(2021, 1, 1), "month")
    assert (project.end_date, project.end_precision) == (datetime.date(2023, 12, 31), "month")
    assert project.target_municipalities.count() == 12
    assert {m.name_en for m in project.target_municipalities.all()} >= {"Mostar", "Trebinje", "Berkovići", "Žepče"}
    roles = roles_of(project)
    assert len(roles[Partner.Role.LEAD]) == 1
    assert len(roles[Partner.Role.PARTNER]) == 4
    assert project.contributions.get().kind == FundingContribution.Kind.EU


def test_prestige_facts_and_shares(seeded):
    project = seeded["BG05SFOP001-2.025-0163-C01"]
    assert (project.start_date, project.end_date) == (datetime.date(2022, 8, 24), datetime.date(2023, 12, 31))
    assert (project.total_budget_amount, project.total_budget_currency) == (Decimal("52405.20"), "BGN")
    funding = project_funding(project)
    rows = {row.contribution.kind: row for row in funding.contributions}
    assert rows["eu"].contribution.amount == Decimal("44544.42")
    assert rows["national"].contribution.amount == Decimal("7860.78")
    assert (rows["eu"].share_percent, rows["national"].share_percent) == (Decimal("85.00"), Decimal("15.00"))
    # BGN is pegged: 44,544.42 / 1.95583 = 22,775.20 EUR.
    assert rows["eu"].eur.amount == Decimal("22775.20")


def test_gorna_oryahovitsa_facts(seeded):
    project = seeded["07-23-73"]
    assert (project.total_budget_amount, project.total_budget_currency) == (Decimal("390000.00"), "BGN")
    assert project.duration_months == 12
    assert project.target_municipality_count == 25
    assert project.target_municipalities.count() == 0
    assert "Administrative Capacity" in project.programme_en
    assert "European Social Fund" in project.funding_instrument_en
    # Only a total is published: the one contribution keeps an unknown amount.
    assert [c.amount for c in project.contributions.all()] == [None]
