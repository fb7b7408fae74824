"""``/api/v1/reports/``: request a project's PDF report, follow its rendering, download it.

A request goes through ``reports.services.report_request``, as on the Reports page: the same
permission (the project's coordinators and donors, platform staff), the same reuse of an unchanged
report. The answer is 202: the PDF is rendered by a worker; poll the request until it is ``done``.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.ratelimits import limit_per_user
from forums.api import LanguageField
from projects.api import ProjectPartFilter, ProjectPartSerializer

from .. import selectors, services
from ..models import ReportRequest
from ..views import report_file_response


@extend_schema_field(
    {
        "type": "string",
        "enum": ReportRequest.Kind.values,
        "description": "`executive_summary` (1–3 pages) or `final_report` (everything, with annexes).",
    },
    component_name="ReportKindEnum",
)
class ReportKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ReportRequest.Kind.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": ReportRequest.Status.values,
        "description": "`pending` (queued), `running` (being rendered), `done` (ready to download) or `failed`.",
    },
    component_name="ReportStatusEnum",
)
class ReportStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ReportRequest.Status.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": ReportRequest.Error.values,
        "nullable": True,
        "description": "Why the report failed; `null` unless it did. `error_message` says it in words.",
    },
    component_name="ReportErrorEnum",
)
class ReportErrorField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ReportRequest.Error.choices, **kwargs)

    def to_representation(self, value):
        return value or None


class ReportRequestSerializer(ProjectPartSerializer):
    """A report request; ``project``, ``kind`` and ``language`` are written, the rest is its progress."""

    kind = ReportKindField()
    language = LanguageField(help_text="The language of the report's labels and texts.")
    status = ReportStatusField(read_only=True)
    error = ReportErrorField(read_only=True)
    error_message = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRequest
        fields = [
            "id",
            "project",
            "kind",
            "language",
            "status",
            "fingerprint",
            "error",
            "error_message",
            "attempts",
            "requested_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = ["fingerprint", "attempts", "requested_at", "started_at", "finished_at"]
        extra_kwargs = {"fingerprint": {"help_text": "SHA-256 of the figures the report was made from."}}

    def get_error_message(self, report) -> str | None:
        """The reason of a failure in the request's language."""
        return report.get_error_display() if report.error else None

    def get_download_url(self, report) -> str | None:
        """Where the PDF is, once the report is done."""
        if report.status != ReportRequest.Status.DONE:
            return None
        url = reverse("reportrequest-download", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReportRequestFilter(ProjectPartFilter):
    """``?project=`` among the visible projects, ``?kind=``, ``?language=`` and ``?status=``."""

    kind = django_filters.ChoiceFilter(choices=ReportRequest.Kind.choices)
    language = django_filters.ChoiceFilter(choices=ReportRequest._meta.get_field("language").choices)
    status = django_filters.ChoiceFilter(choices=ReportRequest.Status.choices)


class ReportRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Report requests of the projects whose reports the user may request, newest first."""

    serializer_class = ReportRequestSerializer
    filterset_class = ReportRequestFilter
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.reports_for_list(self.request.user)

    @extend_schema(
        responses={
            202: ReportRequestSerializer,
            403: OpenApiResponse(description="Only the project's coordinators and donors request its reports."),
            429: OpenApiResponse(description="Too many report requests: wait the `Retry-After` seconds."),
        }
    )
    @limit_per_user("REPORT_RATELIMIT")
    def create(self, request, *args, **kwargs):
        """Request a report: 202 with the request, rendering in the background, or already `done` when the
        same report of unchanged data exists. A request while the same report is in progress joins it."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_request(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such request visible to you, or its report is not done."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report's PDF, once it is done."""
        return report_file_response(self.get_object())


def register(router) -> None:
    router.register("reports", ReportRequestViewSet, basename="reportrequest")
