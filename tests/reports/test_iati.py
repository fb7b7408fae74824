"""The IATI 2.03 export: every exported document passes the schema and every code is in its codelist."""

import datetime
from decimal import Decimal
from functools import cache

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import translation
from lxml import etree

from projects.models import FundingContribution, Membership, Organisation, Partner, Project
from projects.selectors import project_with_details
from projects.services import project_update
from reports.iati import iati_activities, iati_problems
from tests.grants.factories import AwardFactory, CallFactory, TrancheFactory
from tests.projects.factories import (
    BudgetLineFactory,
    CountryFactory,
    FundingContributionFactory,
    MembershipFactory,
    PartnerFactory,
    ProjectFactory,
)

IATI = settings.BASE_DIR.parent / "shared" / "iati"

# Where each code sits in an activity, and the codelist it must come from.
CODED = {
    "//participating-org/@role": "OrganisationRole",
    "//reporting-org/@type | //participating-org/@type | //receiver-org/@type": "OrganisationType",
    "//activity-status/@code": "ActivityStatus",
    "//activity-date/@type": "ActivityDateType",
    "//recipient-country/@code": "Country",
    "//sector/@vocabulary": "SectorVocabulary",
    "//sector/@code": "Sector",
    "//budget/@type": "BudgetType",
    "//budget/@status": "BudgetStatus",
    "//transaction-type/@code": "TransactionType",
    "//value/@currency": "Currency",
}

SEED_PROBLEMS = {
    "MCMS-RESEN-BITOLA-2008": [],
    "BG05SFOP001-2.025-0025-C01": ["The project's start date is not known."],
    "LINK4COOP-BIH-2021": ["The project's status is not known."],
    "BG05SFOP001-2.025-0163-C01": ["The project's status is not known."],
    "07-23-73": ["The project's status is not known.", "The project's start date is not known."],
}

# What the sources of the seeds do not say, as a project's coordinator would record it once the export
# lists it. Test input only: the seed data keeps these unknown.
RECORDED_BY_COORDINATOR = {
    "BG05SFOP001-2.025-0025-C01": {"start_date": datetime.date(2018, 6, 1)},
    "LINK4COOP-BIH-2021": {"status": Project.Status.COMPLETED},
    "BG05SFOP001-2.025-0163-C01": {"status": Project.Status.COMPLETED},
    "07-23-73": {"status": Project.Status.COMPLETED, "start_date": datetime.date(2007, 11, 20)},
}


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(IATI / "schema" / "iati-activities-schema.xsd")))


@cache
def codelist(name: str) -> frozenset[str]:
    return frozenset(etree.parse(str(IATI / "codelists" / f"{name}.xml")).xpath("//codelist-item/code/text()"))


def assert_valid_iati(xml: bytes) -> etree._ElementTree:
    """The document passes the 2.03 schema and uses only codes its codelists hold."""
    document = etree.ElementTree(etree.fromstring(xml))
    schema().assertValid(document)
    for path, name in CODED.items():
        unknown = set(document.xpath(path)) - codelist(name)
        assert not unknown, f"{path}: {sorted(unknown)} not in the {name} codelist"
    return document


def export(*projects: Project) -> etree._ElementTree:
    codes = [project.code for project in projects]
    return assert_valid_iati(iati_activities(project_with_details(Project.objects.filter(code__in=codes))))


@pytest.fixture(autouse=True)
def english():
    """The problems are told in the reader's language; these tests read them in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def publisher(settings):
    """The operator publishing the portal's files, as its deployment would configure it."""
    settings.IATI_PUBLISHER_IDENTIFIER = "XI-IATI-TEST"
    settings.IATI_PUBLISHER_NAME = "Test portal operator"
    settings.IATI_PUBLISHER_TYPE = "22"


def lead_project(**kwargs) -> Project:
    project = ProjectFactory(summary_en="Forums where citizens decide.", title_mk="Форуми", **kwargs)
    project.countries.add(CountryFactory(code="MK"))
    PartnerFactory(project=project, role=Partner.Role.LEAD, organisation__kind=Organisation.Kind.MUNICIPALITY)
    return project


def test_nothing_is_exported_until_the_publisher_is_configured(seeded):
    for project in project_with_details(Project.objects.all()):
        assert iati_problems(project)[0].startswith("The portal's IATI publisher is not configured")


def test_seed_projects_list_what_they_lack(seeded, publisher):
    problems = {project.code: iati_problems(project) for project in project_with_details(Project.objects.all())}
    assert problems == SEED_PROBLEMS


def test_every_seed_project_validates_once_its_coordinator_records_what_it_lacks(seeded, publisher):
    for code, facts in RECORDED_BY_COORDINATOR.items():
        project = seeded[code]
        coordinator = MembershipFactory(project=project, role=Membership.Role.COORDINATOR).user
        for field, value in facts.items():
            setattr(project, field, value)
        project_update(actor=coordinator, project=project, expected_version=project.version)

    projects = project_with_details(Project.objects.order_by("code"))
    assert {project.code: iati_problems(project) for project in projects} == {code: [] for code in SEED_PROBLEMS}
    document = assert_valid_iati(iati_activities(projects))

    assert sorted(document.xpath("//iati-identifier/text()")) == sorted(
        f"XI-IATI-TEST-{code}" for code in SEED_PROBLEMS
    )
    haskovo = document.xpath("//iati-activity[iati-identifier='XI-IATI-TEST-BG05SFOP001-2.025-0163-C01']")[0]
    assert haskovo.get("{http://www.w3.org/XML/1998/namespace}lang") == "bg"
    assert [(d.get("type"), d.get("iso-date")) for d in haskovo.findall("activity-date")] == [
        ("2", "2022-08-24"),
        ("4", "2023-12-31"),
    ]
    assert [(b.findtext("value"), b.find("value").get("currency")) for b in haskovo.findall("budget")] == [
        ("52405.20", "BGN")
    ]


def test_exportable_seed_projects_validate_against_schema_and_codelists(seeded, publisher):
    exportable = [project for project in seeded.values() if not iati_problems(project)]
    assert [project.code for project in exportable] == ["MCMS-RESEN-BITOLA-2008"]
    document = export(*exportable)
    activity = document.find("iati-activity")
    assert activity.findtext("iati-identifier") == "XI-IATI-TEST-MCMS-RESEN-BITOLA-2008"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type"), reporting.get("secondary-reporter")) == (
        "XI-IATI-TEST",
        "22",
        "1",
    )
    assert reporting.findtext("narrative") == "Test portal operator"
    sdc = activity.xpath("participating-org[@role='1']")[0]
    assert (sdc.get("ref"), sdc.findtext("narrative")) == (
        "CH-4",
        "Swiss Agency for Development and Cooperation",
    )
    assert {n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in activity.findall("title/narrative")} == {
        "en",
        "mk",
        "bg",
        "sq",
    }
    assert [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")] == [
        ("2", "2008-10-21"),
        ("4", "2010-11-30"),
    ]
    assert activity.find("activity-status").get("code") == "3"
    assert [c.get("code") for c in activity.findall("recipient-country")] == ["MK"]
    assert activity.findall("budget") == []  # its stated total is what was spent, not a budget


def test_a_code_outside_its_codelist_fails_though_the_schema_accepts_it(db, publisher):
    project = lead_project()
    project.countries.add(CountryFactory(code="XX", name_en="Nowhere"))
    xml = iati_activities(project_with_details(Project.objects.filter(pk=project.pk)))
    schema().assertValid(etree.fromstring(xml))
    with pytest.raises(AssertionError, match="not in the Country codelist"):
        assert_valid_iati(xml)


def test_unknown_end_date_and_missing_funder_export_only_what_is_known(db, publisher):
    project = lead_project(status=Project.Status.PLANNED, end_date=None)
    FundingContributionFactory(project=project, funder=None, kind=FundingContribution.Kind.NATIONAL)
    activity = export(project).find("iati-activity")
    assert [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")] == [("1", "2024-01-01")]
    assert [o.get("role") for o in activity.findall("participating-org")] == ["2"]
    assert activity.findall("budget") == []  # no end date, no budget period


def test_several_currencies_are_budgeted_and_transacted_each_in_its_own(db, publisher):
    project = lead_project()
    PartnerFactory(project=project, role=Partner.Role.FUNDER, organisation__kind=Organisation.Kind.DONOR_AGENCY)
    BudgetLineFactory(project=project, amount=Decimal("500.00"), currency="EUR")
    BudgetLineFactory(project=project, amount=Decimal("300.00"), currency="EUR")
    BudgetLineFactory(project=project, amount=Decimal("61500.00"), currency="MKD")
    euro_award = AwardFactory(proposal__call=CallFactory(project=project, currency="EUR"), amount=Decimal("1000.00"))
    franc_award = AwardFactory(
        proposal__call=CallFactory(project=project, currency="CHF"),
        amount=Decimal("2000.00"),
        signed_on=datetime.date(2024, 7, 1),
    )
    TrancheFactory(award=euro_award, paid=True)
    TrancheFactory(award=euro_award)  # planned, not paid: no disbursement
    TrancheFactory(award=franc_award, amount=Decimal("800.00"), paid=True, paid_on=datetime.date(2024, 8, 2))

    activity = export(project).find("iati-activity")

    assert [o.get("role") for o in activity.findall("participating-org")] == ["2", "1"]
    assert [
        (b.findtext("value"), b.find("value").get("currency"), b.find("period-end").get("iso-date"))
        for b in activity.findall("budget")
    ] == [("800.00", "EUR", "2025-12-31"), ("61500.00", "MKD", "2025-12-31")]
    transactions = [
        (
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.findtext("value"),
            t.find("value").get("currency"),
            t.find("value").get("value-date"),
            t.findtext("receiver-org/narrative"),
        )
        for t in activity.findall("transaction")
    ]
    assert sorted(transactions) == [
        ("2", "2024-05-20", "1000.00", "EUR", "2024-05-20", str(euro_award.proposal.organisation)),
        ("2", "2024-07-01", "2000.00", "CHF", "2024-07-01", str(franc_award.proposal.organisation)),
        ("3", "2024-06-20", "500.00", "EUR", "2024-06-20", str(euro_award.proposal.organisation)),
        ("3", "2024-08-02", "800.00", "CHF", "2024-08-02", str(franc_award.proposal.organisation)),
    ]


def test_stated_total_budget_comes_before_lines(db, publisher):
    project = lead_project(total_budget_amount=Decimal("12000.00"), total_budget_currency="BGN")
    BudgetLineFactory(project=project, currency="EUR")
    budgets = export(project).findall("iati-activity/budget")
    assert [(b.findtext("value"), b.find("value").get("currency")) for b in budgets] == [("12000.00", "BGN")]


def test_funding_is_budgeted_only_when_every_amount_is_known(db, publisher):
    project = lead_project()
    FundingContributionFactory(project=project, amount=Decimal("700.00"), currency="EUR")
    assert [b.findtext("value") for b in export(project).findall("iati-activity/budget")] == ["700.00"]
    FundingContributionFactory(project=project, amount=None, currency="")
    assert export(project).findall("iati-activity/budget") == []


def test_command_refuses_and_lists_problems_writing_nothing(seeded, publisher, tmp_path):
    output = tmp_path / "iati.xml"
    with pytest.raises(CommandError) as refused:
        call_command("export_iati", "MCMS-RESEN-BITOLA-2008", "07-23-73", output=str(output))
    message = str(refused.value)
    assert "MCMS-RESEN-BITOLA-2008" not in message
    assert "07-23-73: The project's start date is not known." in message
    assert not output.exists()


def test_the_publisher_is_the_primary_reporter_of_a_project_it_leads(db, publisher):
    project = lead_project()
    Organisation.objects.filter(partnerships__project=project).update(iati_identifier="XI-IATI-TEST")
    reporting = export(project).find("iati-activity/reporting-org")
    assert reporting.get("secondary-reporter") is None
    assert reporting.get("ref") == "XI-IATI-TEST"


def test_an_organisation_identifier_must_look_like_one_and_be_unique(db):
    organisation = Organisation(name_en="Haskovo", kind=Organisation.Kind.MUNICIPALITY, iati_identifier="not an id")
    with pytest.raises(ValidationError, match="iati_identifier"):
        organisation.full_clean()
    Organisation.objects.create(name_en="SDC", kind=Organisation.Kind.DONOR_AGENCY, iati_identifier="CH-4")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name_en="Copy", kind=Organisation.Kind.DONOR_AGENCY, iati_identifier="CH-4")
    Organisation.objects.create(name_en="Two unknowns", kind=Organisation.Kind.NGO)
    Organisation.objects.create(name_en="may share the empty one", kind=Organisation.Kind.NGO)


def test_command_rejects_unknown_codes(seeded, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("export_iati", "NOPE", output=str(tmp_path / "iati.xml"))


def test_command_writes_a_valid_file(seeded, publisher, tmp_path):
    output = tmp_path / "iati.xml"
    call_command("export_iati", "MCMS-RESEN-BITOLA-2008", output=str(output))
    document = assert_valid_iati(output.read_bytes())
    assert document.getroot().get("version") == "2.03"
    assert len(document.findall("iati-activity")) == 1
