"""What each open-data file holds: its columns, declared once, and its rows, read from the selectors.

A column says what it means, its unit and, for a figure that may be approximate or a lower bound,
the qualifier column that travels with it; the writers print the same declaration as the data
dictionary. One row is one record: a session, a proposal, one line of a proposal's budget, an
award, a tranche, a funding contribution. Proposals and their budget lines (awards and their
tranches) are two files, so that summing a column never counts a proposal's amount twice.

Rows are plain values: ``None`` is an empty cell (a figure nobody recorded), never 0. Translated
texts are written in the requested language, or in their original language when no translation
exists; the ``…_language`` column beside each text says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forums.counts import SUPPRESSED_DISPLAY, Figure
from forums.models import (
    AGE_PARTS,
    GENDER_PARTS,
    Attendance,
    Category,
    ForumSession,
    Kind,
    ReportedParticipation,
    VulnerableGroup,
)
from forums.selectors import attendance_of, session_breakdowns, sessions_with_breakdowns
from grants.api import awards_visible_to
from grants.models import Award, Proposal, ProposalBudgetLine, Tranche
from grants.selectors import AwardMoney
from projects.i18n import LocalizedText, localized
from projects.models import FundingContribution, Municipality, Project
from projects.selectors import conversion_date, project_funding

# Records are read from the database this many at a time: memory stays flat however large the export.
CHUNK_SIZE = 500

# The types a cell may have; the XLSX writer gives each its number format.
TEXT, INTEGER, DECIMAL, MONEY, PERCENT, DATE, DATETIME, BOOLEAN = (
    "text",
    "integer",
    "decimal",
    "money",
    "percent",
    "date",
    "datetime",
    "boolean",
)

UNKNOWN = "unknown"  # the qualifier of a figure nobody recorded

PERSONS = _("persons")
PERSONS_OR_WITHHELD = _("persons; “<5” where a group of one to four people is withheld to protect their privacy")
QUALIFIER_VALUES = _("exact, approximate, at_least (a lower bound) or unknown (not recorded: the figure is empty)")
LANGUAGE_CODE = _("language code (en, mk, bg, sq)")
ISO_DATE = _("date, ISO 8601 (YYYY-MM-DD)")
IN_CURRENCY = _("in the currency of the column currency")


@dataclass(frozen=True)
class Column:
    """One column of a file, as the data dictionary describes it."""

    key: str
    label: str | Promise
    meaning: str | Promise
    unit: str | Promise = ""
    qualifier: str = ""  # the key of the column that says how sure this figure is
    type: str = TEXT


GENERATED_AT = Column(
    "generated_at",
    _("Generated at"),
    _("When the file was made, the same in every row: the data is as it was then."),
    _("date and time, ISO 8601, UTC"),
    type=DATETIME,
)


def text_columns(key: str, label: Promise, meaning: Promise) -> list[Column]:
    """A translated text and the column saying which language it is written in."""
    return [
        Column(key, label, meaning),
        Column(
            f"{key}_language",
            gettext("Language of: %(column)s") % {"column": key},
            _(
                "The language the text beside it is in: the file's language, or the original language "
                "when no translation exists."
            ),
            LANGUAGE_CODE,
        ),
    ]


def count_columns(key: str, label: str | Promise, meaning: str | Promise, *, breakdown: bool = False) -> list[Column]:
    """A head count and its qualifier column; a breakdown's counts may be withheld as "<5"."""
    unit = PERSONS_OR_WITHHELD if breakdown else PERSONS
    return [
        Column(key, label, meaning, unit, qualifier=f"{key}_qualifier", type=INTEGER),
        Column(
            f"{key}_qualifier",
            gettext("How sure: %(column)s") % {"column": key},
            _("How sure the count beside it is."),
            QUALIFIER_VALUES,
        ),
    ]


def put_text(row: dict, key: str, text: LocalizedText | None) -> None:
    row[key] = text.text if text is not None and text.text else None
    row[f"{key}_language"] = text.language if text is not None and text.text else None


def put_count(row: dict, key: str, value: int | None, qualifier: str) -> None:
    row[key] = value
    row[f"{key}_qualifier"] = UNKNOWN if value is None else qualifier


def put_figure(row: dict, key: str, figure: Figure) -> None:
    """A breakdown's count, or "<5" for a small group withheld (its qualifier kept)."""
    if figure.is_suppressed:
        row[key], row[f"{key}_qualifier"] = SUPPRESSED_DISPLAY, figure.qualifier
    else:
        put_count(row, key, figure.value, figure.qualifier)


def labels(choices: type[models.Choices]) -> dict[str, str]:
    """The choices' labels in the active language, translated once per file rather than once per row."""
    return {value: str(label) for value, label in choices.choices}


def original_text(text: str, language: str) -> LocalizedText:
    """A text kept only in the language it was written in (proposals stay in their applicant's language)."""
    return LocalizedText(text=text, language=language, is_fallback=False)


class Dataset:
    """A kind of record of a project, exported one record per row.

    Subclasses declare ``key``, ``title``, ``permission`` (a rule taking the project), the records
    the user may see (``queryset``), the columns and one row per record.
    """

    key: str
    title: Promise
    permission: str

    def queryset(self, project: Project, user) -> QuerySet:
        raise NotImplementedError

    def count(self, project: Project, user) -> int:
        """How many rows the file will have (one query)."""
        return self.queryset(project, user).count()

    def columns(self, project: Project, user) -> list[Column]:
        raise NotImplementedError

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        raise NotImplementedError

    def is_available_to(self, user, project: Project) -> bool:
        return user.has_perm(self.permission, project)


# --- Sessions, trainings, events ------------------------------------------------------------------


class SessionDataset(Dataset):
    """The gatherings of one category with their attendance and its breakdowns."""

    permission = "reports.export_sessions"

    def __init__(self, key: str, category: str, title: Promise):
        self.key, self.category, self.title = key, category, title

    def queryset(self, project: Project, user) -> QuerySet[ForumSession]:
        return sessions_with_breakdowns(project).filter(kind__in=Kind.of_category(self.category))

    def groups(self, project: Project) -> list[VulnerableGroup]:
        """The vulnerable groups counted at one of these sessions at least: one column each."""
        counted = VulnerableGroup.objects.filter(
            groupcount__attendance__session__project=project,
            groupcount__attendance__session__kind__in=Kind.of_category(self.category),
        )
        return list(counted.distinct().order_by("order", "pk"))

    def residences(self, project: Project) -> list[Municipality]:
        """The municipalities of residence counted at one of these sessions at least: one column each."""
        counted = Municipality.objects.filter(
            residencecount__attendance__session__project=project,
            residencecount__attendance__session__kind__in=Kind.of_category(self.category),
        )
        return list(counted.distinct().order_by("pk"))

    def columns(self, project: Project, user) -> list[Column]:
        columns = [
            Column(
                "session_id",
                _("Session"),
                _("Identifies the session in the portal; one row per session."),
                type=INTEGER,
            ),
            Column("project", _("Project"), _("The project's code.")),
            Column("kind", _("Kind"), _("What kind of gathering it was.")),
            Column("status", _("Status"), _("Planned, held or cancelled.")),
            Column(
                "date",
                _("Date"),
                _("The day it took place or is planned for; empty when not known."),
                ISO_DATE,
                type=DATE,
            ),
            *text_columns(
                "municipality", _("Host municipality"), _("Where it took place; empty when the documents do not say.")
            ),
            Column(
                "sequence", _("Number in the forum"), _("Its number in its forum's series of sessions."), type=INTEGER
            ),
            *text_columns("title", _("Title or topic"), _("The title or topic of the gathering.")),
            *count_columns(
                "participants",
                _("Participants"),
                _(
                    "Everyone who took part; empty when nobody counted them (totals the documents publish only "
                    "for several sessions together are in the file of participation reported as totals)."
                ),
            ),
        ]
        for part in (*GENDER_PARTS, *AGE_PARTS):
            label = Attendance._meta.get_field(part).verbose_name
            columns += count_columns(
                part,
                label,
                _("Participants counted in this part of the breakdown; empty when not recorded."),
                breakdown=True,
            )
        for group in self.groups(project):
            name = localized(group, "name").text
            columns += count_columns(
                f"group_{group.pk}",
                name,
                gettext("Participants who belong to the vulnerable group “%(group)s” (groups overlap).")
                % {"group": name},
                breakdown=True,
            )
        for municipality in self.residences(project):
            name = localized(municipality, "name").text
            columns += count_columns(
                f"residence_{municipality.pk}",
                name,
                gettext("Participants who live in the municipality of %(municipality)s.") % {"municipality": name},
                breakdown=True,
            )
        return columns

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        kinds, statuses = labels(Kind), labels(ForumSession.Status)
        for session in self.queryset(project, user).iterator(chunk_size=CHUNK_SIZE):
            row = {
                "session_id": session.pk,
                "project": project.code,
                "kind": kinds[session.kind],
                "status": statuses[session.status],
                "date": session.date,
                "sequence": session.sequence,
            }
            put_text(
                row, "municipality", localized(session.municipality, "name", language) if session.municipality else None
            )
            put_text(row, "title", localized(session, "title", language))
            attendance = attendance_of(session)
            if attendance is None:
                for part in ("participants", *GENDER_PARTS, *AGE_PARTS):
                    put_count(row, part, None, "")
            else:
                shown = session_breakdowns(attendance)  # small groups withheld, whoever exports
                put_figure(row, "participants", shown.participants)
                for part, figure in (*shown.gender, *shown.age):
                    put_figure(row, part, figure)
                for count, figure in shown.groups:
                    put_figure(row, f"group_{count.group_id}", figure)
                for count, figure in shown.residence:
                    put_figure(row, f"residence_{count.municipality_id}", figure)
            yield row


class ReportedParticipationDataset(Dataset):
    """Participation the documents publish only as totals over several sessions, kept as such.

    These figures are not spread over the sessions they cover: a session's own count stays empty.
    """

    key = "reported_participation"
    title = _("Participation reported as totals")
    permission = "reports.export_sessions"

    def queryset(self, project: Project, user) -> QuerySet[ReportedParticipation]:
        return project.reported_participation.select_related("municipality").order_by("category", "pk")

    def columns(self, project: Project, user) -> list[Column]:
        return [
            Column(
                "total_id",
                _("Reported total"),
                _("Identifies the total in the portal; one row per total the documents publish."),
                type=INTEGER,
            ),
            Column("project", _("Project"), _("The project's code.")),
            Column("category", _("Category"), _("Forum sessions, trainings or public events.")),
            *text_columns(
                "municipality", _("Municipality"), _("Where the sessions took place; empty when not stated.")
            ),
            Column(
                "sessions_covered",
                _("Sessions covered"),
                _("How many sessions the total is for; their own counts stay empty in the sessions' files."),
                _("sessions"),
                type=INTEGER,
            ),
            *count_columns("participants", _("Participants"), _("Everyone who took part in those sessions together.")),
            *text_columns("source", _("Source"), _("The document that publishes the total.")),
        ]

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        categories = labels(Category)
        for block in self.queryset(project, user).iterator(chunk_size=CHUNK_SIZE):
            row = {
                "total_id": block.pk,
                "project": project.code,
                "category": categories[block.category],
                "sessions_covered": block.sessions_covered,
            }
            put_text(
                row, "municipality", localized(block.municipality, "name", language) if block.municipality else None
            )
            put_count(row, "participants", block.participants, block.qualifier)
            put_text(row, "source", localized(block, "source", language))
            yield row


# --- Proposals and their budget lines -------------------------------------------------------------


def visible_proposals(project: Project, user) -> QuerySet[Proposal]:
    """The project's proposals the user may read, as on the proposal pages (``Proposal.visible_to``)."""
    return Proposal.objects.visible_to(user).filter(call__project=project)


def proposal_columns() -> list[Column]:
    """What identifies a proposal in both the proposals file and its budget lines' file."""
    return [
        Column("proposal_id", _("Proposal"), _("Identifies the proposal in the portal."), type=INTEGER),
        *text_columns(
            "proposal_title", _("Proposal title"), _("The proposal's title, in the language it was written in.")
        ),
        *text_columns("organisation", _("Applicant organisation"), _("The organisation that applied.")),
    ]


def put_proposal(row: dict, proposal: Proposal, language: str) -> None:
    row["proposal_id"] = proposal.pk
    put_text(row, "proposal_title", original_text(proposal.title, proposal.language))
    put_text(row, "organisation", localized(proposal.organisation, "name", language))


class ProposalDataset(Dataset):
    key = "proposals"
    title = _("Grant proposals")
    permission = "reports.export_proposals"

    def queryset(self, project: Project, user) -> QuerySet[Proposal]:
        return (
            visible_proposals(project, user)
            .select_related("call__project", "organisation", "municipality")
            .order_by("call__opens_at", "call_id", "pk")
        )

    def columns(self, project: Project, user) -> list[Column]:
        return [
            *proposal_columns(),
            *text_columns("call", _("Call"), _("The call for proposals it answers.")),
            *text_columns(
                "municipality", _("Municipality"), _("Where the proposal would be carried out; empty when not stated.")
            ),
            Column("status", _("Status"), _("Where the proposal stands in the call's workflow.")),
            Column(
                "submitted_on", _("Submitted on"), _("The day it was submitted; empty for drafts."), ISO_DATE, type=DATE
            ),
            Column(
                "duration_months",
                _("Duration in months"),
                _("How long the work would last."),
                _("months"),
                type=INTEGER,
            ),
            Column(
                "currency",
                _("Currency"),
                _("The call's currency, that of every amount in the row."),
                _("ISO 4217 code"),
            ),
            Column(
                "requested_amount",
                _("Requested amount"),
                _("What the organisation asks from the grant."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column(
                "cofinancing_cash",
                _("Co-financing in cash"),
                _("What the organisation puts in, in money."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column(
                "cofinancing_in_kind",
                _("Co-financing in kind"),
                _("What the organisation puts in, in kind."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column(
                "total_budget", _("Total budget"), _("Requested amount plus co-financing."), IN_CURRENCY, type=MONEY
            ),
        ]

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        statuses = labels(Proposal.Status)
        for proposal in self.queryset(project, user).iterator(chunk_size=CHUNK_SIZE):
            row = {
                "status": statuses[proposal.status],
                "submitted_on": proposal.submitted_at.date() if proposal.submitted_at else None,
                "duration_months": proposal.duration_months,
                "currency": proposal.call.currency,
                "requested_amount": proposal.requested_amount,
                "cofinancing_cash": proposal.cofinancing_cash,
                "cofinancing_in_kind": proposal.cofinancing_in_kind,
                "total_budget": proposal.total_budget,
            }
            put_proposal(row, proposal, language)
            put_text(row, "call", localized(proposal.call, "title", language))
            put_text(
                row,
                "municipality",
                localized(proposal.municipality, "name", language) if proposal.municipality else None,
            )
            yield row


class ProposalBudgetLineDataset(Dataset):
    key = "proposal_budget_lines"
    title = _("Budget lines of grant proposals")
    permission = "reports.export_proposals"

    def queryset(self, project: Project, user) -> QuerySet[ProposalBudgetLine]:
        return (
            ProposalBudgetLine.objects.filter(proposal__in=visible_proposals(project, user))
            .select_related("proposal__call", "proposal__organisation")
            .order_by("proposal__call__opens_at", "proposal_id", "order", "pk")
        )

    def columns(self, project: Project, user) -> list[Column]:
        return [
            Column(
                "budget_line_id",
                _("Budget line"),
                _("Identifies the line in the portal; one row per line of a proposal's budget."),
                type=INTEGER,
            ),
            *proposal_columns(),
            Column("category", _("Category"), _("What the money is for.")),
            *text_columns(
                "description",
                _("Description"),
                _("The line as the applicant describes it, in the proposal's language."),
            ),
            Column("unit", _("Unit"), _("What one unit is (a day, a piece, a month).")),
            Column("quantity", _("Quantity"), _("How many units."), _("units of the column unit"), type=DECIMAL),
            Column("unit_cost", _("Unit cost"), _("The cost of one unit."), IN_CURRENCY, type=MONEY),
            Column(
                "total",
                _("Total"),
                _("Quantity times unit cost, rounded half up to the cent."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column("financed_by", _("Financed by"), _("Whether the grant or the co-financing pays for the line.")),
            Column("currency", _("Currency"), _("The call's currency."), _("ISO 4217 code")),
        ]

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        categories, financed_by = labels(ProposalBudgetLine.Category), labels(ProposalBudgetLine.FinancedBy)
        for line in self.queryset(project, user).iterator(chunk_size=CHUNK_SIZE):
            proposal = line.proposal
            row = {
                "budget_line_id": line.pk,
                "category": categories[line.category],
                "unit": line.unit,
                "quantity": line.quantity,
                "unit_cost": line.unit_cost,
                "total": line.total,
                "financed_by": financed_by[line.financed_by],
                "currency": proposal.call.currency,
            }
            put_proposal(row, proposal, language)
            put_text(row, "description", original_text(line.description, proposal.language))
            yield row


# --- Awards and their tranches --------------------------------------------------------------------


def visible_awards(project: Project, user) -> QuerySet[Award]:
    """The project's awards the user may read, as on the award pages (``grants.view_award``)."""
    return awards_visible_to(user).filter(proposal__call__project=project)


def award_columns() -> list[Column]:
    return [
        Column("award_id", _("Award"), _("Identifies the grant agreement in the portal."), type=INTEGER),
        *proposal_columns(),
        Column(
            "currency", _("Currency"), _("The award's currency, that of every amount in the row."), _("ISO 4217 code")
        ),
    ]


def put_award(row: dict, award: Award, language: str) -> None:
    row["award_id"] = award.pk
    row["currency"] = award.currency
    put_proposal(row, award.proposal, language)


class AwardDataset(Dataset):
    key = "awards"
    title = _("Grant awards")
    permission = "reports.export_awards"

    def queryset(self, project: Project, user) -> QuerySet[Award]:
        return (
            visible_awards(project, user)
            .select_related("proposal__call", "proposal__organisation")
            .annotate(planned_sum=Sum("tranches__amount"), paid_sum=Sum("tranches__paid_amount"))
            .order_by("signed_on", "pk")
        )

    def columns(self, project: Project, user) -> list[Column]:
        return [
            *award_columns(),
            Column(
                "amount",
                _("Awarded amount"),
                _("The amount of the grant agreement; one row per award."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column(
                "planned",
                _("Planned in tranches"),
                _("The tranches planned so far, added up."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column(
                "paid",
                _("Paid"),
                _("The tranches paid so far, added up (0 when none is paid yet)."),
                IN_CURRENCY,
                type=MONEY,
            ),
            Column("left_to_pay", _("Left to pay"), _("Awarded amount minus paid."), IN_CURRENCY, type=MONEY),
            Column("signed_on", _("Signed on"), _("The day the agreement was signed."), ISO_DATE, type=DATE),
            Column("starts_on", _("Starts on"), _("The first day of the granted work."), ISO_DATE, type=DATE),
            Column("ends_on", _("Ends on"), _("The last day of the granted work."), ISO_DATE, type=DATE),
            Column(
                "final_report_due_on", _("Final report due on"), _("When the final report is due."), ISO_DATE, type=DATE
            ),
        ]

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        for award in self.queryset(project, user).iterator(chunk_size=CHUNK_SIZE):
            money = AwardMoney(
                amount=award.amount,
                currency=award.currency,
                planned=award.planned_sum or Decimal("0.00"),
                paid=award.paid_sum or Decimal("0.00"),
            )
            row = {
                "amount": money.amount,
                "planned": money.planned,
                "paid": money.paid,
                "left_to_pay": money.left_to_pay,
                "signed_on": award.signed_on,
                "starts_on": award.starts_on,
                "ends_on": award.ends_on,
                "final_report_due_on": award.final_report_due_on,
            }
            put_award(row, award, language)
            yield row


class TrancheDataset(Dataset):
    key = "tranches"
    title = _("Tranches of grant awards")
    permission = "reports.export_awards"

    def queryset(self, project: Project, user) -> QuerySet[Tranche]:
        return (
            Tranche.objects.filter(award__in=visible_awards(project, user))
            .select_related("award__proposal__organisation")
            .order_by("award__signed_on", "award_id", "number")
        )

    def columns(self, project: Project, user) -> list[Column]:
        return [
            Column(
                "tranche_id",
                _("Tranche"),
                _("Identifies the tranche in the portal; one row per tranche."),
                type=INTEGER,
            ),
            *award_columns(),
            Column("number", _("Number"), _("The tranche's number within its award."), type=INTEGER),
            Column("planned_on", _("Planned for"), _("The day the payment is planned for."), ISO_DATE, type=DATE),
            Column("amount", _("Planned amount"), _("The amount planned for the tranche."), IN_CURRENCY, type=MONEY),
            Column("paid_on", _("Paid on"), _("The day it was paid; empty while it is not."), ISO_DATE, type=DATE),
            Column(
                "paid_amount", _("Paid amount"), _("What was paid; empty while it is not."), IN_CURRENCY, type=MONEY
            ),
        ]

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        for tranche in self.queryset(project, user).iterator(chunk_size=CHUNK_SIZE):
            row = {
                "tranche_id": tranche.pk,
                "number": tranche.number,
                "planned_on": tranche.planned_on,
                "amount": tranche.amount,
                "paid_on": tranche.paid_on,
                "paid_amount": tranche.paid_amount,
            }
            put_award(row, tranche.award, language)
            yield row


# --- Funding ----------------------------------------------------------------------------------------


class FundingDataset(Dataset):
    """The funders' contributions with the shares and euro equivalents of ``projects.selectors.project_funding``."""

    key = "funding"
    title = _("Funding contributions")
    permission = "reports.export_funding"

    def queryset(self, project: Project, user) -> QuerySet[FundingContribution]:
        return project.contributions.select_related("funder")

    def columns(self, project: Project, user) -> list[Column]:
        return [
            Column(
                "contribution_id",
                _("Contribution"),
                _("Identifies the contribution in the portal; one row per funder's contribution."),
                type=INTEGER,
            ),
            Column("project", _("Project"), _("The project's code.")),
            *text_columns(
                "funder", _("Funder"), _("Who contributes; empty where the documents do not name the funder.")
            ),
            Column("funder_acronym", _("Acronym"), _("The funder's acronym.")),
            Column("kind", _("Kind"), _("What kind of funding it is.")),
            Column(
                "amount",
                _("Amount"),
                _("The contribution; empty where it is not known."),
                IN_CURRENCY,
                qualifier="amount_qualifier",
                type=MONEY,
            ),
            Column(
                "amount_qualifier",
                gettext("How sure: %(column)s") % {"column": "amount"},
                _("exact, or unknown when the amount is empty."),
                _("exact or unknown"),
            ),
            Column("currency", _("Currency"), _("The contribution's currency."), _("ISO 4217 code")),
            Column(
                "share_percent",
                _("Share"),
                _(
                    "Its share of the project's funding; empty when no share can be computed honestly "
                    "(an unknown amount, or currencies without rates)."
                ),
                _("percent"),
                type=PERCENT,
            ),
            Column(
                "share_basis",
                _("Share of"),
                _(
                    "What the shares are of: stated_total (the project's stated total), sum (the contributions "
                    "in their one currency) or eur (their euro equivalents)."
                ),
            ),
            Column(
                "conversion_date",
                _("Conversion date"),
                _("The day the amount is converted to euro on: its value date, else the project's start."),
                ISO_DATE,
                type=DATE,
            ),
            Column(
                "eur_amount",
                _("Amount in euro"),
                _("The euro equivalent; empty where no rate (or no amount) exists."),
                _("EUR"),
                type=MONEY,
            ),
            Column(
                "eur_rate",
                _("Exchange rate"),
                _("Units of the currency per euro used for the conversion; empty for euro."),
                _("units of the currency per EUR"),
                type=DECIMAL,
            ),
            Column("eur_rate_date", _("Rate valid from"), _("The day the rate is valid from."), ISO_DATE, type=DATE),
            Column(
                "eur_rate_is_fixed",
                _("Fixed rate"),
                _("Whether the currency is pegged to the euro (BGN, BAM); empty when no rate is used."),
                _("true or false"),
                type=BOOLEAN,
            ),
        ]

    def rows(self, project: Project, user, language: str) -> Iterator[dict]:
        funding = project_funding(project, list(self.queryset(project, user)))
        for figures in funding.contributions:
            contribution, eur = figures.contribution, figures.eur
            row = {
                "contribution_id": contribution.pk,
                "project": project.code,
                "funder_acronym": contribution.funder.acronym if contribution.funder else None,
                "kind": contribution.get_kind_display(),
                "amount": contribution.amount,
                "amount_qualifier": UNKNOWN if contribution.amount is None else "exact",
                "currency": contribution.currency or None,
                "share_percent": figures.share_percent,
                "share_basis": funding.share_basis if figures.share_percent is not None else None,
                "conversion_date": conversion_date(project, contribution),
                "eur_amount": eur.amount,
                "eur_rate": eur.rate.units_per_eur if eur.rate else None,
                "eur_rate_date": eur.rate.valid_from if eur.rate else None,
                "eur_rate_is_fixed": eur.rate.is_fixed if eur.rate else None,
            }
            put_text(row, "funder", localized(contribution.funder, "name", language) if contribution.funder else None)
            yield row


DATASETS: dict[str, Dataset] = {
    dataset.key: dataset
    for dataset in (
        SessionDataset("sessions", Category.FORUM, _("Forum sessions")),
        SessionDataset("trainings", Category.TRAINING, _("Trainings")),
        SessionDataset("events", Category.EVENT, _("Public events")),
        ReportedParticipationDataset(),
        ProposalDataset(),
        ProposalBudgetLineDataset(),
        AwardDataset(),
        TrancheDataset(),
        FundingDataset(),
    )
}

DATASET_CHOICES = [(key, dataset.title) for key, dataset in DATASETS.items()]
