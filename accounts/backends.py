from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.services_logins import lockout_active


class LockoutBackend(ModelBackend):
    """Django's own check of username and password, after the lockout: a locked username or
    address is refused whatever the password (the admin's login and the API's included)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and lockout_active(username=username, request=request):
            # Stops every backend; Django then sends user_login_failed (recorded, counted).
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)
