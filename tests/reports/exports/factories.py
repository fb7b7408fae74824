"""Factories for export requests."""

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import ExportRequest
from tests.projects.factories import ProjectFactory, UserFactory

# Enough of a CSV export for tests that serve a stored file; writing is tested with real files.
CSV_BYTES = "\ufeffgenerated_at,session_id\r\n2026-01-01T00:00:00Z,1\r\n".encode()


class ExportRequestFactory(factory.django.DjangoModelFactory):
    """A pending request of a project's sessions as CSV; ``DoneExportFactory`` for a written one."""

    class Meta:
        model = ExportRequest

    project = factory.SubFactory(ProjectFactory)
    dataset = "sessions"
    file_format = ExportRequest.FileFormat.CSV
    language = "en"
    requested_by = factory.SubFactory(UserFactory)


class DoneExportFactory(ExportRequestFactory):
    status = ExportRequest.Status.DONE
    attempts = 1
    rows_done = 3
    rows_total = 3
    file = factory.LazyAttribute(lambda export: ContentFile(CSV_BYTES, name=f"{export.project.code}.csv"))
    finished_at = factory.LazyFunction(timezone.now)
