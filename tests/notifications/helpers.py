"""Robots played by a real HTTP server on 127.0.0.1 (never any other address), a clock that
tests move, and short ways to make people and tell them something."""

import datetime
import json
import smtplib
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory

OK = (200, {"errcode": 0, "errmsg": "ok"})


class RobotServer(ThreadingHTTPServer):
    """Plays WeCom and DingTalk: records every POST and answers from ``answers`` (then OK)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RobotHandler)
        self.requests: list[dict] = []
        self.answers: deque = deque()

    def url(self, path: str = "/cgi-bin/webhook/send?key=test-key") -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"


class _RobotHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        self.server.requests.append(
            {
                "path": parts.path,
                "raw_query": parts.query,
                "query": parse_qs(parts.query),
                "content_type": self.headers.get("Content-Type", ""),
                "json": json.loads(raw),
            }
        )
        status, body = self.server.answers.popleft() if self.server.answers else OK
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # keep the test output clean
        pass


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


def person(username, unit, **fields):
    user = UserFactory(username=username, unit=unit, roles=[Role.STAFF])
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


def tell(recipients, campaign=None, title="New instruction on 12 推行容缺受理机制", **extra):
    return notify(
        recipients=recipients,
        kind=Notification.Kind.INSTRUCTION,
        title=title,
        body=extra.pop("body", "请本周内报送进展。"),
        url="/tasks/1/",
        campaign=campaign,
        **extra,
    )


class RefusingBackend(BaseEmailBackend):
    """A mail server that says 550 to the recipient: no use trying again."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.gov.cn": (550, b"no such user")})
