"""Refuses the API input that Django and DRF would turn into a 500 or an HTML page.

DRF already answers malformed JSON (400), unsupported content types (415) and ids that are no number
or no row (404). What still gets through: NUL characters (PostgreSQL cannot store them), lone
surrogates (they have no UTF-8 form, so an error message echoing one fails to render), JSON nested
deeper than Python's recursion limit, bodies of any size (DRF reads the stream without Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` check), and URLs no route matches (Django's HTML 404 page).

The middleware checks what every request has (query string, body size, route); ``GuardedJSONParser``,
the API's JSON parser, checks the text of a JSON body as it parses it, so no body is parsed twice.
"""

import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

API_PREFIX = "/api/"
BODY_METHODS = {"POST", "PUT", "PATCH"}
# json.loads joins a valid surrogate pair into one character, so any surrogate left in a string is lone.
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class PayloadTooLarge(exceptions.APIException):
    """413: a multipart body whose fields exceed ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's own check)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def refuse(message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status_code)


def holds_forbidden_text(document) -> bool:
    """Whether any key or string in a parsed JSON document holds NUL or a lone surrogate.

    Walked with an explicit stack: a document json.loads accepted may still be nested deeper than the
    frames left to a recursive walk this far down the request stack.
    """
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if FORBIDDEN_CHARACTERS.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def is_utf8_without_nul(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in raw


def query_string_refusal(request) -> JsonResponse | None:
    if is_utf8_without_nul(unquote_to_bytes(request.META.get("QUERY_STRING", ""))):
        return None
    return refuse(gettext("The query string must be UTF-8 text without NUL characters."), 400)


def body_refusal(request) -> JsonResponse | None:
    if request.method not in BODY_METHODS or request.content_type == "multipart/form-data":
        return None  # No view reads another method's body; Django's multipart parser enforces the limit.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # As Django reads it: an unreadable length is an empty body.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return refuse(
            gettext("The request body is larger than the %(limit)s bytes the API accepts.") % {"limit": limit}, 413
        )
    return None


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser, refusing (400) a document nested too deeply or holding NUL or a lone surrogate."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(gettext("The JSON document is nested too deeply.")) from error
        if holds_forbidden_text(document):
            raise exceptions.ParseError(gettext("Text must not contain NUL characters or lone surrogates."))
        return document


class ApiInputGuardMiddleware:
    """Answers hostile input under /api/ with a JSON 400 or 413 before any view sees it, and a route
    nothing matches with a JSON 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        response = query_string_refusal(request) or body_refusal(request) or self.get_response(request)
        if response.status_code == 404 and not response.get("Content-Type", "").startswith("application/json"):
            return refuse(str(exceptions.NotFound.default_detail), 404)
        return response
