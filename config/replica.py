"""Reading from the read replica, where one is configured (DATABASE_REPLICA_URL).

Only code that says so reads from it: the cockpit's dashboards, bulletins and exports wrap
their reads in ``read_replica()`` (or decorate a view with ``@read_replica()``). They can stand a second
of replication lag; a page that shows what its user just wrote cannot, and keeps to default.
Writes go to ``default`` always, inside the block too. Without a replica nothing changes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

from config.scaleout import REPLICA

_reading: ContextVar[bool] = ContextVar("qingdan_read_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def read_replica() -> Iterator[None]:
    """Reads in this block go to the replica (when there is one); usable as a decorator.
    Never around reads that decide a write: those must see default."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def read_alias() -> str:
    """The database the reads of this moment go to. Inside a transaction on default, default:
    a transaction reads what it wrote and what it locked (the audit chain's last hash, say)."""
    if not (_reading.get() and replica_configured()):
        return "default"
    return "default" if connections["default"].in_atomic_block else REPLICA


class ReplicaRouter:
    """Reads inside ``read_replica()`` go to the replica; everything else, and every write,
    to default. The replica is never migrated (it copies default's schema)."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the same rows as default: objects read from either may relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db != REPLICA
