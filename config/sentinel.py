"""Redis behind Sentinel (README "Operations", a city): every client asks the sentinels where
the current master is, and asks again after a failover.

Celery's broker and result store do this themselves (``sentinel://`` URLs and the
``master_name`` transport option, config/settings.py). Django's Redis cache takes a connection
pool class (its ``pool_class`` option, built with ``from_url``): ``SentinelPool`` is
redis-py's Sentinel-backed pool with that constructor. ``redis_client`` is the plain client
for the rest of the app (the beat guard, config/beat.py).
"""

from __future__ import annotations

import math
import time
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool


def _database(url: str) -> dict[str, Any]:
    """What a redis:// URL says besides where the server is: database number, user, password
    (with Sentinel the sentinels say where the master is)."""
    settings = parse_url(url)
    settings.pop("host", None)
    settings.pop("port", None)
    # rediss:// names an SSL connection class; the pool picks its Sentinel-managed one.
    connection_class = settings.pop("connection_class", None)
    if connection_class is not None and issubclass(connection_class, redis.SSLConnection):
        settings["ssl"] = True
    return settings


def _sentinels(
    sentinels, sentinel_kwargs: dict[str, Any] | None, options: dict[str, Any]
) -> Sentinel:
    """The sentinels, asked with the same short socket timeouts as the master (plus their own
    password, if they have one). Each is asked once: the next sentinel is the retry (redis-py's
    default, three retries with backoff, would hold a request about 4 s per cache call while no
    sentinel answers, where the tolerant cache should miss at once)."""
    timeouts = {key: value for key, value in options.items() if key.startswith("socket_")}
    return Sentinel(
        [(host, int(port)) for host, port in sentinels],
        sentinel_kwargs={**timeouts, "retry": Retry(NoBackoff(), 0), **(sentinel_kwargs or {})},
    )


class SentinelPool(SentinelConnectionPool):
    """Connections to the master Sentinel names, for Django's RedisCache (``pool_class``).

    redis-py asks the sentinels only when it opens a connection. After a master dies its
    connections break and new ones find the new master; but after a planned switch
    (``SENTINEL FAILOVER``) the old master runs on, as master, until the sentinels demote it
    8-10 s later, and pooled connections would keep writing there what the demotion then
    throws away. So before lending a connection the pool asks again, at most once every
    ``recheck_seconds``: if the master has moved, redis-py closes the idle connections (and
    drops those in use when they come back), and the next one opened goes to the new master.
    If no sentinel answers the check, the connections are used as they are, and the next check
    waits ``recheck_away_seconds`` (sentinels that time out would hold a call for up to a
    second each).
    """

    recheck_seconds = 1.0
    recheck_away_seconds = 10.0
    clock = staticmethod(time.monotonic)
    _next_check = -math.inf

    def get_connection(self, *args: Any, **kwargs: Any):
        now = self.clock()
        if now >= self._next_check:
            try:
                self.get_master_address()
            except MasterNotFoundError:
                self._next_check = now + self.recheck_away_seconds
            else:
                self._next_check = now + self.recheck_seconds
        return super().get_connection(*args, **kwargs)

    @classmethod
    def from_url(  # type: ignore[override]
        cls,
        url: str,
        *,
        sentinels,
        master_name: str,
        sentinel_kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> SentinelPool:
        manager = _sentinels(sentinels, sentinel_kwargs, options)
        return cls(master_name, manager, **_database(url), **options)


def redis_client(url: str, **options: Any) -> redis.Redis:
    """A client of the Redis ``url`` names; of the Sentinel-managed master when
    REDIS_SENTINELS is set (the URL then gives only the database number and password)."""
    from django.conf import settings

    sentinel = settings.REDIS_SENTINEL
    if not sentinel:
        return redis.Redis.from_url(url, **options)
    return redis.Redis(connection_pool=SentinelPool.from_url(url, **sentinel, **options))
