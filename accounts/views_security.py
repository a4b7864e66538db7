"""A person's own security pages: change password, the second factor, their sessions."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.forms import CodeForm
from accounts.models import UserSession
from accounts.services_logins import sessions_revoke
from accounts.services_passwords import (
    must_change_password,
    password_change,
    password_change_refused,
    totp_check,
    totp_enroll,
    totp_uri,
)
from accounts.totp import random_secret
from config.pages import post_only

PENDING_SECRET = "_totp_pending"


def _next(request, default: str = "home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


@never_cache
@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            password_change(
                user=request.user, password=form.cleaned_data["new_password1"], request=request
            )
            messages.success(request, _("Your password was changed."))
            return _next(request)
        password_change_refused(
            user=request.user, request=request, reason=",".join(sorted(form.errors))
        )
    forced = must_change_password(request.user)
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": forced, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def second_factor(request):
    """The TOTP code after the password, for administrators who set one up."""
    if not request.user.totp_confirmed_at:
        return redirect("second_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_check(user=request.user, code=form.cleaned_data["code"], request=request):
            return _next(request)
        form.add_error("code", _("That code is not right (or was already used). Try the next."))
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def second_factor_setup(request):
    """Set up an authenticator app: the secret (and its otpauth:// address) is shown until a
    code it gives is typed back; once kept it is never shown again."""
    if request.user.totp_confirmed_at:
        return redirect("second_factor")
    secret = request.session.get(PENDING_SECRET) or random_secret()
    request.session[PENDING_SECRET] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enroll(
            user=request.user, secret=secret, code=form.cleaned_data["code"], request=request
        ):
            request.session.pop(PENDING_SECRET, None)
            messages.success(request, _("The second factor is set up."))
            return _next(request)
        form.add_error("code", _("That code is not right. Check the app's clock and try again."))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "secret": grouped,
            "uri": totp_uri(user=request.user, secret=secret),
            "next": request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def sessions(request):
    # Sessions still alive: a row whose browser was closed without logging out ends by the
    # clock (idle or absolute limit), with nobody to write that down.
    now = timezone.now()
    rows = UserSession.objects.filter(
        user=request.user,
        ended_at__isnull=True,
        seen_at__gte=now - datetime.timedelta(seconds=settings.SESSION_IDLE_SECONDS),
        started_at__gte=now - datetime.timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS),
    )
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "current": request.session.session_key},
    )


@login_required
@post_only(lambda request, pk: reverse("sessions"))
def session_revoke(request, pk: int):
    row = get_object_or_404(UserSession, pk=pk, user=request.user, ended_at__isnull=True)
    sessions_revoke(by=request.user, sessions=[row], request=request)
    messages.success(request, _("The session was ended."))
    if row.session_key == request.session.session_key:
        return redirect("login")
    return redirect("sessions")


@login_required
def session_keepalive(request):
    """The page's "stay signed in" button: a POST counts as activity (the middleware notes
    it); a GET only answers whether the session is still alive (204, else a redirect)."""
    return HttpResponse(status=204)
