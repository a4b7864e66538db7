from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Units and users")

    def ready(self):
        from accounts import receivers  # noqa: F401  (login, logout and failed login, audited)
