from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from accounts.permissions import role_admin_permissions_add
        from notifications.hooks import failed_section_register
        from webhooks.permissions import ROLE_ADMIN_PERMISSIONS
        from webhooks.selectors import failed_section

        # accounts knows nothing of this app: its admin pages join the system
        # administrator's from here.
        for role, codes in ROLE_ADMIN_PERMISSIONS.items():
            role_admin_permissions_add(role=role, codes=codes)
        # 发送失败 lists the webhook deliveries that gave up, below the notices' own.
        failed_section_register(failed_section)
