"""Per-user limits on requests that start expensive work (a PDF report, a data export).

django-ratelimit counts them in the shared cache (``CACHES``), so every web process sees one count. The
rate is a setting read on each request (``"30/h"``: 30 an hour), so deployments and tests can change it.
"""

from __future__ import annotations

import math
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from rest_framework import exceptions
from rest_framework.views import APIView

TOO_MANY_REQUESTS = 429


def rate_limit_message(wait: int) -> str:
    """What a refused user reads: how long to wait, in whole minutes."""
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "You have sent too many requests of this kind. Please wait %(minutes)d minute and try again.",
        "You have sent too many requests of this kind. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


class RateLimited(exceptions.Throttled):
    """429 on the API: DRF answers ``{"detail": ...}`` with a ``Retry-After`` header of ``wait`` seconds."""

    def __init__(self, wait: int):
        # DRF would append its own untranslated "Expected available in ..." to the detail if given the wait.
        super().__init__(detail=rate_limit_message(wait))
        self.wait = wait


def seconds_until_allowed(request, rate_setting: str) -> int | None:
    """Count this request against the limit named by ``rate_setting`` of its user (of its address when
    anonymous); ``None`` while within it, else the seconds until the current window ends. Pages and API
    share one count per setting."""
    usage = get_usage(
        request,
        group=f"per-user:{rate_setting}",
        key="user_or_ip",
        rate=lambda group, request: getattr(settings, rate_setting),
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])


def limit_per_user(rate_setting: str):
    """Decorate a page's ``post`` or an API viewset's ``create`` with the per-user limit ``rate_setting``.

    Over the limit, the API raises ``RateLimited``; a page's ``post`` shows the page again (its ``get``)
    with the message, any other method (a download) a short page saying how long to wait; both as a 429
    with ``Retry-After``. Anonymous requests count per address.
    """

    def decorate(method):
        @wraps(method)
        def limited(view, request, *args, **kwargs):
            wait = seconds_until_allowed(request, rate_setting)
            if wait is None:
                return method(view, request, *args, **kwargs)
            if isinstance(view, APIView):
                raise RateLimited(wait)
            if method.__name__ == "post":
                messages.error(request, rate_limit_message(wait))
                response = view.get(request, *args, **kwargs)
            else:
                response = render(request, "429.html", {"message": rate_limit_message(wait)})
            response.status_code = TOO_MANY_REQUESTS
            response["Retry-After"] = str(wait)
            return response

        return limited

    return decorate
