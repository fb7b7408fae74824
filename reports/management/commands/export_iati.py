from django.core.management.base import BaseCommand, CommandError

from projects.models import Project
from projects.selectors import project_with_details
from reports.iati import iati_export


class Command(BaseCommand):
    help = "Export projects as an IATI 2.03 iati-activities file; refuses, listing why, when one cannot be valid."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="CODE", help="Project codes; every project when none.")
        parser.add_argument("--output", required=True, help="The XML file to write.")

    def handle(self, *args, codes: list[str], output: str, **options):
        projects = project_with_details(Project.objects.order_by("code"))
        if codes:
            projects = projects.filter(code__in=codes)
        projects = list(projects)
        if missing := sorted(set(codes) - {project.code for project in projects}):
            raise CommandError(f"No project has the code: {', '.join(missing)}")
        export = iati_export(projects)
        if export.problems:
            lines = [f"{code}: {problem}" for code, problems in export.problems.items() for problem in problems]
            raise CommandError("Nothing was written; the export would not be valid IATI:\n" + "\n".join(lines))
        with open(output, "wb") as file:
            file.write(export.xml)
        self.stdout.write(f"{output}: {len(projects)} activities, {len(export.xml)} bytes")
