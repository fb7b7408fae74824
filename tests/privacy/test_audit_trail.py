"""The audit trail: every write to the tracked records is kept with who, when, before and after.

Pages name the signed-in user, the API names the holder of the token (DRF authenticates after
auditlog's middleware has run), and background tasks name nobody: the system.
"""

import datetime
import importlib
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.context import acting_as
from audit.registry import TRACKED
from audit.selectors import project_history
from forums.models import Attachment, ForumSession
from grants.models import EligibilityCheck, Proposal, ReportedSpending, Selection
from projects.models import BudgetLine, Expenditure, FundingContribution
from tests.forums.factories import (
    AttendanceFactory,
    ForumSessionFactory,
    GroupCountFactory,
    ResidenceCountFactory,
)
from tests.grants.factories import (
    AwardFactory,
    CallFactory,
    EligibilityCriterionFactory,
    ForumTallyFactory,
    MonitoringReportFactory,
    ProposalBudgetLineFactory,
    ProposalFactory,
    ReviewFactory,
    ReviewScoreFactory,
    TrancheFactory,
)
from tests.projects.factories import (
    BudgetLineFactory,
    ExpenditureFactory,
    FundingContributionFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

CALL = "proposal__call__project"


def make_attachment(project):
    session = ForumSessionFactory(project=project)
    return Attachment.objects.create(
        session=session,
        kind=Attachment.Kind.MINUTES,
        file="sessions/minutes.pdf",
        content_type="application/pdf",
        size=10,
    )


def make_eligibility_check(project):
    proposal = ProposalFactory(call__project=project)
    criterion = EligibilityCriterionFactory(call=proposal.call)
    return EligibilityCheck.objects.create(proposal=proposal, criterion=criterion, is_met=True)


def make_selection(project):
    call = CallFactory(project=project)
    return Selection.objects.create(call=call, session=ForumSessionFactory(project=project), minutes="Chosen by vote.")


def make_reported_spending(project):
    report = MonitoringReportFactory(award__proposal__call__project=project)
    line = ProposalBudgetLineFactory(proposal=report.award.proposal)
    return ReportedSpending.objects.create(report=report, budget_line=line, amount=Decimal("80.00"))


# For each tracked model: how to make one in a project, and a change to make to it.
RECORDS = {
    "projects.Project": (lambda project: ProjectFactory(), {"programme": "IPA II"}),
    "projects.FundingContribution": (
        lambda project: FundingContributionFactory(project=project),
        {"amount": Decimal("1234.00")},
    ),
    "projects.BudgetLine": (lambda project: BudgetLineFactory(project=project), {"amount": Decimal("99.00")}),
    "projects.Expenditure": (
        lambda project: ExpenditureFactory(budget_line__project=project),
        {"amount": Decimal("5.00")},
    ),
    "forums.ForumSession": (lambda project: ForumSessionFactory(project=project), {"venue": "Town hall"}),
    "forums.Attendance": (lambda project: AttendanceFactory(session__project=project), {"participants": 31}),
    "forums.GroupCount": (lambda project: GroupCountFactory(attendance__session__project=project), {"count": 3}),
    "forums.ResidenceCount": (
        lambda project: ResidenceCountFactory(attendance__session__project=project),
        {"count": 4},
    ),
    "forums.Attachment": (make_attachment, {"kind": Attachment.Kind.PHOTO}),
    "grants.Call": (lambda project: CallFactory(project=project), {"envelope": Decimal("9000.00")}),
    "grants.Proposal": (lambda project: ProposalFactory(call__project=project), {"title": "A new title"}),
    "grants.ProposalBudgetLine": (
        lambda project: ProposalBudgetLineFactory(proposal__call__project=project),
        {"unit_cost": Decimal("120.00")},
    ),
    "grants.EligibilityCheck": (make_eligibility_check, {"is_met": False, "reason": "No statute."}),
    "grants.Review": (lambda project: ReviewFactory(proposal__call__project=project), {"has_conflict": True}),
    "grants.ReviewScore": (
        lambda project: ReviewScoreFactory(review__proposal__call__project=project),
        {"score": 3},
    ),
    "grants.ForumTally": (lambda project: ForumTallyFactory(proposal__call__project=project), {"votes": 12}),
    "grants.Selection": (make_selection, {"minutes": "Chosen by show of hands."}),
    "grants.Award": (lambda project: AwardFactory(proposal__call__project=project), {"amount": Decimal("900.00")}),
    "grants.Tranche": (
        lambda project: TrancheFactory(award__proposal__call__project=project),
        {"amount": Decimal("450.00")},
    ),
    "grants.MonitoringReport": (
        lambda project: MonitoringReportFactory(award__proposal__call__project=project),
        {"progress": "Half done."},
    ),
    "grants.ReportedSpending": (make_reported_spending, {"amount": Decimal("70.00")}),
}


def entries_of(record_type, pk) -> list[LogEntry]:
    content_type = ContentType.objects.get_for_model(record_type)
    return list(LogEntry.objects.filter(content_type=content_type, object_pk=str(pk)).order_by("pk"))


def test_every_tracked_model_has_a_case_here():
    assert set(RECORDS) == {tracked.model for tracked in TRACKED}


@pytest.mark.parametrize("label", sorted(RECORDS))
def test_create_change_and_delete_are_kept_with_actor_and_project(cast, label):
    make, change = RECORDS[label]
    with set_actor(cast.coordinator):
        record = make(cast.project)
        for field, value in change.items():
            setattr(record, field, value)
        record.save()
        pk = record.pk
        project_id = cast.project.pk if label != "projects.Project" else pk
        record.delete()

    entries = entries_of(type(record), pk)
    assert [entry.action for entry in entries] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    assert {entry.actor for entry in entries} == {cast.coordinator}
    assert {entry.additional_data["project_id"] for entry in entries} == {project_id}
    changed = entries[1].changes_dict
    for field, value in change.items():
        assert changed[field][1] == str(value)


def test_a_project_history_lists_only_its_own_records(cast):
    with set_actor(cast.coordinator):
        own = AttendanceFactory(session__project=cast.project)
        AttendanceFactory(session__project=cast.other_project)

    history = list(project_history(cast.project))

    assert history
    assert {entry.additional_data["project_id"] for entry in history} == {cast.project.pk}
    assert str(own.pk) in {entry.object_pk for entry in history}


# --- Who: a page, the API with a token, a task -----------------------------------------------------


def test_a_page_write_names_the_signed_in_user(cast, client):
    line = BudgetLineFactory(project=cast.project, currency="EUR")
    client.force_login(cast.coordinator)
    with translation.override("en"):
        url = reverse("projects:section", kwargs={"code": cast.project.code, "section": "expenditures"})
    prefix = "expenditures"
    response = client.post(
        url,
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-budget_line": line.pk,
            f"{prefix}-0-spent_on": "2024-06-01",
            f"{prefix}-0-amount": "120.40",
            f"{prefix}-0-description": "Forum hall",
            "version": cast.project.version,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    expenditure = Expenditure.objects.get(budget_line=line)
    (entry,) = entries_of(Expenditure, expenditure.pk)
    assert entry.actor == cast.coordinator
    assert entry.additional_data == {"project_id": cast.project.pk, "page_id": cast.project.pk}


def token_client(user) -> APIClient:
    """A client that authenticates as a real API client does: with a token, no session."""
    return APIClient(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})


def test_an_api_write_with_a_token_names_the_token_holder(cast):
    line = BudgetLineFactory(project=cast.project, currency="EUR")

    response = token_client(cast.coordinator).post(
        "/api/v1/expenditures/",
        {"budget_line": line.pk, "spent_on": "2024-06-01", "amount": "120.40"},
        format="json",
    )

    assert response.status_code == 201, response.data
    (entry,) = entries_of(Expenditure, response.data["id"])
    assert entry.actor == cast.coordinator
    assert entry.action == LogEntry.Action.CREATE


def test_an_api_change_and_delete_with_a_token_name_the_token_holder(cast):
    contribution = FundingContributionFactory(project=cast.project, amount=Decimal("100.00"), currency="EUR")
    client = token_client(cast.coordinator)

    changed = client.patch(f"/api/v1/funding-contributions/{contribution.pk}/", {"amount": "150.00"}, format="json")
    deleted = client.delete(f"/api/v1/funding-contributions/{contribution.pk}/")

    assert (changed.status_code, deleted.status_code) == (200, 204), (changed.data, deleted.data)
    entries = entries_of(FundingContribution, contribution.pk)
    assert [(entry.action, entry.actor) for entry in entries] == [
        (LogEntry.Action.CREATE, None),  # made by the test's factory, outside any request
        (LogEntry.Action.UPDATE, cast.coordinator),
        (LogEntry.Action.DELETE, cast.coordinator),
    ]


def test_a_denied_api_write_with_a_token_changes_nothing_and_logs_nothing(cast):
    contribution = FundingContributionFactory(project=cast.project, amount=Decimal("100.00"), currency="EUR")

    response = token_client(cast.donor).patch(
        f"/api/v1/funding-contributions/{contribution.pk}/", {"amount": "1.00"}, format="json"
    )

    assert response.status_code == 403
    contribution.refresh_from_db()
    assert contribution.amount == Decimal("100.00")
    assert len(entries_of(FundingContribution, contribution.pk)) == 1


@shared_task
def rename_venue_task(session_id: int) -> None:
    """A background write, as a Celery task would make it."""
    session = ForumSession.objects.get(pk=session_id)
    session.venue = "Moved by the system"
    session.save()


def test_a_task_writes_as_the_system_even_when_run_inside_a_users_request(cast):
    session = ForumSessionFactory(project=cast.project)
    with set_actor(cast.coordinator):
        rename_venue_task.delay(session.pk)  # eager in tests: runs here, inside the user's context
        BudgetLineFactory(project=cast.project)  # the user's own write after the task

    task_entry = entries_of(ForumSession, session.pk)[-1]
    assert task_entry.changes_dict["venue"][1] == "Moved by the system"
    assert task_entry.actor is None
    (after,) = entries_of(BudgetLine, BudgetLine.objects.get(project=cast.project).pk)
    assert after.actor == cast.coordinator


def test_a_service_naming_its_actor_leaves_the_requests_actor_to_the_writes_after_it(cast):
    with set_actor(cast.coordinator):  # the request, as auditlog's middleware opens it
        with acting_as(cast.donor):  # a service naming who acts (grants' services do)
            first = BudgetLineFactory(project=cast.project)
        second = BudgetLineFactory(project=cast.project)

    assert [entry.actor for entry in entries_of(BudgetLine, first.pk)] == [cast.donor]
    assert [entry.actor for entry in entries_of(BudgetLine, second.pk)] == [cast.coordinator]


def test_cascaded_deletes_still_name_their_project(cast):
    with set_actor(cast.coordinator):
        award = AwardFactory(proposal__call__project=cast.project)
        tranche = TrancheFactory(award=award, planned_on=datetime.date(2024, 7, 1))
        award.delete()

    deleted = entries_of(type(tranche), tranche.pk)[-1]
    assert deleted.action == LogEntry.Action.DELETE
    assert deleted.additional_data["project_id"] == cast.project.pk
    assert Proposal.objects.filter(pk=award.proposal_id).exists()


def test_entries_written_before_the_project_was_stored_get_it_from_their_record(cast):
    from django.apps import apps

    backfill = importlib.import_module("audit.migrations.0002_backfill_project_of_earlier_entries").backfill
    tally = ForumTallyFactory(proposal__call__project=cast.project)
    LogEntry.objects.update(additional_data=None)

    backfill(apps, None)

    (entry,) = entries_of(type(tally), tally.pk)
    assert entry.additional_data == {"project_id": cast.project.pk, "page_id": tally.proposal.call_id}
    (created,) = project_history(cast.other_project)  # the other project's own creation, nothing of ours
    assert (created.object_pk, created.action) == (str(cast.other_project.pk), LogEntry.Action.CREATE)
