"""The one world every matrix test runs in: three projects with one object of every kind each, and one
user per way of relating to the first.

``mine`` is the private project the roles belong to; ``other`` is a private project of another tenant,
whose every role the outsider holds; ``public`` is a published project nobody of the matrix belongs to.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.db import connection

from forums.models import Attachment, Feedback, Participant
from grants.models import MonitoringReport, Proposal, ProposalAttachment, ReportPhoto
from projects.models import Activity, Membership, Objective, Project, Result, TargetGroup
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    MonitoringReportFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    ReviewFactory,
    ScoringCriterionFactory,
    TrancheFactory,
)
from tests.projects.factories import (
    BudgetLineFactory,
    ExpenditureFactory,
    FundingContributionFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    PartnerFactory,
    ProjectFactory,
    UserFactory,
)
from tests.reports.exports.factories import DoneExportFactory
from tests.reports.factories import DoneReportFactory

Role = Membership.Role

# The order of the columns of every expectation string in the matrix tables.
ROLES = ("anonymous", "outsider", "coordinator", "municipal_staff", "ngo_coordinator", "donor", "reviewer", "staff")
# The roles a project gives (and the reviewer it asks): for them another tenant's objects must not exist.
TENANT_ROLES = ("coordinator", "municipal_staff", "ngo_coordinator", "donor", "reviewer")
# Who reads the public project's objects in the matrix: nobody of that project.
PUBLIC_VISITORS = ("anonymous", "outsider")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@dataclass
class Tenant:
    """A project with one object of every kind the pages and the API reach."""

    project: Project
    municipality: object
    organisation: object  # the NGO whose proposals and award these are
    session: object
    attachment: object
    participant: object
    feedback: object
    call: object
    draft: object  # a draft proposal of the NGO, with a budget line and an attachment
    proposal_attachment: object
    submitted: object  # a submitted proposal of the NGO
    review: object  # a review of a proposal in review, assigned to the tenant's reviewer
    award: object  # of a contracted proposal of the NGO, with a tranche and a monitoring report with a photo
    tranche: object
    monitoring_report: object
    photo: object
    report: object  # a finished PDF report requested by the coordinator
    export: object  # a finished open-data export requested by the coordinator
    partner: object
    contribution: object
    budget_line: object
    expenditure: object
    objective: object
    target_group: object
    result: object
    activity: object


@dataclass
class World:
    mine: Tenant
    other: Tenant
    public: Tenant
    users: dict[str, object]


def _stored(model, content: bytes, name: str, content_type: str, **fields):
    return model.objects.create(
        file=ContentFile(content, name=name), content_type=content_type, size=len(content), **fields
    )


def build_tenant(project: Project, *, coordinator, reviewer, ngo_user) -> Tenant:
    """Every kind of object of ``project``; ``ngo_user`` acts for the NGO that applied."""
    municipality = MunicipalityFactory()
    project.target_municipalities.add(municipality)
    organisation = Membership.objects.get(project=project, user=ngo_user, role=Role.NGO_COORDINATOR).organisation
    session = ForumSessionFactory(project=project, municipality=municipality)
    AttendanceFactory(session=session, participants=24)
    call = CallFactory(project=project)
    ScoringCriterionFactory(call=call, weight=100)
    draft = ProposalFactory(call=call, organisation=organisation)
    ProposalBudgetLineFactory(proposal=draft)
    in_review = ProposalFactory(call=call, organisation=OrganisationFactory(), status=Proposal.Status.IN_REVIEW)
    award = AwardFactory(
        proposal=ProposalFactory(call=call, organisation=organisation, status=Proposal.Status.CONTRACTED)
    )
    monitoring_report = MonitoringReportFactory(award=award, status=MonitoringReport.Status.SUBMITTED)
    budget_line = BudgetLineFactory(project=project)
    return Tenant(
        project=project,
        municipality=municipality,
        organisation=organisation,
        session=session,
        attachment=_stored(Attachment, PDF, "sheet.pdf", "application/pdf", session=session, kind="sign_in_sheet"),
        participant=Participant.objects.create(session=session, full_name="Vesna Petrovska", consent_given=True),
        feedback=Feedback.objects.create(
            session=session, satisfaction=4, comment="Useful.", language="mk", device_hash=f"{session.pk:064d}"
        ),
        call=call,
        draft=draft,
        proposal_attachment=_stored(ProposalAttachment, PDF, "statute.pdf", "application/pdf", proposal=draft),
        submitted=ProposalFactory(call=call, organisation=organisation, status=Proposal.Status.SUBMITTED),
        review=ReviewFactory(proposal=in_review, reviewer=reviewer),
        award=award,
        tranche=TrancheFactory(award=award),
        monitoring_report=monitoring_report,
        photo=_stored(ReportPhoto, PNG, "garden.png", "image/png", report=monitoring_report),
        report=DoneReportFactory(project=project, requested_by=coordinator),
        export=DoneExportFactory(project=project, requested_by=coordinator),
        partner=PartnerFactory(project=project),
        contribution=FundingContributionFactory(project=project),
        budget_line=budget_line,
        expenditure=ExpenditureFactory(budget_line=budget_line),
        objective=Objective.objects.create(project=project, text_en="Citizens shape the municipal budget."),
        target_group=TargetGroup.objects.create(project=project, text_en="Young people of the municipality."),
        result=Result.objects.create(project=project, kind=Result.Kind.EXPECTED, text_en="Twelve forum sessions."),
        activity=Activity.objects.create(project=project, text_en="Hold the forum sessions."),
    )


def _member(project, user, role, **fields):
    membership = MembershipFactory(project=project, user=user, role=role, **fields)
    return membership


def build_world() -> World:
    """Three projects, their objects, and the users of the matrix's columns."""
    mine = ProjectFactory(is_public=False, title_en="Matrix private project")
    other = ProjectFactory(is_public=False, title_en="Matrix other tenant")
    public = ProjectFactory(is_public=True, title_en="Matrix public project")
    users = {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "coordinator": UserFactory(),
        "municipal_staff": UserFactory(),
        "ngo_coordinator": UserFactory(),
        "donor": UserFactory(),
        "reviewer": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }
    _member(mine, users["coordinator"], Role.COORDINATOR)
    _member(mine, users["donor"], Role.DONOR)
    _member(mine, users["ngo_coordinator"], Role.NGO_COORDINATOR, organisation=OrganisationFactory())
    staff_membership = _member(mine, users["municipal_staff"], Role.MUNICIPAL_STAFF)
    # The outsider holds every role of the other tenant, and reviews there.
    outsider = users["outsider"]
    for role in (Role.COORDINATOR, Role.MUNICIPAL_STAFF, Role.DONOR):
        _member(other, outsider, role)
    _member(other, outsider, Role.NGO_COORDINATOR, organisation=OrganisationFactory())
    # The public project's objects belong to people outside the matrix.
    public_ngo = UserFactory()
    _member(public, public_ngo, Role.NGO_COORDINATOR, organisation=OrganisationFactory())

    world = World(
        mine=build_tenant(
            mine, coordinator=users["coordinator"], reviewer=users["reviewer"], ngo_user=users["ngo_coordinator"]
        ),
        other=build_tenant(other, coordinator=outsider, reviewer=outsider, ngo_user=outsider),
        public=build_tenant(public, coordinator=UserFactory(), reviewer=UserFactory(), ngo_user=public_ngo),
        users=users,
    )
    staff_membership.municipalities.add(world.mine.municipality)
    Membership.objects.get(project=other, user=outsider, role=Role.MUNICIPAL_STAFF).municipalities.add(
        world.other.municipality
    )
    return world


# --- What a denied write must leave alone ---------------------------------------------------------

# Rows a request may write whatever it is allowed to do: the signed-in session and login bookkeeping.
UNTRACKED_TABLES = {"django_session"}
UNTRACKED_PREFIXES = ("axes_",)


@functools.cache
def _tracked_tables() -> list[str]:
    return sorted(
        name
        for name in connection.introspection.table_names()
        if name not in UNTRACKED_TABLES and not name.startswith(UNTRACKED_PREFIXES)
    )


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, in one query."""
    row_digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    # Table names come from the database's own catalogue, never from a request.
    parts = [f"SELECT '{table}', count(*), {row_digest} FROM \"{table}\" t" for table in _tracked_tables()]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


def a_day(days: int = 0) -> str:
    return (datetime.date(2024, 7, 1) + datetime.timedelta(days=days)).isoformat()


MONEY = Decimal("100.00")
