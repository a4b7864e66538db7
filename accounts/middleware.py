"""The login policy on every request of a signed-in person: the session's idle and absolute
limits, then the second factor of administrators, then a password that must be changed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.services_logins import logout_record, session_expired, session_touch
from accounts.services_passwords import SECOND_FACTOR_OK, must_change_password

# Paths a person may open before the second factor or a new password (and that do not count
# as activity: the health check, assets).
OPEN_PREFIXES = ("/static/", "/healthz", "/i18n/", "/accounts/logout/")


class LoginPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(("/static/", "/healthz")):
            stop = self._policy(request, user)
            if stop is not None:
                return stop
        return self.get_response(request)

    def _policy(self, request, user):
        now = timezone.now()
        reason = session_expired(request, now)
        if reason:
            logout_record(user=user, request=request, reason=reason)
            logout(request)
            messages.info(request, _("Your session ended; please log in again."))
            return redirect(f"{reverse('login')}?next={request.path}")
        if request.path != reverse("session_keepalive") or request.method == "POST":
            session_touch(request, now)
        if request.path.startswith(OPEN_PREFIXES):
            return None
        if permissions.needs_second_factor(user) and not request.session.get(SECOND_FACTOR_OK):
            if user.totp_confirmed_at:
                return self._to(request, "second_factor")
            if settings.ADMIN_TOTP_REQUIRED:
                return self._to(request, "second_factor_setup")
        if must_change_password(user):
            return self._to(request, "password_change")
        return None

    @staticmethod
    def _to(request, name: str):
        target = reverse(name)
        if request.path == target or request.path == reverse("second_factor_setup"):
            return None
        return redirect(f"{target}?next={request.get_full_path()}")
