from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Lockout, Unit
from accounts.services_logins import lockout_active


def lockout_message(lock: Lockout) -> str:
    until = formats.date_format(timezone.localtime(lock.until), "H:i")
    if lock.scope == Lockout.Scope.ADDRESS:
        return _(
            "Too many failed logins from this address: logging in from it is locked until "
            "%(until)s. Ask the security administrator if it must be released sooner."
        ) % {"until": until}
    return _(
        "Too many failed logins: this account is locked until %(until)s. Ask the security "
        "administrator if it must be released sooner."
    ) % {"until": until}


class _SaysLocked:
    """Django's login form, saying so when the username or address is locked (whatever the
    password: the backend refuses it)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            username = self.cleaned_data.get("username")
            lock = lockout_active(username=username, request=self.request)
            if lock is not None:
                raise ValidationError(lockout_message(lock), code="locked") from None
            raise


class LoginForm(_SaysLocked, AuthenticationForm):
    pass


class AdminLoginForm(_SaysLocked, AdminAuthenticationForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class UnitMergeForm(forms.Form):
    """Which unit is merged into which (the rules are the merge service's)."""

    merged = forms.ModelChoiceField(
        label=gettext_lazy("Merge this unit"),
        queryset=Unit.objects.filter(active=True).order_by("name"),
        help_text=gettext_lazy("It stays, inactive, for history; its name becomes an alias."),
    )
    into = forms.ModelChoiceField(
        label=gettext_lazy("into this one, which stays"),
        queryset=Unit.objects.filter(active=True).order_by("name"),
    )
