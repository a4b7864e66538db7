from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.services_logins import lockout_active
from config.prepared import PreparedObject

# Read on every request: compiled once per process (config/prepared.py).
_USER_WITH_UNIT = PreparedObject(
    lambda values: User.objects.select_related("unit").filter(pk=values["user"])
)


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
        user = _USER_WITH_UNIT.get(user=User._meta.pk.get_prep_value(user_id))
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
