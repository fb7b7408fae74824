"""Entries written before the project id was stored with them: look it up from their record.

A record deleted since cannot be looked up; its entries stay out of the project's history. The paths
are frozen here as they were when this migration was written (see ``audit.registry``).
"""

from operator import attrgetter

from django.core.exceptions import ObjectDoesNotExist
from django.db import migrations

PATHS = {
    "projects.Project": ("pk", "pk"),
    "projects.FundingContribution": ("project_id", "project_id"),
    "projects.BudgetLine": ("project_id", "project_id"),
    "projects.Expenditure": ("budget_line.project_id", "budget_line.project_id"),
    "forums.ForumSession": ("project_id", "pk"),
    "forums.Attendance": ("session.project_id", "session_id"),
    "forums.GroupCount": ("attendance.session.project_id", "attendance_id"),
    "forums.ResidenceCount": ("attendance.session.project_id", "attendance_id"),
    "forums.Attachment": ("session.project_id", "session_id"),
    "grants.Call": ("project_id", "pk"),
    "grants.Proposal": ("call.project_id", "pk"),
    "grants.ProposalBudgetLine": ("proposal.call.project_id", "proposal_id"),
    "grants.EligibilityCheck": ("proposal.call.project_id", "proposal_id"),
    "grants.Review": ("proposal.call.project_id", "pk"),
    "grants.ReviewScore": ("review.proposal.call.project_id", "review_id"),
    "grants.ForumTally": ("proposal.call.project_id", "proposal.call_id"),
    "grants.Selection": ("call.project_id", "call_id"),
    "grants.Award": ("proposal.call.project_id", "pk"),
    "grants.Tranche": ("award.proposal.call.project_id", "award_id"),
    "grants.MonitoringReport": ("award.proposal.call.project_id", "award_id"),
    "grants.ReportedSpending": ("report.award.proposal.call.project_id", "report.award_id"),
}


def backfill(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for label, (project_path, page_path) in PATHS.items():
        app_label, model_name = label.split(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model_name.lower()).first()
        if content_type is None:
            continue
        entries = LogEntry.objects.filter(content_type=content_type, additional_data__isnull=True)
        pks = set(entries.values_list("object_id", flat=True)) - {None}
        records = apps.get_model(app_label, model_name)._base_manager.in_bulk(pks)
        for entry in entries.iterator():
            record = records.get(entry.object_id)
            if record is None:
                continue
            try:
                data = {"project_id": attrgetter(project_path)(record), "page_id": attrgetter(page_path)(record)}
            except ObjectDoesNotExist:
                continue
            LogEntry.objects.filter(pk=entry.pk).update(additional_data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_logentry_project_history_index"),
        ("projects", "0003_organisation_iati_identifier"),
        ("forums", "0002_default_vulnerable_groups"),
        ("grants", "0002_report_photo_upload_details_proposal_attachments"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
