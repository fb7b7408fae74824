"""URLs of the reports app: a project's Reports page, a report's status fragment and its download, the IATI file."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("projects/<str:code>/reports/", views.ProjectReportsView.as_view(), name="project-reports"),
    path("projects/<str:code>/iati.xml", views.ProjectIatiView.as_view(), name="project-iati"),
    path("reports/<int:pk>/status/", views.ReportStatusView.as_view(), name="status"),
    path("reports/<int:pk>/download/", views.ReportDownloadView.as_view(), name="download"),
]
