"""The OpenAPI schema tells the truth about every operation: the errors it can answer with and their bodies,
who may call it, which filters may be sent empty. ``.ci/api-fuzz`` checks the live API against it; these
tests pin the mechanism (``config.api_schema``) and the fixes the fuzzing led to."""

import json

import pytest
from django.core.management import call_command
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions

from config.api import exception_handler
from forums.models import VulnerableGroup
from tests.projects.factories import ProjectFactory, UserFactory

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method.upper(), operation


def error_schema(operation, code: str) -> str:
    return operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]


def test_schema_generates_valid_and_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/projects/{id}/:" in target.read_text()


def test_every_operation_documents_invalid_input_and_refusal_with_their_bodies(schema):
    found = list(operations(schema))
    assert len(found) > 50
    for path, method, operation in found:
        assert error_schema(operation, "400") == "#/components/schemas/ValidationError", (method, path)
        assert error_schema(operation, "403") == "#/components/schemas/Error", (method, path)
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_not_found_is_documented_where_an_id_or_a_page_can_miss(schema):
    for path, method, operation in operations(schema):
        has_path_id = any(parameter["in"] == "path" for parameter in operation.get("parameters", []))
        paged = any(parameter["name"] == "page" for parameter in operation.get("parameters", []))
        if has_path_id or paged:
            assert "404" in operation["responses"], (method, path)
        elif method != "GET":
            assert "404" not in operation["responses"], (method, path)


def test_bodies_document_size_and_content_type_refusals(schema):
    for path, method, operation in operations(schema):
        if method in {"POST", "PUT", "PATCH"}:
            assert error_schema(operation, "413") == "#/components/schemas/Error", (method, path)
            assert ("415" in operation["responses"]) == ("requestBody" in operation), (method, path)
        else:
            assert not {"413", "415"} & set(operation["responses"]), (method, path)


def test_stale_edit_is_documented_on_every_versioned_update(schema):
    for path in ("/api/v1/projects/{id}/", "/api/v1/sessions/{id}/", "/api/v1/calls/{id}/", "/api/v1/proposals/{id}/"):
        for method in ("put", "patch"):
            assert error_schema(schema["paths"][path][method], "409") == "#/components/schemas/Error", path
    assert "409" not in schema["paths"]["/api/v1/partners/{id}/"]["put"]["responses"]


def test_a_description_given_by_the_view_is_kept_and_gets_a_body(schema):
    response = schema["paths"]["/api/v1/projects/{id}/participation/"]["get"]["responses"]["404"]
    assert response["description"] == "No such project."
    assert response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_a_rate_limit_a_view_declares_gets_the_error_body(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "Retry-After" in token["429"]["description"]
    assert error_schema(schema["paths"]["/api/v1/auth/token/"]["post"], "429") == "#/components/schemas/Error"


def test_object_ids_are_integers(schema):
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["type"] == "integer", (method, path, parameter)


def test_anonymous_access_is_documented_where_it_is_allowed(schema):
    paths = schema["paths"]
    assert {} in paths["/api/v1/projects/"]["get"]["security"]  # IsAuthenticatedToWrite: anyone reads
    assert {} not in paths["/api/v1/projects/"]["post"]["security"]
    assert {} not in paths["/api/v1/reports/"]["get"]["security"]  # IsAuthenticated
    assert {} in paths["/api/v1/auth/token/"]["post"]["security"]  # no permission at all


def test_optional_query_parameters_may_be_sent_empty(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/sessions/"]["get"]["parameters"]}
    assert parameters["kind"]["allowEmptyValue"] is True
    assert parameters["page"]["allowEmptyValue"] is True
    (language,) = schema["paths"]["/api/v1/projects/{id}/summary/"]["get"]["parameters"][1:]
    assert (language["name"], language["allowEmptyValue"]) == ("language", True)


@pytest.mark.django_db
def test_an_empty_query_parameter_is_as_if_not_sent(client):
    project = ProjectFactory(is_public=True)
    for url in ("/api/v1/sessions/?kind=&page=", f"/api/v1/projects/{project.pk}/summary/?language="):
        assert client.get(url).status_code == 200, url


def test_request_bodies_are_json_unless_the_operation_takes_files(schema):
    paths = schema["paths"]
    assert list(paths["/api/v1/projects/"]["post"]["requestBody"]["content"]) == ["application/json"]
    assert list(paths["/api/v1/proposals/{id}/attachments/"]["post"]["requestBody"]["content"]) == [
        "multipart/form-data"
    ]


@pytest.mark.django_db
def test_a_form_post_to_a_json_operation_is_unsupported(client):
    client.force_login(UserFactory())
    response = client.post("/api/v1/projects/", {"code": "X"})
    assert response.status_code == 415
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1.5", "-1", "1e3", "0x1"])
def test_an_id_that_is_no_whole_number_is_a_json_not_found(client, value):
    response = client.get(f"/api/v1/projects/{value}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_bare_validation_messages_are_answered_as_an_object():
    response = exception_handler(exceptions.ValidationError("Refused."), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Refused."]}


@pytest.mark.django_db
class TestVulnerableGroupFilter:
    @pytest.fixture(autouse=True)
    def groups(self):
        VulnerableGroup.objects.create(name_en="Active group", is_active=True, order=1)
        VulnerableGroup.objects.create(name_en="Retired group", is_active=False, order=2)

    def names(self, client, query: str) -> list[str]:
        response = client.get(f"/api/v1/vulnerable-groups/{query}")
        assert response.status_code == 200, response.content
        return [row["name_en"] for row in response.json()["results"] if row["name_en"].endswith(" group")]

    def test_filters_by_true_and_false(self, client):
        assert self.names(client, "?is_active=true") == ["Active group"]
        assert self.names(client, "?is_active=false") == ["Retired group"]

    def test_empty_is_no_filter(self, client):
        assert self.names(client, "?is_active=") == ["Active group", "Retired group"]

    def test_a_word_that_is_no_boolean_is_refused_not_ignored(self, client):
        with translation.override("en"):
            response = client.get("/api/v1/vulnerable-groups/?is_active=null", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert json.loads(response.content) == {"is_active": ["Enter true or false."]}
