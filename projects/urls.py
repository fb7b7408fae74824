from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("new/", views.ProjectCreateView.as_view(), name="create"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation-create"),
    path("<str:code>/", views.ProjectDetailView.as_view(), name="detail"),
    path("<str:code>/edit/", views.ProjectUpdateView.as_view(), name="edit"),
    path("<str:code>/edit/<slug:section>/", views.ProjectSectionView.as_view(), name="section"),
]
