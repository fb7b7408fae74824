from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from axes.signals import user_locked_out

        from .lockout import forward_lockout_to_django_request

        user_locked_out.connect(forward_lockout_to_django_request, dispatch_uid="accounts.forward_lockout")
