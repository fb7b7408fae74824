from django.core.management.base import BaseCommand

from projects.seed import seed_apps_load, seed_projects_load


class Command(BaseCommand):
    help = "Load the five seed projects and their sessions, grants, … (idempotent; kept unless --update)."

    def add_arguments(self, parser):
        parser.add_argument("--update", action="store_true", help="Rewrite existing seed projects from the seed data.")

    def handle(self, *args, update: bool = False, **options):
        for result in seed_projects_load(update=update):
            state = "loaded" if result.created else ("updated" if update else "already present")
            self.stdout.write(f"{result.project.code}: {state}")
        for line in seed_apps_load(update=update):
            self.stdout.write(line)
