"""The REST API's router and its exception handling."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from projects import api as projects_api


def exception_handler(exc, context):
    """Answer a model or service ``ValidationError`` as a 400 with its messages, like DRF's own."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


router = DefaultRouter()
projects_api.register(router)
