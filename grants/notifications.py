"""E-mails about proposals, each in its recipient's language. Sent by Celery tasks after commit."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from projects.models import Membership

from .models import Award, MonitoringReport, Proposal


def _send(recipients, template: str, context: dict, fallback_language: str) -> int:
    sent = 0
    for user in recipients:
        with translation.override(user.preferred_language or fallback_language):
            subject, _blank, body = render_to_string(template, context).strip().partition("\n\n")
            sent += send_mail(subject.strip(), body.strip(), settings.DEFAULT_FROM_EMAIL, [user.email])
    return sent


def _applicants(proposal: Proposal) -> list:
    """The NGO coordinators acting for the proposal's organisation in its project."""
    memberships = Membership.objects.filter(
        project=proposal.call.project, role=Membership.Role.NGO_COORDINATOR, organisation=proposal.organisation
    ).select_related("user")
    return [membership.user for membership in memberships]


def proposal_submitted_notify(proposal_id: int) -> int:
    """Tell the project's coordinators that a proposal arrived; returns how many mails were sent."""
    proposal = Proposal.objects.select_related("call__project", "organisation").get(pk=proposal_id)
    project = proposal.call.project
    coordinators = [
        m.user
        for m in Membership.objects.filter(project=project, role=Membership.Role.COORDINATOR).select_related("user")
    ]
    return _send(coordinators, "grants/mail/proposal_submitted.txt", {"proposal": proposal}, project.original_language)


def proposal_decision_notify(proposal_id: int) -> int:
    """Tell the applicant's NGO coordinators the proposal's new status and the reason given."""
    proposal = Proposal.objects.select_related("call__project", "organisation").get(pk=proposal_id)
    return _send(_applicants(proposal), "grants/mail/proposal_decision.txt", {"proposal": proposal}, proposal.language)


REMINDER_DAYS = (7, 0)  # a week ahead, and on the day


def final_reports_due_notify(today: datetime.date | None = None) -> int:
    """Remind grantees whose final report falls due in a week or today and is not approved yet."""
    today = today or timezone.localdate()
    due_dates = [today + datetime.timedelta(days=days) for days in REMINDER_DAYS]
    awards = (
        Award.objects.filter(
            final_report_due_on__in=due_dates,
            proposal__status__in=[Proposal.Status.CONTRACTED, Proposal.Status.IN_IMPLEMENTATION],
        )
        .exclude(reports__is_final=True, reports__status=MonitoringReport.Status.APPROVED)
        .select_related("proposal__call__project", "proposal__organisation")
    )
    sent = 0
    for award in awards:
        grantees = _applicants(award.proposal)
        sent += _send(grantees, "grants/mail/final_report_due.txt", {"award": award}, award.proposal.language)
    return sent
