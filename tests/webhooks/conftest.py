"""Receivers played by a real HTTP server on 127.0.0.1 that checks every signature."""

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.notifications.helpers import Clock
from webhooks import jobs
from webhooks.models import Subscription
from webhooks.signing import signature_valid


class Receiver(ThreadingHTTPServer):
    """Another system: verifies the signature with ``secret`` as the README says, records
    each POST, and answers from ``answers`` (then 204)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = ""
        self.received: list[dict] = []
        self.answers: deque = deque()

    def url(self, path: str = "/hooks/qingdan") -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        valid = signature_valid(
            secret=self.server.secret,
            timestamp=self.headers.get("X-Qingdan-Timestamp", ""),
            body=raw,
            signed=self.headers.get("X-Qingdan-Signature", ""),
            now=time.time(),
        )
        self.server.received.append(
            {
                "valid": valid,
                "event": self.headers.get("X-Qingdan-Event"),
                "delivery": self.headers.get("X-Qingdan-Delivery"),
                "json": json.loads(raw),
            }
        )
        status = self.server.answers.popleft() if self.server.answers else (204 if valid else 401)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.NOTIFY_RETRY_SECONDS = 60
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_HTTP_TIMEOUT = 5


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscription(receiver, db):
    sub = Subscription.objects.create(
        name="市级督查平台",
        url=receiver.url(),
        events=["report.created", "request.decided", "task.closed", "review.certified"],
    )
    receiver.secret = sub.secret
    return sub


@pytest.fixture
def queued(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(jobs.webhook_delivery_send, "delay", ids.append)
    return ids


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock
