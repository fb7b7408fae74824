"""Writes on user accounts that are more than a form save: a person's data, exported or erased.

These are operator actions (``manage.py person_data``), not something a user of the portal does, so
they take no acting user.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User

ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}


def account_export(*, user: User) -> dict[str, Any]:
    """Everything the portal keeps about an account: profile, memberships, sign-ins and the changes it made."""
    memberships = user.memberships.select_related("project", "organisation").prefetch_related("municipalities")
    authored = LogEntry.objects.filter(actor=user).select_related("content_type").order_by("timestamp", "pk")
    return {
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "memberships": [
            {
                "project": membership.project.code,
                "role": membership.role,
                "municipalities": [str(municipality) for municipality in membership.municipalities.all()],
                "organisation": str(membership.organisation) if membership.organisation else None,
                "since": membership.created_at.isoformat(),
            }
            for membership in memberships
        ],
        "sign_ins": [
            {"at": access.attempt_time.isoformat(), "ip_address": access.ip_address, "user_agent": access.user_agent}
            for access in AccessLog.objects.filter(username__iexact=user.email).order_by("attempt_time")
        ],
        "audit_entries": [
            {
                "timestamp": entry.timestamp.isoformat(),
                "record": f"{entry.content_type.app_label}.{entry.content_type.model}",
                "record_id": entry.object_pk,
                "record_name": entry.object_repr,
                "action": ACTIONS.get(entry.action, str(entry.action)),
                "changes": entry.changes_dict,
                "remote_addr": entry.remote_addr,
            }
            for entry in authored
        ],
    }


@transaction.atomic
def account_anonymise(*, user: User) -> User:
    """Strip an account of the person: no name, a placeholder address, no password, no memberships, no
    tokens, no record of its sign-ins. Its audit entries keep what was changed but no longer say by whom
    beyond the empty account."""
    for sign_ins in (AccessAttempt, AccessFailureLog, AccessLog):  # the lockout's records of this address
        sign_ins.objects.filter(username__iexact=user.email).delete()
    user.email = f"erased-{user.pk}@erased.invalid"  # .invalid: a domain that can never receive mail
    user.full_name = ""
    user.preferred_language = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()  # also ends every session: their hash no longer matches
    user.full_clean()
    user.save()
    user.memberships.all().delete()
    Token.objects.filter(user=user).delete()
    LogEntry.objects.filter(actor=user).update(actor_email=None, remote_addr=None, remote_port=None)
    return user
