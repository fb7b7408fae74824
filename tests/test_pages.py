"""Every page of the admin opens, and no page loads anything from outside the portal."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.projects.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_lists_and_add_forms_open_for_every_model(client, rf, seeded, model):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    request = rf.get("/")
    request.user = superuser
    if admin.site._registry[model].has_add_permission(request):  # the audit log is read-only
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_admin_change_form_has_translation_fields_for_every_language(client, seeded):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    project = seeded["MCMS-RESEN-BITOLA-2008"]
    page = client.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    for language in ("en", "mk", "bg", "sq"):
        assert f'name="title_{language}"' in page
    assert "vendor/jquery-ui/jquery-ui.min.js" in page


EXTERNAL_ASSET = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    ["/en/projects/", "/mk/projects/MCMS-RESEN-BITOLA-2008/", "/en/accounts/login/", "/api/docs/", "/en/admin/login/"],
)
def test_pages_load_no_external_assets(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not EXTERNAL_ASSET.search(response.content.decode())


def test_api_token_is_issued_for_an_email_and_password(client, password):
    user = UserFactory(email="clerk@resen.example.org")
    response = client.post("/api/v1/auth/token/", {"username": "Clerk@Resen.example.org", "password": password})
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert user.auth_token.key == token
