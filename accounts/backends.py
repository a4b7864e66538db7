from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.services_logins import lockout_active


class LockoutBackend(ModelBackend):
    """Django's own check of username and password, after the lockout: a locked username or
    address is refused whatever the password (the admin's login and the API's included)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and lockout_active(username=username, request=request):
            # Stops every backend; Django then sends user_login_failed (recorded, counted).
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The signed-in person of each request, with their unit: every page's top bar names
        the unit and most pages filter by it, so it is read in the same query."""
        try:
            user = User.objects.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
