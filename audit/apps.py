from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from .context import task_finished, task_started
        from .registry import register_all

        register_all()
        task_prerun.connect(task_started, weak=False, dispatch_uid="audit-task-started")
        task_postrun.connect(task_finished, weak=False, dispatch_uid="audit-task-finished")
