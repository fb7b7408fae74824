"""The one way services check a permission: by name, through django-rules predicates."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def ensure_can(actor, permission: str, obj=None) -> None:
    """Raise ``PermissionDenied`` with a translated message unless ``actor`` has ``permission``."""
    if actor is None or not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


class ActionPermissions:
    """An API viewset's mixin: the object of the URL is checked for the permission of the action (by the
    action's name in ``action_permissions``) as soon as it is loaded, before the body is read. A refused
    user is refused for who they are (403), never told how their body would have been judged; the
    service checks the same permission again."""

    action_permissions: dict[str, str] = {}

    def permission_object(self, obj):
        """What the action's permission is checked on: the object itself unless a viewset says otherwise."""
        return obj

    def get_object(self):
        obj = super().get_object()
        permission = self.action_permissions.get(self.action)
        if permission is not None:
            ensure_can(self.request.user, permission, self.permission_object(obj))
        return obj
