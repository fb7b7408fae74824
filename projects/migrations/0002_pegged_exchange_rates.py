"""The two pegged currencies of the region: BGN and BAM at 1.95583 per euro (currency boards)."""

import datetime
from decimal import Decimal

from django.db import migrations

PEGS = [
    ("BGN", "Bulgarian National Bank: currency board, fixed rate to the euro (BGN 1.95583 = EUR 1)"),
    ("BAM", "Central Bank of Bosnia and Herzegovina: currency board, fixed rate to the euro (BAM 1.95583 = EUR 1)"),
]
PEG_START = datetime.date(1999, 1, 1)


def add_pegs(apps, schema_editor):
    ExchangeRate = apps.get_model("projects", "ExchangeRate")
    for currency, source in PEGS:
        ExchangeRate.objects.update_or_create(
            currency=currency,
            valid_from=PEG_START,
            defaults={"units_per_eur": Decimal("1.95583"), "is_fixed": True, "source": source},
        )


def remove_pegs(apps, schema_editor):
    ExchangeRate = apps.get_model("projects", "ExchangeRate")
    ExchangeRate.objects.filter(currency__in=[c for c, _ in PEGS], valid_from=PEG_START, is_fixed=True).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(add_pegs, remove_pegs)]
