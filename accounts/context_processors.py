from django.conf import settings

from accounts import permissions


def menu(request):
    """Which entries of the top menu the person sees (``accounts.permissions.menu``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": {}}
    return {
        "menu": permissions.menu(user),
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
    }
