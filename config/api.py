"""The REST API's router and its exception handling."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from forums import api as forums_api
from grants import api as grants_api
from projects import api as projects_api
from projects.services import StaleEdit
from reports.api import exports as exports_api
from reports.api import requests as report_requests_api

from .api_guard import GuardedJSONParser, PayloadTooLarge
from .api_schema import ID_PATTERN


class Conflict(exceptions.APIException):
    """409: the object changed since the version the edit started from. Raised with the service's message."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "stale"


def exception_handler(exc, context):
    """Answer a stale edit as a 409, a multipart body over Django's size limit as a 413, and a model or
    service ``ValidationError`` as a 400 with its messages, always an object of them."""
    if isinstance(exc, StaleEdit):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = serializers.ValidationError(detail)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        # Raised outside a serializer with bare messages: keep the body the object the schema documents.
        exc.detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
    return drf_exception_handler(exc, context)


@extend_schema_view(
    post=extend_schema(
        responses={
            200: AuthTokenSerializer,
            429: OpenApiResponse(
                description="Too many failed sign-ins for this e-mail address from this client: "
                "wait the `Retry-After` seconds."
            ),
        }
    )
)
class TokenView(ObtainAuthToken):
    """The user's API token for their e-mail address and password, sent as JSON or as a form."""

    parser_classes = [GuardedJSONParser, FormParser, MultiPartParser]


class Router(DefaultRouter):
    """DRF's router, routing an object's URL only for an id of digits (every viewset looks objects up by
    their integer id): any other id is a 404 before a view runs, as the schema's integer ids promise."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._default_value_pattern = ID_PATTERN


router = Router()
projects_api.register(router)
forums_api.register(router)
grants_api.register(router)
report_requests_api.register(router)
exports_api.register(router)
