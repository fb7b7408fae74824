"""Grantees are reminded of their final report a week ahead and on the day, until it is approved."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.models import User
from grants.models import Award, MonitoringReport, Proposal
from grants.notifications import final_reports_due_notify
from grants.tasks import final_reports_due_notify_task
from projects.models import Membership
from tests.grants.factories import CallFactory, ProposalFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)


@pytest.fixture
def award_due(cast):
    """An award in implementation whose final report falls due in ``days`` days."""
    organisation = Membership.objects.get(user=cast.ngo_coordinator, role=Membership.Role.NGO_COORDINATOR).organisation

    def make(days: int) -> Award:
        proposal = ProposalFactory(
            call=CallFactory(project=cast.project),
            organisation=organisation,
            status=Proposal.Status.IN_IMPLEMENTATION,
            language="sq",
        )
        return Award.objects.create(
            proposal=proposal,
            amount=Decimal("900.00"),
            currency=proposal.call.currency,
            signed_on=TODAY,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=200),
            final_report_due_on=TODAY + datetime.timedelta(days=days),
        )

    return make


@pytest.mark.parametrize(("days", "reminded"), [(7, True), (0, True), (3, False), (8, False), (-1, False)])
def test_reminders_go_out_a_week_ahead_and_on_the_day(cast, award_due, days, reminded):
    award_due(days)
    assert final_reports_due_notify(TODAY) == int(reminded)
    assert [m.to for m in mail.outbox] == ([[cast.ngo_coordinator.email]] if reminded else [])


def test_an_approved_final_report_stops_the_reminders(cast, award_due):
    award = award_due(7)
    MonitoringReport.objects.create(
        award=award, is_final=True, progress="Done", status=MonitoringReport.Status.APPROVED
    )
    assert final_reports_due_notify(TODAY) == 0


def test_the_reminder_is_in_the_grantees_language(cast, award_due):
    User.objects.filter(pk=cast.ngo_coordinator.pk).update(preferred_language="sq")
    award = award_due(7)
    final_reports_due_notify(TODAY)
    with translation.override("sq"):
        subject = translation.gettext("Final report due: %(title)s") % {"title": award.proposal.title}
    assert mail.outbox[0].subject == subject


def test_the_daily_task_runs_on_todays_date(cast, award_due):
    award_due((timezone.localdate() - TODAY).days + 7)  # a week from the real today
    assert final_reports_due_notify_task.delay().get() == 1
