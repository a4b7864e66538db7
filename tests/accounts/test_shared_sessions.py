"""Sessions that hold on every web node: with Redis, the session is in the shared cache and
written through to the database (cached_db), so another node finds it either way."""

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import caches
from django.urls import reverse

from config import scaleout

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_sessions(settings, redis_url, monkeypatch):
    import environ

    monkeypatch.delenv("REDIS_CACHE_URL", raising=False)
    cache, engine = scaleout.cache_and_sessions(environ.Env(), redis_url)
    settings.CACHES = {"default": {**cache["default"], "KEY_PREFIX": "qingdan-test-sessions"}}
    settings.SESSION_ENGINE = engine
    # Only this test's keys are removed afterwards: clear() would empty the whole Redis
    # database, the broker's queues included.
    return caches["default"]


def test_a_login_on_one_node_is_known_to_the_others_through_redis_and_the_database(
    client, staff_user, redis_sessions
):
    from django.contrib.sessions.models import Session
    from django.test import Client

    client.force_login(staff_user)
    key = client.cookies["sessionid"].value

    assert redis_sessions.get(KEY_PREFIX + key) is not None  # in the shared cache
    assert Session.objects.filter(session_key=key).exists()  # and in the database
    other_node = Client()
    other_node.cookies["sessionid"] = key
    landed = other_node.get(reverse("home"), follow=True)
    assert landed.status_code == 200
    assert landed.wsgi_request.user == staff_user
    assert landed.request["PATH_INFO"] != reverse("login")
    redis_sessions.delete(KEY_PREFIX + key)
