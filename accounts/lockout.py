"""Sign-in lockout: django-axes counts failed sign-ins per e-mail address and client address.

After ``LOGIN_FAILURE_LIMIT`` failures the pair is refused, even with the right password, until
``LOGIN_COOLOFF_MINUTES`` have passed since the last failure; a successful sign-in clears the count.
The sign-in page and the API token endpoint answer a refusal with 429 (see ``lockout_response``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def client_address(request: HttpRequest) -> str | None:
    """The client's address, read as django-ratelimit reads it: from the header the reverse proxy sets
    (``RATELIMIT_IP_META_KEY``) if one is configured, else from the connection."""
    meta_key = settings.RATELIMIT_IP_META_KEY
    if meta_key and request.META.get(meta_key):
        return request.META[meta_key]
    return request.META.get("REMOTE_ADDR")


def signin_name(request: HttpRequest, credentials: dict | None) -> str | None:
    """The e-mail address being tried, lower-cased: sign-in ignores its case, so must the count.

    Django's sign-in form and DRF's token serializer pass it to ``authenticate`` as ``username``; axes'
    own lookups pass it under the user model's ``USERNAME_FIELD``.
    """
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get(get_user_model().USERNAME_FIELD)
    if name is None:
        data = getattr(request, "data", None) or request.POST
        name = data.get("username")
    return name.strip().lower() if isinstance(name, str) else None


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    minutes = cool_off_minutes()
    return ngettext(
        "Too many failed sign-in attempts. Please wait %(minutes)d minute and try again.",
        "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """429 for a refused sign-in: JSON ``{"detail": ...}`` on the API, else the sign-in page with the message.

    The form is shown unbound: binding it to the posted data would try the password once more.
    ``Retry-After`` is the whole cool-off, counted from this attempt.
    """
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        form = AuthenticationForm(request, initial={"username": signin_name(request, credentials)})
        context = {"form": form, "lockout_message": lockout_message(), "next": request.POST.get("next", "")}
        response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


def forward_lockout_to_django_request(sender, request, **kwargs) -> None:
    """Receiver of axes' ``user_locked_out``: DRF authenticates with its own request wrapper, where axes
    marks the lockout; copy the mark to the Django request that ``AxesMiddleware`` looks at."""
    django_request = getattr(request, "_request", None)
    if django_request is not None:
        django_request.axes_locked_out = True
