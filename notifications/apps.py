from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts.permissions import role_admin_permissions_add
        from notifications.permissions import ROLE_ADMIN_PERMISSIONS

        # accounts knows nothing of this app: the admin pages of its robots and deliveries
        # join the administrative roles' from here.
        for role, codes in ROLE_ADMIN_PERMISSIONS.items():
            role_admin_permissions_add(role=role, codes=codes)
