from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts.merging import MOVE, unit_references_register
        from accounts.permissions import role_admin_permissions_add
        from notifications.permissions import ROLE_ADMIN_PERMISSIONS

        # accounts knows nothing of this app: the admin pages of its robots and deliveries
        # join the administrative roles' from here.
        for role, codes in ROLE_ADMIN_PERMISSIONS.items():
            role_admin_permissions_add(role=role, codes=codes)
        # Merging units: the merged unit's group robots are the surviving unit's.
        unit_references_register(fields=["notifications.RobotWebhook.unit"], how=MOVE)
