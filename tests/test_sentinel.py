"""Redis behind Sentinel (README "Operations", a city): the cache, the sessions, the beat guard
and Celery find the master through the sentinels.

The services tests start a real sentinel (``redis-server --sentinel``, on a free loopback port)
monitoring the tests' Redis as its master, and stop it afterwards; the machine's Redis is
only read and written through it as any client would."""

import gc
import os
import shutil
import subprocess
import time
from urllib.parse import urlparse

import environ
import pytest
import redis
from celery import Celery
from django.core.exceptions import ImproperlyConfigured
from redis.sentinel import (
    MasterNotFoundError,
    SentinelConnectionPool,
    SentinelManagedConnection,
    SentinelManagedSSLConnection,
)

from benchmarks.load.stack import free_port
from config import scaleout
from config.cache import TolerantRedisCache
from config.sentinel import SentinelPool, redis_client
from tests.conftest import require
from tests.faults.sentinels import RedisSet
from tests.workers import purge, running_worker, wait_for


def _env(monkeypatch, **variables) -> environ.Env:
    for name in ("REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return environ.Env()


def test_without_sentinels_redis_url_is_the_server(monkeypatch):
    sentinel = scaleout.redis_sentinel(_env(monkeypatch), "redis://queue:6379/2")

    assert sentinel is None
    assert scaleout.celery_redis_url("redis://queue:6379/2", sentinel) == "redis://queue:6379/2"
    assert scaleout.sentinel_transport_options(sentinel) == {}


def test_sentinels_give_celery_one_sentinel_url_each_with_the_database_and_password(monkeypatch):
    env = _env(
        monkeypatch,
        REDIS_SENTINELS="10.0.0.1:26379, 10.0.0.2:26380,sentinel-c",
        REDIS_SENTINEL_MASTER="qingdan",
        REDIS_SENTINEL_PASSWORD="s3",
    )
    url = "redis://:secret@unused-host:6379/2"

    sentinel = scaleout.redis_sentinel(env, url)

    assert sentinel == {
        "sentinels": [("10.0.0.1", 26379), ("10.0.0.2", 26380), ("sentinel-c", 26379)],
        "master_name": "qingdan",
        "sentinel_kwargs": {"password": "s3"},
    }
    assert scaleout.celery_redis_url(url, sentinel) == (
        "sentinel://:secret@10.0.0.1:26379/2;sentinel://:secret@10.0.0.2:26380/2;"
        "sentinel://:secret@sentinel-c:26379/2"
    )
    assert scaleout.sentinel_transport_options(sentinel) == {
        "master_name": "qingdan",
        "sentinel_kwargs": {"password": "s3"},
    }
    caches, sessions = scaleout.cache_and_sessions(env, url, sentinel)
    options = caches["default"]["OPTIONS"]
    assert options["pool_class"] == "config.sentinel.SentinelPool"
    assert options["master_name"] == "qingdan" and options["sentinels"] == sentinel["sentinels"]
    assert options["socket_timeout"] == 1  # the short timeouts stay
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_sentinels_without_a_master_name_or_redis_url_are_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured):
        scaleout.redis_sentinel(_env(monkeypatch, REDIS_SENTINELS="s:26379"), "redis://r/0")
    with pytest.raises(ImproperlyConfigured):
        scaleout.redis_sentinel(
            _env(monkeypatch, REDIS_SENTINELS="s:26379", REDIS_SENTINEL_MASTER="m"), ""
        )


def test_a_cache_whose_sentinels_do_not_answer_misses_and_skips_writes(monkeypatch):
    """As with a Redis that is away (config/cache.py): the page is served, not a 500."""
    nobody = {"sentinels": [("127.0.0.1", free_port())], "master_name": "m", "sentinel_kwargs": {}}
    config = scaleout.cache_and_sessions(_env(monkeypatch), "redis://r/0", nobody)[0]["default"]
    cache = TolerantRedisCache(config["LOCATION"], config)

    cache.set("greeting", "你好")

    assert cache.get("greeting", "missed") == "missed"
    assert cache.add("greeting", "again") is False
    # Each call asks each sentinel once (redis-py's default would retry three times with
    # backoff, about 4 s a call while no sentinel answers).
    manager = cache._cache.get_client().connection_pool.sentinel_manager
    assert [asked.get_retry().get_retries() for asked in manager.sentinels] == [0]


def test_the_cache_pool_takes_database_password_and_tls_from_the_url_and_the_master_from_sentinels():
    sentinels = [("10.0.0.1", 26379)]
    plain = SentinelPool.from_url(
        "redis://:secret@ignored:6379/3", sentinels=sentinels, master_name="qingdan"
    )
    tls = SentinelPool.from_url("rediss://ignored/0", sentinels=sentinels, master_name="qingdan")

    assert plain.service_name == "qingdan"
    assert plain.connection_kwargs["db"] == 3 and plain.connection_kwargs["password"] == "secret"
    assert "host" not in plain.connection_kwargs
    assert plain.connection_class is SentinelManagedConnection
    assert tls.connection_class is SentinelManagedSSLConnection


class _Sentinels:
    """Stands in for redis-py's Sentinel: names a master, or none (``away``)."""

    def __init__(self, away: bool):
        self.away, self.asked = away, 0

    def discover_master(self, service_name):
        self.asked += 1
        if self.away:
            raise MasterNotFoundError(service_name)
        return ("10.0.0.1", 6379)


@pytest.mark.parametrize(("away", "asked"), [(False, 5), (True, 2)])
def test_the_pool_asks_where_the_master_is_each_second_and_every_10_s_while_nobody_answers(
    monkeypatch, away, asked
):
    sentinels = _Sentinels(away)
    pool = SentinelPool("qingdan", sentinels)
    monkeypatch.setattr(SentinelConnectionPool, "get_connection", lambda *args, **kwargs: "lent")

    for second in (0, 0.5, 1.0, 5, 10.9, 11.0, 11.5, 12.0):
        pool.clock = lambda second=second: 100 + second
        assert pool.get_connection() == "lent"

    assert sentinels.asked == asked


@pytest.fixture
def sentinel(tmp_path, redis_url):
    """A sentinel on a free loopback port monitoring the tests' Redis as master
    ``qingdan-test-<pid>``; the settings' REDIS_SENTINEL for it."""
    binary = shutil.which("redis-server")
    require("redis-server", bool(binary), "install Redis (apt-get install redis-server)")
    master = urlparse(redis_url)
    port, name = free_port(), f"qingdan-test-{os.getpid()}"
    conf = tmp_path / "sentinel.conf"  # the sentinel rewrites its file: one of its own
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor {name} {master.hostname} {master.port or 6379} 1\n"
        f"sentinel down-after-milliseconds {name} 60000\n"
    )
    process = subprocess.Popen(
        [binary, str(conf), "--sentinel"],
        stdout=(tmp_path / "sentinel.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        asking = redis.Redis(port=port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                if asking.sentinel_get_master_addr_by_name(name):
                    break
            except redis.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "sentinel.log").read_text()
            time.sleep(0.1)
        yield {"sentinels": [("127.0.0.1", port)], "master_name": name, "sentinel_kwargs": {}}
    finally:
        process.terminate()
        process.wait(timeout=10)


def _direct(redis_url) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.mark.services
def test_the_cache_and_sessions_reach_the_master_the_sentinels_name(
    sentinel, redis_url, monkeypatch, settings
):
    env = _env(monkeypatch, CACHE_KEY_PREFIX=f"sentinel-test-{os.getpid()}")
    config = scaleout.cache_and_sessions(env, redis_url, sentinel)[0]["default"]
    settings.CACHES = {"default": config}
    from django.contrib.sessions.backends.cache import SessionStore
    from django.core.cache import caches

    cache = caches["default"]

    cache.set("greeting", {"text": "你好"}, 30)
    session = SessionStore()
    session["unit"] = 7
    session.save()

    assert isinstance(cache, TolerantRedisCache)
    client = cache._cache.get_client(write=True)
    assert isinstance(client.connection_pool, SentinelPool)
    assert cache.get("greeting") == {"text": "你好"}
    assert SessionStore(session_key=session.session_key).load() == {"unit": 7}
    # It is the tests' Redis, in the tests' database, that holds them.
    stored = _direct(redis_url).keys(f"sentinel-test-{os.getpid()}:*")
    assert len(stored) == 2
    _direct(redis_url).delete(*stored)


@pytest.mark.services
def test_the_beat_guard_claims_its_period_through_the_sentinels(sentinel, redis_url, settings):
    settings.REDIS_SENTINEL = sentinel
    key = f"qingdan:beat:sentinel-test-{os.getpid()}"

    client = redis_client(redis_url, socket_timeout=5)
    claimed = client.set(key, "me", nx=True, ex=30)

    assert isinstance(client.connection_pool, SentinelPool)
    assert claimed and _direct(redis_url).get(key) == b"me"
    _direct(redis_url).delete(key)


@pytest.mark.services
def test_a_job_goes_to_a_worker_and_its_result_comes_back_through_the_sentinels(
    sentinel, redis_url, tmp_path, transactional_db
):
    """The worker is configured by the settings from REDIS_SENTINELS; the sender is a Celery
    app given the same sentinel:// URL and options, so both ends ask the sentinel."""
    from config.celery import app

    purge(app)
    url = scaleout.celery_redis_url(redis_url, sentinel)
    options = scaleout.sentinel_transport_options(sentinel)
    # Not the current app: the shared tasks of later tests in this process must keep ours.
    sender = Celery("sentinel-check", broker=url, backend=url, set_as_current=False)
    sender.conf.update(
        broker_transport_options=options,
        result_backend_transport_options=options,
        task_serializer="json",
        accept_content=["json"],
    )
    log = tmp_path / "worker.log"
    address = "127.0.0.1:{}".format(sentinel["sentinels"][0][1])
    with running_worker(
        redis_url,
        log,
        "sentinel",
        REDIS_SENTINELS=address,
        REDIS_SENTINEL_MASTER=sentinel["master_name"],
    ):
        result = sender.send_task("accounts.jobs.ping")
        answer = result.get(timeout=60)
    # Let the result go while the sentinel runs: it unsubscribes when freed, and freed later
    # by the garbage collector (it sits in a cycle) it would retry that through a sentinel
    # that is gone for about 100 s, in whatever test is running then.
    del result
    gc.collect()
    sender.close()

    assert answer == "pong"
    assert f"sentinel://127.0.0.1:{sentinel['sentinels'][0][1]}" in log.read_text()


@pytest.fixture
def redis_set(tmp_path):
    """A master, its replica and three sentinels of our own (tests/faults/sentinels.py)."""
    binary = shutil.which("redis-server")
    require("redis-server", bool(binary), "install Redis (apt-get install redis-server)")
    running = RedisSet(binary=str(binary), folder=tmp_path)
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.mark.services
def test_after_a_planned_switch_the_app_writes_to_the_new_master_at_once(redis_set, settings):
    """``SENTINEL FAILOVER`` promotes the replica while the old master still runs; the
    sentinels demote it only some seconds later, and what is written to it meanwhile is lost
    when it resynchronises. A pooled connection to it must not keep writing there."""
    settings.REDIS_SENTINEL = {
        "sentinels": [("127.0.0.1", port) for port in redis_set.sentinel_ports],
        "master_name": redis_set.name,
        "sentinel_kwargs": {},
    }
    client = redis_client("redis://127.0.0.1/0", socket_timeout=1)
    assert client.set("qingdan:before", "first")  # a connection to the first master, kept idle
    old, new = redis_set.client(redis_set.master_port), redis_set.client(redis_set.replica_port)

    redis_set.switch_over()
    redis_set.wait_for_promotion()
    # The sentinels demote the old master 8-10 s after the switch: well after this.
    wait_for(
        lambda: client.set("qingdan:after", "second") and new.get("qingdan:after") == b"second",
        timeout=5,
        what="the client to write to the new master",
    )

    client.set("qingdan:later", "third")
    assert new.get("qingdan:later") == b"third" and old.get("qingdan:later") is None
