"""``/api/v1/exports/``: ask for a project's dataset as a CSV or XLSX file, follow it, download it.

A request goes through ``reports.exports.services.export_request``, as on the Open data page: the
same permission per dataset (who sees the same records on the pages) and the same rows. The answer
is 202: a worker writes the file, counting its rows; poll the request until it is ``done``. Each
request and its file belong to its requester, whose permissions decided its rows.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.ratelimits import limit_per_user
from forums.api import LanguageField
from projects.api import ProjectPartFilter, ProjectPartSerializer

from ..exports import selectors, services
from ..exports.datasets import DATASET_CHOICES, DATASETS
from ..exports.views import export_file_response
from ..models import ExportRequest
from .requests import ReportStatusField


@extend_schema_field(
    {
        "type": "string",
        "enum": list(DATASETS),
        "description": "`sessions`, `trainings` and `events` (one row per gathering, with attendance and "
        "breakdowns), `proposals` and `proposal_budget_lines`, `awards` and `tranches`, `funding` "
        "(one row per funder's contribution).",
    },
    component_name="ExportDatasetEnum",
)
class DatasetField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=DATASET_CHOICES, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": ExportRequest.Error.values,
        "nullable": True,
        "description": "Why the export failed; `null` unless it did. `error_message` says it in words.",
    },
    component_name="ExportErrorEnum",
)
class ExportErrorField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ExportRequest.Error.choices, **kwargs)

    def to_representation(self, value):
        return value or None


class ExportRequestSerializer(ProjectPartSerializer):
    """An export request; ``project``, ``dataset``, ``file_format`` and ``language`` are written, the rest
    is its progress."""

    dataset = DatasetField()
    file_format = serializers.ChoiceField(choices=ExportRequest.FileFormat.choices)
    language = LanguageField(help_text="The language of the file's texts and labels.")
    status = ReportStatusField(read_only=True)
    error = ExportErrorField(read_only=True)
    error_message = serializers.SerializerMethodField()
    progress_percent = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Rows written in percent of the total; null before it is known."
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportRequest
        fields = [
            "id",
            "project",
            "dataset",
            "file_format",
            "language",
            "status",
            "rows_done",
            "rows_total",
            "progress_percent",
            "error",
            "error_message",
            "attempts",
            "requested_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = ["rows_done", "rows_total", "attempts", "requested_at", "started_at", "finished_at"]

    def get_error_message(self, export) -> str | None:
        """The reason of a failure in the request's language."""
        return export.get_error_display() if export.error else None

    def get_download_url(self, export) -> str | None:
        """Where the file is, once it is written."""
        if export.status != ExportRequest.Status.DONE:
            return None
        url = reverse("exportrequest-download", kwargs={"pk": export.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ExportRequestFilter(ProjectPartFilter):
    """``?project=`` among the visible projects, ``?dataset=``, ``?file_format=`` and ``?status=``."""

    dataset = django_filters.ChoiceFilter(choices=DATASET_CHOICES)
    file_format = django_filters.ChoiceFilter(choices=ExportRequest.FileFormat.choices)
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)
    status = django_filters.ChoiceFilter(choices=ExportRequest.Status.choices)


class ExportRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The user's export requests, newest first (every request for platform staff)."""

    serializer_class = ExportRequestSerializer
    filterset_class = ExportRequestFilter
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.exports_for_list(self.request.user)

    @extend_schema(
        responses={
            202: ExportRequestSerializer,
            400: OpenApiResponse(description="An unknown dataset, format or language, or a project you cannot see."),
            403: OpenApiResponse(description="Not signed in, or you do not see this dataset's records on the pages."),
            429: OpenApiResponse(description="Too many export requests: wait the `Retry-After` seconds."),
        }
    )
    @limit_per_user("EXPORT_RATELIMIT")
    def create(self, request, *args, **kwargs):
        """Ask for a dataset as a file: 202 with the request, written in the background. A request while
        the same file of yours is in progress joins it."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        export = services.export_request(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such request of yours, or its file is not written yet."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, once it is written."""
        return export_file_response(selectors.export_for_user(request.user, pk))


def register(router) -> None:
    router.register("exports", ExportRequestViewSet, basename="exportrequest")
