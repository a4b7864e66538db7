"""The shared cache with Redis away: reads miss, writes are skipped, nothing raises."""

import socket

from config.cache import TolerantRedisCache


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_an_unreachable_redis_is_a_miss_on_read_and_nothing_on_write():
    cache = TolerantRedisCache(
        f"redis://127.0.0.1:{closed_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )

    cache.set("k", "v")
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["k"]) == {}
    assert cache.add("k", "v") is False
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    assert cache.touch("k") is False


def test_a_reachable_redis_is_used(redis_url):
    cache = TolerantRedisCache(redis_url, {"KEY_PREFIX": "qingdan-test-tolerant"})
    try:
        cache.set("k", "v", 30)
        assert cache.get("k") == "v"
    finally:
        cache.delete("k")
