"""An index for a project's history: its audit entries, newest first.

The log entries are auditlog's table, so the index is added here rather than in auditlog's models;
the project id is the ``project_id`` key that every tracked model stores in ``additional_data``.
"""

from django.db import migrations
from django.db.models import F, Index
from django.db.models.fields.json import KeyTransform

INDEX = Index(
    KeyTransform("project_id", "additional_data"),
    F("timestamp").desc(),
    F("id").desc(),
    name="logentry_project_history",
)


def add_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("auditlog", "LogEntry"), INDEX)


def remove_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("auditlog", "LogEntry"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunPython(add_index, remove_index)]
