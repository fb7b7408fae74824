"""The one way services check a permission: by name, through django-rules predicates."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def ensure_can(actor, permission: str, obj=None) -> None:
    """Raise ``PermissionDenied`` with a translated message unless ``actor`` has ``permission``."""
    if actor is None or not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You do not have permission to do this."))
