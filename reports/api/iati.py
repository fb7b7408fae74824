"""``GET /api/v1/iati/?project=…``: projects as one IATI 2.03 ``iati-activities`` file.

The same export as the project page and ``manage.py export_iati``: all the projects or none, with what
each lacks as a 409 when any could not be valid. Included from ``config/urls.py`` under ``/api/v1/``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.models import Project
from projects.selectors import project_with_details
from reports.iati import iati_export

# A PostgreSQL integer: a larger id cannot exist, so it is refused as invalid rather than looked up.
MAX_ID = 2**31 - 1


class ErrorsInJson(BaseContentNegotiation):
    """The file is XML whatever the client accepts; errors are always JSON, never a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class IatiQuerySerializer(serializers.Serializer):
    project = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=100
    )


class ProjectsIatiView(APIView):
    """Projects the user coordinates or funds (or any, for staff) as an IATI 2.03 file."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = ErrorsInJson

    @extend_schema(
        operation_id="iati_activities",
        parameters=[
            OpenApiParameter(
                "project",
                OpenApiTypes.INT,
                many=True,
                required=True,
                explode=True,
                description="Id of a project to export; repeat for several (at most 100).",
            )
        ],
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An iati-activities 2.03 document, one activity per project."
            ),
            404: OpenApiResponse(description="A project is not one the user may see."),
            409: inline_serializer(
                "IatiProblems",
                {
                    "detail": serializers.CharField(),
                    "problems": serializers.DictField(
                        child=serializers.ListField(child=serializers.CharField()),
                        help_text="By project code: what each project lacks for a valid activity.",
                    ),
                },
            ),
        },
    )
    def get(self, request):
        query = IatiQuerySerializer(data={"project": request.query_params.getlist("project")})
        query.is_valid(raise_exception=True)
        ids = set(query.validated_data["project"])
        projects = list(project_with_details(Project.objects.visible_to(request.user).filter(pk__in=ids)))
        if len(projects) != len(ids):
            raise exceptions.NotFound(_("No such project."))
        if not all(request.user.has_perm("reports.export_iati", project) for project in projects):
            raise exceptions.PermissionDenied(_("Only the project's coordinators and donors may export it."))
        export = iati_export(sorted(projects, key=lambda project: project.code))
        if export.problems:
            detail = _("Nothing was exported: a valid IATI file needs what is listed for each project.")
            return Response({"detail": detail, "problems": export.problems}, status=409)
        response = HttpResponse(export.xml, content_type="application/xml")
        response["Content-Disposition"] = 'attachment; filename="iati-activities.xml"'
        return response


urlpatterns = [
    path("iati/", ProjectsIatiView.as_view(), name="iati-activities"),
]
