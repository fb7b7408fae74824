"""Defences a security reviewer checks: per-user rate limits on report requests, the Content Security
Policy of every page (and the one relaxed page), templates without inline code, and production settings."""

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import django_ratelimit.core
import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from reports.models import ExportRequest, ReportRequest

ROOT = Path(__file__).resolve().parent.parent
REPORTS_API = "/api/v1/reports/"
FRESH_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "security-tests"}}
STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy header as {directive: [sources]}."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: sources for name, *sources in directives}


# --- Rate limits on report requests --------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    with override_settings(CACHES=FRESH_CACHE):
        caches["default"].clear()
        yield
        caches["default"].clear()


@pytest.fixture
def two_an_hour(settings, fresh_cache, monkeypatch):
    """A limit of two report requests an hour, counted on a frozen clock (no window boundary mid-test)."""
    settings.REPORT_RATELIMIT = "2/h"
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: 1_700_000_000.0))


def reports_page(project) -> str:
    with translation.override("en"):
        return reverse("reports:project-reports", kwargs={"code": project.code})


def api_as(user) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(user)
    return client


def minutes_left(refused) -> int:
    """The whole minutes the message names for the response's Retry-After (the rest of the hour's window,
    which django-ratelimit staggers per user)."""
    seconds = int(refused["Retry-After"])
    assert 0 < seconds <= 3600
    return -(-seconds // 60)


def waited_minutes(text: str) -> int:
    return int(re.search(r"Please wait (\d+) minutes? and try again\.", text).group(1))


def request_report(client, project, language):
    return client.post(reports_page(project), {"kind": "executive_summary", "language": language})


def test_reports_page_refuses_requests_over_the_users_limit(client, cast, two_an_hour):
    client.force_login(cast.coordinator)
    assert [request_report(client, cast.project, language).status_code for language in ("en", "mk")] == [302, 302]

    refused = request_report(client, cast.project, "bg")

    assert refused.status_code == 429
    assert waited_minutes(refused.content.decode()) == minutes_left(refused)
    assert b'name="kind"' in refused.content  # the form is there to send again later
    assert sorted(ReportRequest.objects.values_list("language", flat=True)) == ["en", "mk"]


def test_api_refuses_report_requests_over_the_users_limit(cast, two_an_hour):
    api = api_as(cast.donor)
    for language in ("en", "mk"):
        data = {"project": cast.project.pk, "kind": "final_report", "language": language}
        assert api.post(REPORTS_API, data, format="json").status_code == 202

    refused = api.post(
        REPORTS_API, {"project": cast.project.pk, "kind": "final_report", "language": "sq"}, format="json"
    )

    assert refused.status_code == 429
    assert list(refused.json()) == ["detail"]
    assert refused.json()["detail"].startswith("You have sent too many requests of this kind. Please wait ")
    assert waited_minutes(refused.json()["detail"]) == minutes_left(refused)
    assert ReportRequest.objects.count() == 2


def test_page_and_api_share_one_count_per_user(client, cast, two_an_hour):
    client.force_login(cast.coordinator)
    request_report(client, cast.project, "en")
    data = {"project": cast.project.pk, "kind": "final_report", "language": "en"}
    assert api_as(cast.coordinator).post(REPORTS_API, data, format="json").status_code == 202

    assert request_report(client, cast.project, "mk").status_code == 429


def test_one_users_limit_leaves_others_alone(client, cast, two_an_hour):
    client.force_login(cast.coordinator)
    for language in ("en", "mk", "bg"):
        request_report(client, cast.project, language)
    client.force_login(cast.donor)

    assert request_report(client, cast.project, "sq").status_code == 302


def test_rate_follows_the_setting(client, cast, two_an_hour, settings):
    settings.REPORT_RATELIMIT = "3/h"
    client.force_login(cast.coordinator)

    statuses = [request_report(client, cast.project, language).status_code for language in ("en", "mk", "bg", "sq")]

    assert statuses == [302, 302, 302, 429]


def test_refused_page_is_translated(client, cast, two_an_hour):
    client.force_login(cast.coordinator)
    with translation.override("mk"):
        page = reverse("reports:project-reports", kwargs={"code": cast.project.code})
    for _ in range(3):
        refused = client.post(page, {"kind": "executive_summary", "language": "en"})

    assert refused.status_code == 429
    assert refused.headers["Content-Language"] == "mk"


# --- Rate limits on export requests --------------------------------------------------------------

EXPORTS_API = "/api/v1/exports/"


@pytest.fixture
def two_exports_an_hour(settings, fresh_cache, monkeypatch):
    settings.EXPORT_RATELIMIT = "2/h"
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: 1_700_000_000.0))


def export_url(name: str, project) -> str:
    with translation.override("en"):
        return reverse(name, kwargs={"code": project.code})


def test_export_requests_share_the_users_limit_between_page_and_api(client, cast, two_exports_an_hour):
    client.force_login(cast.coordinator)
    form = {"dataset": "funding", "file_format": "csv", "language": "en"}
    assert client.post(export_url("reports:project-exports", cast.project), form).status_code == 302
    data = {"project": cast.project.pk, "dataset": "funding", "file_format": "xlsx", "language": "en"}
    assert api_as(cast.coordinator).post(EXPORTS_API, data, format="json").status_code == 202

    refused_page = client.post(export_url("reports:project-exports", cast.project), {**form, "language": "mk"})
    refused_api = api_as(cast.coordinator).post(EXPORTS_API, {**data, "language": "mk"}, format="json")

    assert (refused_page.status_code, refused_api.status_code) == (429, 429)
    assert waited_minutes(refused_api.json()["detail"]) == minutes_left(refused_api)
    assert ExportRequest.objects.count() == 2


def test_inline_downloads_are_limited_per_address_for_anonymous_readers(client, cast, two_exports_an_hour):
    cast.project.is_public = True
    cast.project.save(update_fields=["is_public"])
    url = export_url("reports:export-dataset", cast.project)
    query = {"dataset": "funding", "file_format": "csv", "language": "en"}

    statuses = [client.get(url, query).status_code for _ in range(3)]
    elsewhere = client.get(url, query, REMOTE_ADDR="192.0.2.7")

    assert statuses == [200, 200, 429]
    assert elsewhere.status_code == 200


def test_a_refused_download_says_how_long_to_wait(client, cast, two_exports_an_hour):
    client.force_login(cast.donor)
    url = export_url("reports:export-dataset", cast.project)
    for _ in range(3):
        refused = client.get(url, {"dataset": "funding", "file_format": "xlsx", "language": "en"})

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert waited_minutes(refused.content.decode()) == minutes_left(refused)


# --- Content Security Policy ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["projects:list", "accounts:login"])
def test_pages_carry_the_strict_policy(client, name):
    with translation.override("en"):
        response = client.get(reverse(name))

    assert response.status_code == 200
    assert policy(response) == STRICT_POLICY


def test_project_page_carries_the_strict_policy(client, seeded):
    project = next(project for project in seeded.values() if project.is_public)
    with translation.override("en"):
        response = client.get(reverse("projects:detail", kwargs={"code": project.code}))

    assert response.status_code == 200
    assert policy(response) == STRICT_POLICY


@pytest.mark.django_db
def test_api_docs_alone_allow_inline_styles_and_load_their_script_as_a_file(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    assert policy(page) == {**STRICT_POLICY, "style-src": ["'self'", "'unsafe-inline'"]}
    assert re.findall(rb"<script(?![^>]*\bsrc=)", page.content) == []
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


# Page templates only: PDFs (reports/pdf_*.html) are rendered by WeasyPrint, which no policy governs.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>"  # an inline script (every script must come from a file)
    r"|<style\b"  # a style block
    r"|\sstyle\s*=|\son[a-z]+\s*=|\shx-on"  # a style attribute, an inline event handler
    r"|javascript:",
    re.IGNORECASE,
)


def page_templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" in folder.parts:
            continue
        for template in folder.rglob("*.html"):
            if not template.name.startswith("pdf_"):
                yield template


def test_templates_hold_no_inline_script_style_or_event_handler():
    templates = list(page_templates())
    offenders = {
        str(template.relative_to(ROOT)): INLINE_CODE.findall(template.read_text())
        for template in templates
        if INLINE_CODE.search(template.read_text())
    }

    assert len(templates) > 50  # the scan found the templates
    assert offenders == {}


def test_the_scan_recognises_inline_code():
    samples = [
        "<script>alert(1)</script>",
        '<div style="color: red">',
        '<button onclick="go()">',
        "<style>p {}</style>",
        '<a href="javascript:void(0)">',
    ]
    assert all(INLINE_CODE.search(sample) for sample in samples)
    assert not INLINE_CODE.search('<script src="/static/x.js" defer></script><svg fill="#111" font-size="9">')


# --- Production settings -------------------------------------------------------------------------

PRODUCTION_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "cookies_secure": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE],
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD],
    "SECURE_CONTENT_TYPE_NOSNIFF": s.SECURE_CONTENT_TYPE_NOSNIFF,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "csp": s.CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "csp_middleware": "csp.middleware.CSPMiddleware" in s.MIDDLEWARE,
    "first_backend": s.AUTHENTICATION_BACKENDS[0],
    "lockout": [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.AXES_LOCKOUT_PARAMETERS],
    "rates": [s.REPORT_RATELIMIT, s.EXPORT_RATELIMIT],
    "cache": s.CACHES["default"]["BACKEND"],
}))
"""


def production_settings(**env: str) -> dict:
    unset = {"DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "DJANGO_DEBUG"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k" + "x1y2z3" * 10,
        ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL="postgres://portal@db:5432/portal",
        CELERY_BROKER_URL="redis://redis:6379/0",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SETTINGS], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_are_secure():
    values = production_settings(DJANGO_DEBUG="true")

    assert values == {
        "DEBUG": False,
        "cookies_secure": [True, True, True],
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hsts": [31536000, True, True],
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "csp": STRICT_POLICY,
        "csp_middleware": True,
        "first_backend": "axes.backends.AxesStandaloneBackend",
        "lockout": [5, 900.0, [["username", "ip_address"]]],
        "rates": ["30/h", "60/h"],
        "cache": "django.core.cache.backends.redis.RedisCache",
    }


def test_production_limits_follow_the_environment():
    values = production_settings(
        LOGIN_FAILURE_LIMIT="8", LOGIN_COOLOFF_MINUTES="30", REPORT_RATELIMIT="10/h", EXPORT_RATELIMIT="5/m"
    )

    assert values["lockout"][:2] == [8, 1800.0]
    assert values["rates"] == ["10/h", "5/m"]
