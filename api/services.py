"""Creating, revoking and using API tokens. The token is made and hashed by knox's crypto."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.crypto import create_token_string, hash_token

from accounts.models import User
from api import permissions
from api.models import KEY_LENGTH, ApiToken, TokenWrite
from config.errors import RuleViolation

PREFIX = "qd_"
# last_used_at is written at most this often per token (no write on every read).
TOUCH_EVERY = datetime.timedelta(minutes=1)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def token_digest(token: str) -> str:
    return hash_token(token)


def _check(*, name: str, scope: str, expires_days: int | None) -> None:
    if not name or not name.strip():
        raise RuleViolation(_("Give the token a name."), field="name")
    if scope not in ApiToken.Scope.values:
        raise RuleViolation(_("Choose read or read and write."), field="scope")
    limit = settings.API_TOKEN_MAX_DAYS
    if expires_days is not None and not 1 <= expires_days <= limit:
        raise RuleViolation(
            _("A token lives between 1 and %(n)d days.") % {"n": limit}, field="expires_days"
        )


@transaction.atomic
def token_create(
    *,
    user: User,
    by: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_days: int | None = 90,
    service: bool = False,
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token, which is not stored and is
    shown once. ``by`` is the person creating it: the user themself, or for a service account
    the system administrator (``by=None`` is not accepted: the management command passes the
    account itself)."""
    if service:
        require(permissions.can_create_service_tokens(by))
    else:
        require(by.pk == user.pk and permissions.can_have_tokens(user))
    _check(name=name, scope=scope, expires_days=expires_days)
    token = PREFIX + create_token_string()
    expires_at = (
        timezone.now() + datetime.timedelta(days=expires_days) if expires_days is not None else None
    )
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80],
        key=token[:KEY_LENGTH],
        digest=token_digest(token),
        scope=scope,
        service=service,
        created_by=by,
        expires_at=expires_at,
    )
    return row, token


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    require(permissions.can_revoke_token(by, token))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_touch(*, token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Remember when the token was last used (at most once a minute: one UPDATE, no lock)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_write_record(
    *, token: ApiToken, method: str, path: str, status: int, task_events: list[int]
) -> TokenWrite:
    return TokenWrite.objects.create(
        token=token,
        user_id=token.user_id,
        method=method[:10],
        path=path[:300],
        status=status,
        task_events=task_events,
    )
