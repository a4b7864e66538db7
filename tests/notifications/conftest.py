"""Robots are tested against a real HTTP server these fixtures start on 127.0.0.1 (never any
other address); email goes to Django's locmem outbox (``mailoutbox``)."""

import socket
import threading

import pytest
from django.utils import timezone

from notifications import jobs
from notifications.models import Delivery
from notifications.services import delivery_send
from tests.factories import RobotWebhookFactory
from tests.notifications.helpers import Clock, RobotServer, tell


@pytest.fixture
def robot_server():
    server = RobotServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def clock(monkeypatch):
    """timezone.now() as the test says; ``clock.advance(seconds=61)`` lets time pass."""
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def queued(monkeypatch):
    """Record the deliveries the code queues instead of sending them to a broker."""
    ids: list[int] = []
    monkeypatch.setattr(jobs.delivery_send, "delay", lambda delivery_id: ids.append(delivery_id))
    return ids


@pytest.fixture(autouse=True)
def notify_settings(settings):
    settings.SITE_URL = "https://qingdan.example.gov.cn"
    settings.NOTIFY_RETRY_SECONDS = 60
    settings.NOTIFY_MAX_ATTEMPTS = 4
    settings.NOTIFY_HTTP_TIMEOUT = 5
    # The test robots listen on 127.0.0.1 over plain HTTP; the checks themselves are tested
    # in test_webhooks.py with the defaults.
    settings.ROBOT_WEBHOOK_HOSTS = [*settings.ROBOT_WEBHOOK_HOSTS, "127.0.0.1"]
    settings.ROBOT_WEBHOOK_ALLOW_HTTP = True
    settings.ROBOT_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def failed(world, robot_server):
    """A campaign robot whose key is wrong: its delivery has failed for good."""
    robot = RobotWebhookFactory(
        name="改革攻坚群", unit=None, campaign=world.campaign, url=robot_server.url()
    )
    robot_server.answers.append((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    tell([world.lead_staff], campaign=world.campaign)
    delivery = Delivery.objects.get(robot=robot)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    return delivery
