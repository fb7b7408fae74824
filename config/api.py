"""The REST API's router and its exception handling."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers, status
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from forums import api as forums_api
from grants import api as grants_api
from projects import api as projects_api
from projects.services import StaleEdit
from reports.api import requests as report_requests_api

from .api_guard import PayloadTooLarge


class Conflict(exceptions.APIException):
    """409: the object changed since the version the edit started from. Raised with the service's message."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "stale"


def exception_handler(exc, context):
    """Answer a stale edit as a 409, a multipart body over Django's size limit as a 413, and a model or
    service ``ValidationError`` as a 400 with its messages."""
    if isinstance(exc, StaleEdit):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


router = DefaultRouter()
projects_api.register(router)
forums_api.register(router)
grants_api.register(router)
report_requests_api.register(router)
