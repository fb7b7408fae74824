"""Delete the named lists of projects that ended longer ago than the retention setting."""

from django.conf import settings
from django.core.management.base import BaseCommand

from forums import services


class Command(BaseCommand):
    help = (
        "Delete named participants and scanned sign-in sheets of projects that ended more than "
        "NAMED_PARTICIPANTS_RETENTION_DAYS ago; attendance counts stay. Celery beat runs it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be deleted.")

    def handle(self, *args, dry_run: bool, **options):
        days = settings.NAMED_PARTICIPANTS_RETENTION_DAYS
        if dry_run:
            participants, sheets = services.named_lists_expired()
            self.stdout.write(
                f"Would delete {participants.count()} named participants and {sheets.count()} sign-in sheets "
                f"of projects ended more than {days} days ago."
            )
            return
        participants, sheets = services.named_lists_anonymise()
        self.stdout.write(
            f"Deleted {participants} named participants and {sheets} sign-in sheets "
            f"of projects ended more than {days} days ago."
        )
