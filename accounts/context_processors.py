from accounts import permissions
from accounts.models import Role


def roles(request):
    """Roles for the menu and the bell's unread count: one small query per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset(), "Role": Role, "unread_count": 0, "menu": {}}
    return {
        "menu": permissions.menu(user),
        "roles": user.role_set,
        "Role": Role,
        "unread_count": user.notifications.filter(read_at__isnull=True).count,
    }
