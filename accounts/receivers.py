"""Django's login moments (its views, the admin's and the API's all send them), recorded."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.services_logins import login_failure_record, login_record, logout_record


@receiver(user_logged_in, dispatch_uid="accounts.login")
def _logged_in(sender, request, user, **kwargs):
    if request is not None:
        login_record(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="accounts.logout")
def _logged_out(sender, request, user, **kwargs):
    if request is not None:
        logout_record(user=user, request=request)


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    login_failure_record(username=credentials.get("username"), request=request)
