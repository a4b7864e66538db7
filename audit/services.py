"""Writing the audit trail: ``audit_record`` is the one writer, ``audit_prune`` the one remover."""

import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.chain import GENESIS, row_hash
from audit.context import client_ip, current_request
from audit.models import MIN_KEEP_DAYS, AuditEvent

log = logging.getLogger(__name__)

# Any constant: the advisory lock that puts audit rows in one line on PostgreSQL.
_CHAIN_LOCK = 0x51_6E_67_44  # "QngD"


def _lock_chain() -> None:
    """Serialise writers so that each row chains to the one committed before it. PostgreSQL:
    a transaction-scoped advisory lock; SQLite's IMMEDIATE transactions already serialise."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def _actor_of(request: HttpRequest | None, by):
    if by is not None:
        return by if getattr(by, "pk", None) else None
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def audit_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    by=None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    username: str = "",
    target: str = "",
    detail: dict | None = None,
    _chain_from: str = GENESIS,
) -> AuditEvent:
    """Append one row: who (``by``, else the request's user), from where (the request), what
    (``kind``, ``target``, ``detail``) and how it ended (``outcome``).

    Call it at the end of a service, just before its transaction commits: the chain's lock is
    held until then."""
    request = request if request is not None else current_request.get()
    actor = _actor_of(request, by)
    values = {
        "kind": kind,
        "outcome": outcome,
        "actor_id": actor.pk if actor else None,
        "username": (username or (actor.get_username() if actor else ""))[:150],
        "ip": client_ip(request),
        "method": (request.method or "")[:10] if request is not None else "",
        "path": request.get_full_path()[:300] if request is not None else "",
        "target": str(target)[:200],
        "detail": detail or {},
    }
    with transaction.atomic():
        _lock_chain()
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        values["at"] = timezone.now()  # taken under the lock: time and id grow together
        prev_hash = previous or _chain_from
        return AuditEvent.objects.create(
            prev_hash=prev_hash, hash=row_hash(prev_hash=prev_hash, values=values), **values
        )


def keep_days() -> int:
    return max(settings.AUDIT_KEEP_DAYS, MIN_KEEP_DAYS)


@transaction.atomic
def audit_prune(*, now: datetime.datetime | None = None) -> int:
    """Remove the rows older than the retention (``AUDIT_KEEP_DAYS``, at least 180 days), oldest
    first, and record that it did, with the hash the remaining chain now starts from."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=keep_days())
    _lock_chain()
    last = AuditEvent.objects.filter(at__lt=cutoff).order_by("-id").values("id", "hash").first()
    if last is None:
        return 0
    # The queryset refuses deletes; this is the one place that removes audit rows, and the
    # database lets it only for rows older than MIN_KEEP_DAYS.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditEvent._meta.db_table} WHERE id <= %s",
            [last["id"]],
        )
        count = cursor.rowcount
    audit_record(
        kind=AuditEvent.Kind.PRUNED,
        detail={"count": count, "through_id": last["id"], "anchor": last["hash"]},
        target=f"before {cutoff:%Y-%m-%d}",
        _chain_from=last["hash"],  # when nothing younger is left, the chain goes on from here
    )
    log.info("audit: pruned %s rows older than %s", count, cutoff)
    return count
