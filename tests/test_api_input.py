"""Every endpoint under /api/v1/ answers hostile input with a 4xx and a JSON message, never a 500.

The endpoints come from the URL patterns (as the OpenAPI schema enumerates them), so a new viewset or
view is covered without touching this file.
"""

import json
import re

import pytest
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient

from forums.models import GroupCount, ResidenceCount
from tests.forums.factories import AttendanceFactory, ForumSessionFactory
from tests.projects.factories import UserFactory

ENDPOINTS = sorted(
    (path, method)
    for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
    if path.startswith("/api/v1/")
)
PATH_PARAMETER = re.compile(r"\{[^}]+\}")
BODY_METHODS = {"POST", "PUT", "PATCH"}
HUGE_INTEGER = "99999999999999999999999"
NUL = "%00"
LONE_SURROGATE = "%ED%A0%80"  # UTF-8 bytes of U+D800, which no valid UTF-8 text contains


def fill(path: str, value: str) -> str:
    return PATH_PARAMETER.sub(value, path)


@pytest.fixture
def api(client):
    client.force_login(UserFactory(is_staff=True))
    return client


def call(api, method, url, body=b"", content_type="application/json"):
    if method in BODY_METHODS:
        return api.generic(method, url, body, content_type=content_type)
    return api.generic(method, url)


def assert_refused(response, expected):
    assert response.status_code in expected, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert json.loads(response.content), "no message"


DETAIL = [(p, m) for p, m in ENDPOINTS if PATH_PARAMETER.search(p)]


@pytest.mark.django_db
@pytest.mark.parametrize("value", [HUGE_INTEGER, "-" + HUGE_INTEGER, NUL, LONE_SURROGATE, "abc"])
@pytest.mark.parametrize(("path", "method"), DETAIL)
def test_bad_path_parameter_is_not_found(api, path, method, value):
    assert_refused(call(api, method, fill(path, value), b"{}"), {400, 404, 415})


@pytest.mark.django_db
@pytest.mark.parametrize("value", [NUL, "a" + NUL + "b", LONE_SURROGATE])
@pytest.mark.parametrize(("path", "method"), ENDPOINTS)
def test_bad_query_string_is_refused(api, path, method, value):
    url = fill(path, "1") + f"?search={value}&page={value}&project={value}"
    assert_refused(call(api, method, url, b"{}"), {400})


WRITES = [(p, m) for p, m in ENDPOINTS if m in BODY_METHODS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"title": ',
        b'{"title": "a\\u0000b", "name": "\\u0000", "kind": "\\u0000", "country": "\\u0000"}',
        b'{"title": "\\ud800", "name": "\\udfff", "kind": "\\ud800", "country": "\\ud800", "currency": "\\ud800"}',
        b'{"\\ud800": 1}',
        b'{"title": "\xed\xa0\x80"}',
        b'{"title": "\x00"}',
        b"[" * 100_000,
        b'{"order": ' + HUGE_INTEGER.encode() + b"}",
    ],
    ids=["truncated", "nul", "surrogate", "surrogate-key", "raw-surrogate", "raw-nul", "deep", "huge-int"],
)
@pytest.mark.parametrize(("path", "method"), WRITES)
def test_bad_json_body_is_refused(api, cast, path, method, body):
    assert_refused(call(api, method, fill(path, str(cast.project.pk)), body), {400, 404, 415})


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), WRITES)
def test_wrong_content_type_is_unsupported(api, path, method):
    assert_refused(call(api, method, fill(path, "1"), b"<a/>", content_type="application/xml"), {404, 415})


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), WRITES)
def test_body_over_the_limit_is_too_large(api, settings, path, method):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"title": "x" * 2048}).encode()
    assert_refused(call(api, method, fill(path, "1"), body), {413})


@pytest.mark.django_db
def test_multipart_field_over_the_limit_is_too_large(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api.post("/api/v1/proposals/1/attachments/", {"description": "x" * 2048})
    assert_refused(response, {413})


@pytest.mark.django_db
def test_refusal_names_the_problem(api):
    response = api.post("/api/v1/projects/", b'{"title": "\\u0000"}', content_type="application/json")
    assert response.json() == {"detail": "Text must not contain NUL characters or lone surrogates."}


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "key"), [("residence", "municipality"), ("groups", "group")])
def test_a_breakdown_row_without_its_key_is_refused_in_a_patch(cast, rows, key):
    """A PATCH made every field optional, nested rows too: a row missing whom it counts was a KeyError (500)."""
    municipality = cast.project.target_municipalities.get()
    session = ForumSessionFactory(project=cast.project, municipality=municipality)
    AttendanceFactory(session=session, participants=20)
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_authenticate(cast.municipal_staff)

    body = {"version": session.version, "attendance": {rows: [{"count": 3, "qualifier": "exact"}]}}
    response = client.patch(f"/api/v1/sessions/{session.pk}/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["attendance"][rows]["0"] == {key: ["This field is required."]}
    assert not GroupCount.objects.exists() and not ResidenceCount.objects.exists()
