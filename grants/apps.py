from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Grants")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Call, EligibilityCheck, Proposal, ProposalBudgetLine

        # Money and decisions are traceable: every write keeps who, when, before and after.
        auditlog.register(Call, exclude_fields=["version"])
        auditlog.register(Proposal, exclude_fields=["version", "updated_at"])
        auditlog.register(ProposalBudgetLine)
        auditlog.register(EligibilityCheck)
