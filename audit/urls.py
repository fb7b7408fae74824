from django.urls import path

from .views import ProjectHistoryView

app_name = "audit"

urlpatterns = [
    path("projects/<str:code>/history/", ProjectHistoryView.as_view(), name="project-history"),
]
