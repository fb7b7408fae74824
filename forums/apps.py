from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Attachment, Attendance, ForumSession, GroupCount, ResidenceCount

        # Every write to a session and its attendance is kept: who, when, before and after.
        auditlog.register(ForumSession, exclude_fields=["updated_at", "version", "feedback_token"])
        auditlog.register(Attendance)
        auditlog.register(GroupCount)
        auditlog.register(ResidenceCount)
        auditlog.register(Attachment)
