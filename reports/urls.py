"""URLs of the reports app: a project's Reports page, a report's status fragment and its download, the IATI file."""

from django.urls import path

from . import views
from .exports import views as export_views

app_name = "reports"

urlpatterns = [
    path("projects/<str:code>/reports/", views.ProjectReportsView.as_view(), name="project-reports"),
    path("projects/<str:code>/iati.xml", views.ProjectIatiView.as_view(), name="project-iati"),
    path("reports/<int:pk>/status/", views.ReportStatusView.as_view(), name="status"),
    path("reports/<int:pk>/download/", views.ReportDownloadView.as_view(), name="download"),
    path("projects/<str:code>/exports/", export_views.ProjectExportsView.as_view(), name="project-exports"),
    path("projects/<str:code>/exports/download/", export_views.DatasetDownloadView.as_view(), name="export-dataset"),
    path(
        "projects/<str:code>/exports/dictionary/",
        export_views.DictionaryDownloadView.as_view(),
        name="export-dictionary",
    ),
    path("exports/<int:pk>/status/", export_views.ExportStatusView.as_view(), name="export-status"),
    path("exports/<int:pk>/download/", export_views.ExportDownloadView.as_view(), name="export-download"),
]
