"""Passwords and the second factor: a person's own change, an administrator's reset (which the
person must replace at the next login), and TOTP set-up and checks. Each is audited."""

import datetime

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions, totp
from accounts.models import User
from accounts.services_logins import login_failure_record
from audit.models import AuditEvent
from audit.services import audit_record
from config.errors import RuleViolation

Kind, Outcome = AuditEvent.Kind, AuditEvent.Outcome
# The session key that says the second factor was given in this session.
SECOND_FACTOR_OK = "_second_factor_ok"


def password_expired(user: User, now=None) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > datetime.timedelta(days=days)


def must_change_password(user: User) -> bool:
    return user.must_change_password or password_expired(user)


@transaction.atomic
def password_change(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """The person sets their own password (already validated by the form): the flag to
    change it goes, other sessions end (their hash no longer matches), this one stays."""
    user.set_password(password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    if request is not None:
        update_session_auth_hash(request, user)
    audit_record(kind=Kind.PASSWORD_CHANGED, request=request, by=user)


def password_change_refused(*, user: User, request: HttpRequest, reason: str) -> None:
    audit_record(
        kind=Kind.PASSWORD_CHANGED,
        request=request,
        by=user,
        outcome=Outcome.FAILURE,
        detail={"reason": reason},
    )


def password_reset_check(*, by: User, user: User) -> None:
    """Refuse an administrator's reset that ``permissions.may_set_password`` does not allow."""
    if not permissions.may_set_password(by, user):
        raise RuleViolation(
            _(
                "You may not set this person's password: an administrator's or a leader's "
                "password is set only by its owner, or by the installer's superuser."
            )
        )


@transaction.atomic
def password_reset_recorded(*, by: User, user: User, request: HttpRequest | None = None) -> None:
    """An administrator has just set ``user``'s password (the admin's form saved it): the
    person must choose their own at the next login, and the reset is on record."""
    password_reset_check(by=by, user=user)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    audit_record(
        kind=Kind.PASSWORD_RESET,
        request=request,
        by=by,
        target=f"user:{user.pk} {user.get_username()}",
    )


def totp_uri(*, user: User, secret: str) -> str:
    return totp.provisioning_uri(secret, account=user.get_username(), issuer=settings.TOTP_ISSUER)


@transaction.atomic
def totp_enroll(*, user: User, secret: str, code: str, request: HttpRequest) -> bool:
    """Keep ``secret`` as the person's second factor once they typed a code it gives."""
    step = totp.matching_step(secret, code)
    if step is None:
        audit_record(
            kind=Kind.SECOND_FACTOR,
            request=request,
            by=user,
            outcome=Outcome.FAILURE,
            detail={"step": "enrol"},
        )
        return False
    user.totp_secret, user.totp_last_step = secret, step
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_last_step", "totp_confirmed_at"])
    request.session[SECOND_FACTOR_OK] = True
    audit_record(kind=Kind.SECOND_FACTOR, request=request, by=user, detail={"step": "enrol"})
    return True


def totp_check(*, user: User, code: str, request: HttpRequest) -> bool:
    """The code of this login; a wrong one counts towards the lockout like a wrong password."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        step = totp.matching_step(locked.totp_secret, code, after_step=locked.totp_last_step)
        if step is not None:
            locked.totp_last_step = step
            locked.save(update_fields=["totp_last_step"])
            request.session[SECOND_FACTOR_OK] = True
            audit_record(kind=Kind.SECOND_FACTOR, request=request, by=user)
            return True
    login_failure_record(username=user.get_username(), request=request, reason="second_factor")
    return False


@transaction.atomic
def totp_reset(*, by: User, user: User, request: HttpRequest | None = None) -> None:
    """The security administrator clears a lost second factor: the person sets up a new one
    at their next login."""
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, 0
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit_record(
        kind=Kind.SECOND_FACTOR,
        request=request,
        by=by,
        target=f"user:{user.pk} {user.get_username()}",
        detail={"step": "reset"},
    )
