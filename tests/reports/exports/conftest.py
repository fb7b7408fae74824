"""Helpers of the export tests: files read back as CSV rows or XLSX sheets, and a project with grants."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from forums.models import Kind, Qualifier
from grants.models import Proposal
from projects.models import Membership
from tests.forums.factories import (
    AttendanceFactory,
    ForumSessionFactory,
    GroupCountFactory,
    ResidenceCountFactory,
    VulnerableGroupFactory,
)
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    TrancheFactory,
)
from tests.projects.factories import MunicipalityFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def read_csv(content: bytes) -> list[dict[str, str]]:
    """A CSV file as rows keyed by its header; the file must start with the UTF-8 byte-order mark."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(sheet) -> list[dict]:
    """A sheet's rows keyed by its first row."""
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def dataset_url(code: str, dataset: str, file_format: str = "csv", language: str = "en") -> str:
    with translation.override("en"):
        path = reverse("reports:export-dataset", kwargs={"code": code})
    return f"{path}?dataset={dataset}&file_format={file_format}&language={language}"


def signed_in(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


@dataclass
class GrantsOf:
    """What ``with_grants`` made in a project: one proposal per organisation, an award with tranches."""

    submitted: Proposal
    draft: Proposal
    ngo_proposal: Proposal


def add_grants(project, ngo_organisation) -> GrantsOf:
    """A submitted proposal with two budget lines and an award of 1 000 with one tranche paid; a draft
    of another organisation; a submitted proposal of the NGO coordinator's organisation with an award."""
    call = CallFactory(project=project, currency="MKD")
    submitted = ProposalFactory(call=call, status=Proposal.Status.CONTRACTED, requested_amount=Decimal("61500.00"))
    ProposalBudgetLineFactory(proposal=submitted, quantity=Decimal("3.50"), unit_cost=Decimal("1230.10"))
    ProposalBudgetLineFactory(proposal=submitted, quantity=Decimal("2.00"), unit_cost=Decimal("500.00"))
    award = AwardFactory(proposal=submitted, amount=Decimal("61500.00"))
    TrancheFactory(award=award, amount=Decimal("30000.00"), paid=True)
    TrancheFactory(award=award, amount=Decimal("31500.00"))
    draft = ProposalFactory(call=call)
    ProposalBudgetLineFactory(proposal=draft)
    ngo_proposal = ProposalFactory(call=call, organisation=ngo_organisation, status=Proposal.Status.CONTRACTED)
    TrancheFactory(award=AwardFactory(proposal=ngo_proposal))
    return GrantsOf(submitted=submitted, draft=draft, ngo_proposal=ngo_proposal)


@pytest.fixture
def cast_with_grants(cast):
    organisation = Membership.objects.get(user=cast.ngo_coordinator).organisation
    cast.grants = add_grants(cast.project, organisation)
    return cast


def add_sessions(project, count: int, kind: str = Kind.FORUM_DELIBERATIVE) -> None:
    """``count`` held sessions of ``kind`` with attendance and breakdowns, the first with an unknown count."""
    group = VulnerableGroupFactory(name_en="Roma", name_mk="Роми")
    place = MunicipalityFactory(name_en="Ohrid", name_mk="Охрид")
    host = MunicipalityFactory(name_en="Resen", name_mk="Ресен")
    for number in range(count):
        session = ForumSessionFactory(project=project, kind=kind, municipality=host, title_en=f"Session {number}")
        if number == 0:
            AttendanceFactory(session=session, participants=None)
            continue
        attendance = AttendanceFactory(
            session=session,
            participants=40,
            participants_qualifier=Qualifier.APPROXIMATE,
            women=22,
            men=15,
            age_18_29=10,
        )
        GroupCountFactory(attendance=attendance, group=group, count=4, qualifier=Qualifier.AT_LEAST)
        ResidenceCountFactory(attendance=attendance, municipality=place, count=30)
