"""Logins, lockouts and sessions: what happens at each login, failed login and logout, and the
security administrator's releases and revocations. Every step leaves an audit row."""

import datetime
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Lockout, LoginFailure, User, UserSession
from audit.context import client_ip
from audit.models import AuditEvent
from audit.services import audit_record

Kind, Outcome = AuditEvent.Kind, AuditEvent.Outcome
# Session keys this module keeps: when the person logged in, when they were last active.
AUTH_AT, SEEN_AT = "_auth_at", "_seen_at"
# How often a request writes "still active" to the session and its row.
TOUCH_EVERY_SECONDS = 60


def username_key(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def _lock_end(lock: Lockout) -> datetime.datetime:
    return lock.released_at or lock.until


def lockout_active(
    *, username: str | None, request: HttpRequest | None, now: datetime.datetime | None = None
) -> Lockout | None:
    """The lock that stops this username or address now, if any. A lock found expired is
    marked released (and that is audited) on the way."""
    now = now or timezone.now()
    ip = client_ip(request)
    which = Q(scope=Lockout.Scope.USERNAME, key=username_key(username))
    if ip:
        which |= Q(scope=Lockout.Scope.ADDRESS, key=ip)
    active = None
    for lock in Lockout.objects.filter(which, released_at__isnull=True):
        if lock.until > now:
            active = active or lock
        else:
            _release(lock, at=lock.until, by=None, request=request, reason="expired")
    return active


def _release(lock: Lockout, *, at, by: User | None, request, reason: str) -> None:
    lock.released_at, lock.released_by = at, by
    lock.save(update_fields=["released_at", "released_by"])
    audit_record(
        kind=Kind.UNLOCK,
        request=request,
        by=by,
        target=f"{lock.scope}:{lock.key}",
        detail={"reason": reason, "locked_at": lock.locked_at.isoformat()},
    )


def _count_since(scope: str, key: str, since: datetime.datetime) -> int:
    ended = [_lock_end(lock) for lock in Lockout.objects.filter(scope=scope, key=key)]
    start = max([since, *ended])
    where = {"username": key} if scope == Lockout.Scope.USERNAME else {"ip": key}
    return LoginFailure.objects.filter(at__gt=start, **where).count()


@transaction.atomic
def login_failure_record(
    *,
    username: str | None,
    request: HttpRequest | None,
    reason: str = "password",
    now: datetime.datetime | None = None,
) -> Lockout | None:
    """Count a failed login (wrong password or code, or any try while locked) and lock the
    username or the address once it reaches its limit within the window. Returns the lock
    that now applies, if any."""
    now = now or timezone.now()
    key, ip = username_key(username), client_ip(request)
    locked = lockout_active(username=username, request=request, now=now)
    audit_record(
        kind=Kind.LOGIN_FAILED,
        request=request,
        outcome=Outcome.DENIED if locked else Outcome.FAILURE,
        username=key,
        detail={"reason": "locked" if locked else reason},
    )
    if locked:
        return locked  # tries while locked neither count nor lengthen the lock
    LoginFailure.objects.create(username=key, ip=ip, at=now)
    since = now - datetime.timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)
    limits = (
        (Lockout.Scope.USERNAME, key, settings.LOCKOUT_FAILURES),
        (Lockout.Scope.ADDRESS, ip, settings.LOCKOUT_ADDRESS_FAILURES),
    )
    new = None
    for scope, value, limit in limits:
        if not value or (count := _count_since(scope, value, since)) < limit:
            continue
        new = Lockout.objects.create(
            scope=scope,
            key=value,
            failures=count,
            locked_at=now,
            until=now + datetime.timedelta(minutes=settings.LOCKOUT_MINUTES),
        )
        audit_record(
            kind=Kind.LOCKOUT,
            request=request,
            outcome=Outcome.DENIED,
            username=key,
            target=f"{scope}:{value}",
            detail={"failures": count, "minutes": settings.LOCKOUT_MINUTES},
        )
    return new


@transaction.atomic
def lockouts_release(*, by: User, lockouts, request: HttpRequest | None = None) -> int:
    """The security administrator lets locked usernames or addresses log in again now."""
    now, count = timezone.now(), 0
    for lock in lockouts:
        if lock.released_at is None:
            _release(lock, at=now, by=by, request=request, reason="released")
            count += 1
    return count


@transaction.atomic
def login_record(*, user: User, request: HttpRequest) -> None:
    """A successful login (password, before any second factor): the username's failure count
    starts again, the session gets its clock and its row."""
    now = timezone.now()
    LoginFailure.objects.filter(username=username_key(user.get_username())).delete()
    request.session[AUTH_AT] = request.session[SEEN_AT] = now.timestamp()
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
            "started_at": now,
            "seen_at": now,
        },
    )
    audit_record(kind=Kind.LOGIN, request=request, by=user)


def _session_row_end(session_key: str | None, reason: str) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=reason
        )


@transaction.atomic
def logout_record(*, user: User | None, request: HttpRequest, reason: str = "logout") -> None:
    """A session ends: the person logged out, or it was idle or too old (``reason``)."""
    if user is None or not user.is_authenticated:
        return
    _session_row_end(request.session.session_key, reason)
    kind = Kind.LOGOUT if reason == "logout" else Kind.SESSION_ENDED
    audit_record(kind=kind, request=request, by=user, detail={"reason": reason})


def session_expired(request: HttpRequest, now: datetime.datetime) -> str:
    """Why this signed-in session must end now ("idle", "absolute"), or ""."""
    auth_at, seen_at = request.session.get(AUTH_AT), request.session.get(SEEN_AT)
    stamp = now.timestamp()
    if auth_at is not None and stamp - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    if seen_at is not None and stamp - seen_at > settings.SESSION_IDLE_SECONDS:
        return "idle"
    return ""


def session_touch(request: HttpRequest, now: datetime.datetime) -> None:
    """Note that the person is active (at most once a minute: each note is a write)."""
    seen_at = request.session.get(SEEN_AT)
    stamp = now.timestamp()
    if AUTH_AT not in request.session:  # a session from before these limits: its clock starts
        request.session[AUTH_AT] = stamp
    if seen_at is None or stamp - seen_at >= TOUCH_EVERY_SECONDS:
        request.session[SEEN_AT] = stamp
        if request.session.session_key:
            UserSession.objects.filter(session_key=request.session.session_key).update(seen_at=now)


@transaction.atomic
def sessions_revoke(*, by: User, sessions, request: HttpRequest | None = None) -> int:
    """End sessions now (the person's own on 登录会话, anyone's by the security administrator):
    the session is removed from the store, so its cookie opens nothing any more."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    count = 0
    for row in sessions:
        if row.ended_at is not None:
            continue
        store(session_key=row.session_key).delete()
        _session_row_end(row.session_key, "revoked")
        audit_record(
            kind=Kind.SESSION_ENDED,
            request=request,
            by=by,
            target=f"user:{row.user_id} {row.user.get_username()}",
            detail={"reason": "revoked", "session": row.pk},
        )
        count += 1
    return count


def login_records_prune(*, now: datetime.datetime) -> int:
    """Housekeeping: failure counters past any window, locks released a month ago, sessions
    ended or silent for a month. The audit trail keeps the record of each."""
    month = now - datetime.timedelta(days=30)
    removed = LoginFailure.objects.filter(at__lt=now - datetime.timedelta(days=1)).delete()[0]
    removed += Lockout.objects.filter(Q(released_at__lt=month) | Q(until__lt=month)).delete()[0]
    removed += UserSession.objects.filter(seen_at__lt=month).delete()[0]
    return removed
