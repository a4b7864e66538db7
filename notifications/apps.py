from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts.models import Role
        from accounts.services import role_admin_permissions_add
        from notifications.permissions import SYSADMIN_ADMIN_PERMISSIONS

        # accounts knows nothing of this app: its robots and deliveries join the system
        # administrator's admin pages from here.
        role_admin_permissions_add(role=Role.SYSADMIN, codes=SYSADMIN_ADMIN_PERMISSIONS)
