from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Units and users")

    def ready(self):
        # accounts' own rules for merging units (its foreign keys to Unit); apps above add
        # theirs from their ready().
        from accounts import (
            merging,  # noqa: F401
            receivers,  # noqa: F401  (login, logout and failed login, audited)
        )
