"""What the environment chooses for running on more than one machine (README "Operations"):
where uploaded files live, where the cache and sessions live, Redis behind Sentinel, and an
optional read replica.

Each function takes the environment reader and returns the settings it decides, so that
config/settings.py stays one readable list and tests can check each choice.
"""

from typing import Any
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
REPLICA = "replica"


def media_storage(env: environ.Env) -> dict[str, Any]:
    """The storage of uploaded files: an S3-compatible object store (MinIO, any S3 API) when
    S3_BUCKET is set, so every web node and worker sees the same files; else MEDIA_ROOT.

    Files are private: no ACL is sent (the bucket's own policy applies, which must not be
    public), names are never overwritten, and a URL the storage signs lives only
    S3_URL_SECONDS. Downloads pass through the permission-checked views anyway.
    """
    bucket = env.str("S3_BUCKET", default="")
    if not bucket:
        return {"BACKEND": FILESYSTEM}
    options = {
        "bucket_name": bucket,
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        "location": env.str("S3_PREFIX", default=""),
        # MinIO and most on-premises stores address buckets by path, not by host name.
        "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
        "signature_version": "s3v4",
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": env.int("S3_URL_SECONDS", default=60),
    }
    return {"BACKEND": S3, "OPTIONS": options}


SENTINEL_PORT = 26379


def redis_sentinel(env: environ.Env, redis_url: str) -> dict[str, Any] | None:
    """Redis behind Sentinel: REDIS_SENTINELS (``host:port,host:port``, port 26379 if left
    out) and REDIS_SENTINEL_MASTER (the name the sentinels monitor). Every client then asks the
    sentinels for the current master; REDIS_URL (and REDIS_CACHE_URL) give only the database
    number and password. REDIS_SENTINEL_PASSWORD if the sentinels themselves ask for one.
    None without REDIS_SENTINELS: REDIS_URL is the server."""
    addresses = env.list("REDIS_SENTINELS", default=[])
    if not addresses:
        return None
    master = env.str("REDIS_SENTINEL_MASTER", default="")
    if not master or not redis_url:
        raise ImproperlyConfigured(
            "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER and REDIS_URL (its database number)"
        )
    sentinels = []
    for address in addresses:
        host, _, port = address.strip().rpartition(":")
        sentinels.append((host, int(port)) if host else (port, SENTINEL_PORT))
    password = env.str("REDIS_SENTINEL_PASSWORD", default="")
    return {
        "sentinels": sentinels,
        "master_name": master,
        "sentinel_kwargs": {"password": password} if password else {},
    }


def celery_redis_url(redis_url: str, sentinel: dict[str, Any] | None) -> str:
    """Celery's broker and result store URL: ``redis_url``, or with Sentinel one
    ``sentinel://`` URL per sentinel, joined by ``;`` (kombu's and Celery's form), each with
    ``redis_url``'s password and database number."""
    if not sentinel:
        return redis_url
    parsed = urlparse(redis_url)
    credentials = parsed.netloc.rpartition("@")[0]
    login = f"{credentials}@" if credentials else ""
    database = parsed.path if parsed.path not in ("", "/") else "/0"
    return ";".join(
        f"sentinel://{login}{host}:{port}{database}" for host, port in sentinel["sentinels"]
    )


def sentinel_transport_options(sentinel: dict[str, Any] | None) -> dict[str, Any]:
    """What kombu's and Celery's Sentinel transports need beside the URL."""
    if not sentinel:
        return {}
    return {"master_name": sentinel["master_name"], "sentinel_kwargs": sentinel["sentinel_kwargs"]}


def cache_and_sessions(
    env: environ.Env, redis_url: str, sentinel: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str]:
    """Django's cache and the session engine. With Redis, the cache is shared by every web
    node and sessions are read from it and written through to the database (cached_db), so a
    login holds on any node and survives a Redis restart. With Sentinel (``sentinel``, from
    ``redis_sentinel``), the cache connects to the master the sentinels name
    (config/sentinel.py). Without Redis, a per-process memory cache and sessions in the
    database (nothing else to run)."""
    url = env.str("REDIS_CACHE_URL", default="") or redis_url
    if not url:
        local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        return {"default": local}, "django.contrib.sessions.backends.db"
    cache: dict[str, Any] = {
        # Redis away: reads miss and writes are skipped, the page is served (config/cache.py).
        "BACKEND": "config.cache.TolerantRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        # The same Redis also carries Celery's queues: our keys keep to their own prefix.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="qingdan"),
        "TIMEOUT": 300,
    }
    if sentinel:
        cache["OPTIONS"].update(pool_class="config.sentinel.SentinelPool", **sentinel)
    return {"default": cache}, "django.contrib.sessions.backends.cached_db"


def replica_database(env: environ.Env, default: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A read replica when DATABASE_REPLICA_URL is set: dashboards, bulletins and exports read
    from it (config.replica); every write goes to ``default``. Read-only: never migrated.
    In tests it mirrors ``default``, so what a test writes is what the replica shows."""
    url = env.str("DATABASE_REPLICA_URL", default="")
    if not url:
        return {}
    replica = env.db_url_config(url)
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        if key in default:
            replica[key] = default[key]
    replica["TEST"] = {"MIRROR": "default"}
    return {REPLICA: replica}
