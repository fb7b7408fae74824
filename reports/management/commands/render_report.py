from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.models import Project
from reports.models import ReportRequest
from reports.rendering import render_report


class Command(BaseCommand):
    help = (
        "Render a project's report to a PDF file now, through the same code as the workers "
        "(no report request is recorded)."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The project's code, e.g. MCMS-RESEN-BITOLA-2008.")
        parser.add_argument("--kind", choices=ReportRequest.Kind.values, default=ReportRequest.Kind.EXECUTIVE_SUMMARY)
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES], required=True)
        parser.add_argument("--output", help="The PDF file to write; by default named after code, kind and language.")

    def handle(self, *args, code: str, kind: str, language: str, output: str | None, **options):
        try:
            project = Project.objects.get(code=code)
        except Project.DoesNotExist:
            raise CommandError(f"No project has the code {code!r}.") from None
        pdf = render_report(project, kind, language).pdf
        path = output or ReportRequest(project=project, kind=kind, language=language).download_name
        with open(path, "wb") as file:
            file.write(pdf)
        self.stdout.write(f"{path}: {len(pdf)} bytes")
