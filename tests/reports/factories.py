"""Factories for report requests."""

import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import ReportRequest
from tests.projects.factories import ProjectFactory, UserFactory

# Enough of a PDF for tests that serve a stored file; rendering is tested with real PDFs.
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class ReportRequestFactory(factory.django.DjangoModelFactory):
    """A pending request; ``DoneReportFactory`` and ``FailedReportFactory`` for finished ones."""

    class Meta:
        model = ReportRequest

    project = factory.SubFactory(ProjectFactory)
    kind = ReportRequest.Kind.EXECUTIVE_SUMMARY
    language = "en"
    requested_by = factory.SubFactory(UserFactory)
    fingerprint = factory.Sequence(lambda n: hashlib.sha256(str(n).encode()).hexdigest())


class DoneReportFactory(ReportRequestFactory):
    status = ReportRequest.Status.DONE
    attempts = 1
    file = factory.LazyAttribute(lambda report: ContentFile(PDF_BYTES, name=f"{report.project.code}.pdf"))
    finished_at = factory.LazyFunction(timezone.now)


class FailedReportFactory(ReportRequestFactory):
    status = ReportRequest.Status.FAILED
    attempts = 1
    error = ReportRequest.Error.RENDER_FAILED
    finished_at = factory.LazyFunction(timezone.now)
