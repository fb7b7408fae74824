"""The OpenAPI schema's answer to "what can this operation return": every error status, with its body.

drf-spectacular documents the successful answer of an operation and whatever a view declares with
``extend_schema``. The errors come from places no view declares: the input guard (400, 413), DRF's
parsing, authentication and pagination (400, 403, 404, 415), the services (400, 403, 409). One schema
class adds them to every operation, so a viewset added tomorrow is documented like the others; a view
declares only what is special to it (a 202, a PDF, a description of its own 404).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions

ERROR_MEDIA_TYPE = "application/json"
ID_PATTERN = "[0-9]+"  # what config.api.Router routes as an object's id
BODY_METHODS = {"POST", "PUT", "PATCH"}

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "What went wrong, in the request's language.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
)
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "type": "object",
        "description": "The messages per field: a list of texts, or for a nested object its own fields' "
        "messages (a list of them for a list of objects). `non_field_errors` holds what concerns the whole "
        "object; `detail` alone answers a request the API cannot read (malformed JSON, NUL characters, lone "
        "surrogates, nesting too deep, an invalid query string).",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]},
    },
)

# Status code -> (component of the body, description used when the view gives none).
ERRORS = {
    "400": (VALIDATION_ERROR, "Invalid input, with the reasons."),
    "403": (ERROR, "Not signed in, credentials not valid, or not allowed to do this."),
    "404": (ERROR, "No such object visible to you, or no such page of the list."),
    "409": (ERROR, "Edited by someone else since `version`: nothing was saved."),
    "413": (ERROR, "The request body is larger than the API accepts."),
    "415": (ERROR, "The request body's content type is not one this operation reads."),
    "429": (ERROR, "Too many requests: wait the `Retry-After` seconds."),  # only where a view declares it
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers each operation can give and anonymous reads."""

    def get_auth(self):
        """Document anonymous access wherever it is allowed: drf-spectacular sees it only for the exact
        classes ``AllowAny`` and ``IsAuthenticatedOrReadOnly``, not for their subclasses or no permission."""
        auths = super().get_auth()
        anyone = all(  # every permission must let an anonymous request through; no permission lets all
            isinstance(check, permissions.AllowAny)
            or (isinstance(check, permissions.IsAuthenticatedOrReadOnly) and self.method in permissions.SAFE_METHODS)
            for check in self.view.get_permissions()
        )
        if anyone and {} not in auths:
            auths.append({})
        return auths

    def _resolve_path_parameters(self, variables):
        """Type the router's ids (``config.api.Router`` routes digits only) from the model: integers."""
        routed = self.path_regex
        self.path_regex = routed.replace(f"(?P<pk>{ID_PATTERN})", "(?P<pk>[^/.]+)")
        try:
            return super()._resolve_path_parameters(variables)
        finally:
            self.path_regex = routed

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # django-filter, DRF's pagination and serializers reading a query string all take an optional
            # parameter sent empty (``?kind=``, as a search form sends it) as not sent.
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        responses = operation["responses"]
        for code in self.error_codes(operation):
            responses.setdefault(code, {"description": ERRORS[code][1]})
        # Every error answer has its body, including those a view declares with a description only (a 429).
        for code, response in responses.items():
            if code in ERRORS and "content" not in response:
                component = ERRORS[code][0]
                self.registry.register_on_missing(component)
                response["content"] = {ERROR_MEDIA_TYPE: {"schema": component.ref}}
        return operation

    def error_codes(self, operation: dict) -> list[str]:
        """The error statuses this operation can answer with.

        400 and 403 always: the guard refuses a malformed query string anywhere, and invalid credentials
        are refused before any permission is checked (as 403: session authentication comes first and asks
        for no ``WWW-Authenticate`` challenge, so DRF never answers 401).
        """
        codes = ["400", "403"]
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])) or self.is_paginated():
            codes.append("404")
        if self.method in {"PUT", "PATCH"} and self.takes_version():
            codes.append("409")
        if self.method in BODY_METHODS:
            codes.append("413")
            if "requestBody" in operation:
                codes.append("415")
        return codes

    def is_paginated(self) -> bool:
        """A page number past the last page is a 404."""
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def takes_version(self) -> bool:
        """An edit that sends the version it started from is refused (409) when someone saved meanwhile."""
        serializer = self.get_request_serializer()
        return serializer is not None and hasattr(serializer, "fields") and "version" in serializer.fields
