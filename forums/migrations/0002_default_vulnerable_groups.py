"""The vulnerable groups offered on new sessions until an operator changes the list."""

from django.db import migrations

GROUPS = [
    {"name_en": "Roma", "name_mk": "Роми", "name_bg": "Роми", "name_sq": "Romë"},
    {
        "name_en": "Persons with disabilities",
        "name_mk": "Лица со попреченост",
        "name_bg": "Хора с увреждания",
        "name_sq": "Persona me aftësi të kufizuara",
    },
]


def add_groups(apps, schema_editor):
    VulnerableGroup = apps.get_model("forums", "VulnerableGroup")
    for order, names in enumerate(GROUPS):
        VulnerableGroup.objects.update_or_create(name_en=names["name_en"], defaults={**names, "order": order})


def remove_groups(apps, schema_editor):
    VulnerableGroup = apps.get_model("forums", "VulnerableGroup")
    VulnerableGroup.objects.filter(name_en__in=[g["name_en"] for g in GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("forums", "0001_sessions_attendance_feedback")]

    operations = [migrations.RunPython(add_groups, remove_groups)]
