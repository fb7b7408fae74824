"""URLs of the reports app: a project's Reports page, a report's status fragment and its download."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("projects/<str:code>/reports/", views.ProjectReportsView.as_view(), name="project-reports"),
    path("reports/<int:pk>/status/", views.ReportStatusView.as_view(), name="status"),
    path("reports/<int:pk>/download/", views.ReportDownloadView.as_view(), name="download"),
]
