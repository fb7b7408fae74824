from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.demo import DEMO_PASSWORD, demo_accounts_load
from projects.seed import later_app_modules


class Command(BaseCommand):
    help = "Create one demo account per role and the example data of each app; print the logins (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a public server).")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo accounts have a published password: refusing with DEBUG off (use --force).")
        accounts = demo_accounts_load()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.email:<32} {account.description}")
        for module in later_app_modules("demo"):
            for line in module.demo_load():
                self.stdout.write(line)
