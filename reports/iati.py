"""IATI 2.03 export of projects as ``iati-activities``, so donors can publish what the portal holds.

Elements follow the order the 2.03 schema demands; codes come from the IATI codelists. Money stays
in the currency it was recorded in: never converted, never summed across currencies. A project
that lacks something a valid activity needs is refused with ``iati_problems`` instead of exported.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from lxml import etree

from grants.models import Award
from grants.selectors import awards_with_payments
from projects.models import Organisation, Partner, Project
from projects.selectors import RateBook, conversion_date, project_budget, project_funding

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# DAC 5-digit sector (vocabulary 1) "Democratic participation and civil society": what forums,
# participatory budgeting and small grants to civil society are.
SECTOR_VOCABULARY_DAC = "1"
SECTOR_CODE = "15150"

# OrganisationRole: 1 funding, 2 accountable, 4 implementing. No role of ours extends funds
# (3) on a funder's behalf, so none maps to it.
PARTICIPATING_ROLE = {
    Partner.Role.FUNDER: "1",
    Partner.Role.CO_FINANCER: "1",
    Partner.Role.LEAD: "2",
    Partner.Role.IMPLEMENTING: "4",
    Partner.Role.PARTNER: "4",
}

ORGANISATION_TYPE = {
    Organisation.Kind.MUNICIPALITY: "11",  # Local Government
    Organisation.Kind.NGO: "22",  # National NGO
    Organisation.Kind.FOUNDATION: "60",  # Foundation
    Organisation.Kind.DONOR_AGENCY: "10",  # Government
    Organisation.Kind.EU_PROGRAMME: "40",  # Multilateral
    Organisation.Kind.NATIONAL_AUTHORITY: "10",  # Government
    Organisation.Kind.INTERNATIONAL_ORGANISATION: "40",  # Multilateral
}

# ActivityStatus; "completed" is Finalisation (3), not Closed (4): we do not record financial sign-off.
ACTIVITY_STATUS = {
    Project.Status.PLANNED: "1",
    Project.Status.ONGOING: "2",
    Project.Status.COMPLETED: "3",
    Project.Status.CANCELLED: "5",
}

# ActivityDateType
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# BudgetType 1 Original, BudgetStatus 1 Indicative: a project's stated or planned budget commits nobody.
BUDGET_TYPE_ORIGINAL, BUDGET_STATUS_INDICATIVE = "1", "1"
# TransactionType
COMMITMENT, DISBURSEMENT = "2", "3"


@dataclass(frozen=True)
class Publisher:
    """The organisation that publishes the portal's IATI files (settings ``IATI_PUBLISHER_*``)."""

    identifier: str
    name: str
    type: str

    @classmethod
    def from_settings(cls) -> Publisher:
        return cls(settings.IATI_PUBLISHER_IDENTIFIER, settings.IATI_PUBLISHER_NAME, settings.IATI_PUBLISHER_TYPE)

    @property
    def is_configured(self) -> bool:
        return bool(self.identifier and self.name and self.type)


def lead_organisation(project: Project) -> Organisation | None:
    """The lead organisation is accountable for the project."""
    for partner in project.partners.all():
        if partner.role == Partner.Role.LEAD:
            return partner.organisation
    return None


def iati_problems(project: Project) -> list[str]:
    """What the project lacks for a valid IATI activity, one translated line each; empty when exportable."""
    problems = []
    if not Publisher.from_settings().is_configured:
        problems.append(
            gettext(
                "The portal's IATI publisher is not configured: its operator must set IATI_PUBLISHER_IDENTIFIER, "
                "IATI_PUBLISHER_NAME and IATI_PUBLISHER_TYPE."
            )
        )
    if not _texts(project, "title"):
        problems.append(gettext("The project has no title."))
    if not _texts(project, "summary"):
        problems.append(gettext("The project has no summary to describe it."))
    if not project.partners.all():
        problems.append(gettext("No partner organisation is recorded."))
    if project.status not in ACTIVITY_STATUS:
        problems.append(gettext("The project's status is not known."))
    if project.start_date is None:
        problems.append(gettext("The project's start date is not known."))
    if not project.countries.all():
        problems.append(gettext("The project has no recipient country."))
    return problems


@dataclass(frozen=True)
class IatiExport:
    """An ``iati-activities`` document, or, when any project cannot be valid, why not (by project code)."""

    xml: bytes | None
    problems: dict[str, list[str]]


def iati_export(projects: Iterable[Project]) -> IatiExport:
    """Export the projects (fetched with ``project_with_details``) all together, or none of them."""
    projects = list(projects)
    problems = {project.code: found for project in projects if (found := iati_problems(project))}
    if problems:
        return IatiExport(xml=None, problems=problems)
    return IatiExport(xml=iati_activities(projects), problems={})


def iati_activities(projects: Iterable[Project]) -> bytes:
    """An ``iati-activities`` 2.03 document with one activity per project; check ``iati_problems`` first."""
    root = etree.Element(
        "iati-activities",
        version=IATI_VERSION,
        **{"generated-datetime": timezone.now().isoformat(timespec="seconds")},
    )
    projects = list(projects)
    awards = defaultdict(list)
    for award in awards_with_payments(projects):
        awards[award.proposal.call.project_id].append(award)
    rates = RateBook.everything()
    for project in projects:
        root.append(iati_activity(project, awards[project.pk], rates))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def iati_activity(project: Project, awards: list[Award], rates: RateBook) -> etree._Element:
    """One project (with its details prefetched) as an ``iati-activity``, its elements in schema order."""
    publisher = Publisher.from_settings()
    activity = etree.Element(
        "iati-activity",
        {
            XML_LANG: project.original_language,
            "last-updated-datetime": project.updated_at.isoformat(timespec="seconds"),
        },
    )
    etree.SubElement(activity, "iati-identifier").text = f"{publisher.identifier}-{project.code}"
    _reporting_organisation(activity, publisher, lead_organisation(project))
    _narratives(etree.SubElement(activity, "title"), _texts(project, "title"))
    _narratives(etree.SubElement(activity, "description", type="1"), _texts(project, "summary"))
    for partner in project.partners.all():
        _organisation(activity, "participating-org", partner.organisation, role=PARTICIPATING_ROLE[partner.role])
    etree.SubElement(activity, "activity-status", code=ACTIVITY_STATUS[project.status])
    for date_type, date in _activity_dates(project):
        etree.SubElement(activity, "activity-date", {"type": date_type, "iso-date": date.isoformat()})
    for country in project.countries.all():
        etree.SubElement(activity, "recipient-country", code=country.code)
    etree.SubElement(activity, "sector", vocabulary=SECTOR_VOCABULARY_DAC, code=SECTOR_CODE)
    if project.start_date and project.end_date:
        for amount, currency in _budget_amounts(project, rates):
            budget = etree.SubElement(activity, "budget", type=BUDGET_TYPE_ORIGINAL, status=BUDGET_STATUS_INDICATIVE)
            etree.SubElement(budget, "period-start", {"iso-date": project.start_date.isoformat()})
            etree.SubElement(budget, "period-end", {"iso-date": project.end_date.isoformat()})
            _value(budget, amount, currency, conversion_date(project))
    for award in awards:
        _transaction(activity, COMMITMENT, award.amount, award.currency, award.signed_on, award.proposal.organisation)
    payments = sorted(
        ((t, award) for award in awards for t in award.paid_tranches), key=lambda p: (p[0].paid_on, p[0].pk)
    )
    for tranche, award in payments:
        _transaction(
            activity, DISBURSEMENT, tranche.paid_amount, award.currency, tranche.paid_on, award.proposal.organisation
        )
    return activity


def _reporting_organisation(activity: etree._Element, publisher: Publisher, lead: Organisation | None) -> None:
    """The publisher reports; unless it leads the project, it reproduces others' data: a secondary reporter."""
    reporting = etree.SubElement(activity, "reporting-org", ref=publisher.identifier, type=publisher.type)
    is_lead = lead is not None and lead.iati_identifier == publisher.identifier
    if not is_lead:
        reporting.set("secondary-reporter", "1")
    etree.SubElement(reporting, "narrative").text = publisher.name


def _activity_dates(project: Project) -> list[tuple[str, datetime.date]]:
    """Only the known dates; a start is actual once the project runs, an end once it is completed."""
    started = project.status in (Project.Status.ONGOING, Project.Status.COMPLETED)
    ended = project.status == Project.Status.COMPLETED
    dates = []
    if project.start_date:
        dates.append((ACTUAL_START if started else PLANNED_START, project.start_date))
    if project.end_date:
        dates.append((ACTUAL_END if ended else PLANNED_END, project.end_date))
    return dates


def _budget_amounts(project: Project, rates: RateBook) -> list[tuple[Decimal, str]]:
    """The stated total, else the budget lines per currency, else the funding per currency when every
    amount is known (an unknown contribution is not zero, so a partial sum would understate it).

    A total stated as actually spent is not a budget: it is left out rather than passed off as one.
    """
    if project.total_budget_basis == Project.BudgetBasis.ACTUAL:
        return []
    if project.total_budget_amount is not None:
        return [(project.total_budget_amount, project.total_budget_currency)]
    lines = project_budget(project, list(project.budget_lines.all())).totals
    if lines:
        return [(total.planned, total.currency) for total in lines]
    funding = project_funding(project, list(project.contributions.all()), rates)
    if funding.has_unknown_amounts:
        return []
    return [(total.amount, total.currency) for total in funding.totals]


def _transaction(
    activity: etree._Element,
    code: str,
    amount: Decimal,
    currency: str,
    date: datetime.date,
    receiver: Organisation,
) -> None:
    transaction = etree.SubElement(activity, "transaction")
    etree.SubElement(transaction, "transaction-type", code=code)
    etree.SubElement(transaction, "transaction-date", {"iso-date": date.isoformat()})
    _value(transaction, amount, currency, date)
    _organisation(transaction, "receiver-org", receiver)


def _organisation(parent: etree._Element, tag: str, organisation: Organisation, **attributes: str) -> None:
    element = etree.SubElement(parent, tag, type=ORGANISATION_TYPE[organisation.kind], **attributes)
    if organisation.iati_identifier:
        element.set("ref", organisation.iati_identifier)
    _narratives(element, _texts(organisation, "name"))


def _value(parent: etree._Element, amount: Decimal, currency: str, date: datetime.date) -> None:
    value = etree.SubElement(parent, "value", {"currency": currency, "value-date": date.isoformat()})
    value.text = str(amount)


def _texts(instance, field: str) -> dict[str, str]:
    """The field in every language held, by language code."""
    texts = {code: getattr(instance, f"{field}_{code}", "") for code, _name in settings.LANGUAGES}
    return {code: text for code, text in texts.items() if text}


def _narratives(parent: etree._Element, texts: dict[str, str]) -> None:
    for language, text in texts.items():
        etree.SubElement(parent, "narrative", {XML_LANG: language}).text = text
