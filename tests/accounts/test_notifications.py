"""One notification service, several channels: the bell always, email, WeCom and DingTalk robots.

Robots are tested against a real HTTP server this module starts on 127.0.0.1 (never any other
address); email goes to Django's locmem outbox (``mailoutbox``).
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import channels, jobs, services
from accounts.models import Channel, Delivery, Notification, RobotWebhook, Role
from accounts.services import (
    deliveries_sweep,
    delivery_retry,
    delivery_send,
    notify,
    user_admin_access_sync,
)
from config.errors import RuleViolation
from tasks.services import instruction_give
from tests.factories import RobotWebhookFactory, UnitFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
OK = (200, {"errcode": 0, "errmsg": "ok"})


# --- Helpers ------------------------------------------------------------------------------


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


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


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


# --- The bell is always written -----------------------------------------------------------


@pytest.mark.django_db
def test_the_in_app_notice_is_written_even_when_every_channel_fails(
    world, settings, closed_port, robot_server, eager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    staff = person("mail_staff", world.lead, email="staff@example.gov.cn")
    RobotWebhookFactory(unit=world.lead, url=f"http://127.0.0.1:{closed_port}/send?key=k")
    RobotWebhookFactory(
        unit=None,
        campaign=world.campaign,
        platform=RobotWebhook.Platform.DINGTALK,
        url=robot_server.url("/robot/send?access_token=t"),
    )
    robot_server.answers.append((500, {"errmsg": "busy"}))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notices = tell([staff], campaign=world.campaign)

    assert Notification.objects.filter(recipient=staff, pk=notices[0].pk).exists()
    deliveries = Delivery.objects.filter(notification__recipient=staff)
    assert sorted(deliveries.values_list("channel", flat=True)) == ["dingtalk", "email", "wecom"]
    for delivery in deliveries:
        assert delivery.status == Delivery.Status.PENDING
        assert delivery.attempts == 1
        assert delivery.last_error
    assert len(robot_server.requests) == 1


@pytest.mark.django_db
def test_a_broker_that_is_down_neither_fails_the_action_nor_loses_the_delivery(
    world, monkeypatch, django_capture_on_commit_callbacks, queued
):
    staff = person("mail_staff", world.lead, email="staff@example.gov.cn")

    def broker_down(delivery_id):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(jobs.delivery_send, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        tell([staff])

    delivery = Delivery.objects.get(notification__recipient=staff)
    assert delivery.status == Delivery.Status.PENDING
    monkeypatch.undo()
    queued_again: list[int] = []
    monkeypatch.setattr(jobs.delivery_send, "delay", queued_again.append)
    assert deliveries_sweep() == [delivery.pk]
    assert queued_again == [delivery.pk]


# --- Email --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_is_delivered_once_by_the_job(
    world, mailoutbox, eager, django_capture_on_commit_callbacks
):
    staff = person("mail_staff", world.lead, email="staff@example.gov.cn")

    with django_capture_on_commit_callbacks(execute=True):
        tell([staff], body="请本周内报送进展。")
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    jobs.delivery_send.apply((delivery.pk,))  # a duplicate message: nothing more is sent

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["staff@example.gov.cn"]
    assert "推行容缺受理机制" in mail.subject and "\n" not in mail.subject
    assert "请本周内报送进展。" in mail.body
    assert "https://qingdan.example.gov.cn/tasks/1/" in mail.body
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1 and delivery.sent_at is not None


@pytest.mark.django_db
def test_a_refused_recipient_is_a_permanent_failure(world, settings, queued):
    settings.EMAIL_BACKEND = "tests.accounts.test_notifications.RefusingBackend"
    staff = person("mail_staff", world.lead, email="x@example.gov.cn")
    tell([staff])
    delivery = Delivery.objects.get(channel=Channel.EMAIL)

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert "550" in delivery.last_error


# --- Group robots -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wecom_robot_gets_one_markdown_message_naming_the_people_of_its_unit(
    world, robot_server, queued
):
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    staff = [person(f"s{i}", world.lead, display_name=f"张{i}") for i in range(3)]
    elsewhere = person("far", world.other, display_name="李远")

    tell([*staff, elsewhere])
    deliveries = list(Delivery.objects.filter(robot=robot))
    assert len(deliveries) == 1
    delivery_send(delivery_id=deliveries[0].pk)

    (request,) = robot_server.requests
    assert request["path"] == "/cgi-bin/webhook/send"
    assert request["query"] == {"key": ["test-key"]}
    assert request["content_type"].startswith("application/json")
    assert request["json"]["msgtype"] == "markdown"
    content = request["json"]["markdown"]["content"]
    assert "New instruction on 12 推行容缺受理机制" in content
    assert "请本周内报送进展。" in content
    assert "@张0 @张1 @张2" in content and "李远" not in content
    assert "(https://qingdan.example.gov.cn/tasks/1/)" in content
    assert len(content.encode()) <= 4096
    assert Delivery.objects.get(robot=robot).status == Delivery.Status.SENT


@pytest.mark.django_db
def test_a_dingtalk_robot_signs_its_request(world, robot_server, queued):
    secret = "SEC0123456789abcdef"
    robot = RobotWebhookFactory(
        unit=world.lead,
        platform=RobotWebhook.Platform.DINGTALK,
        url=robot_server.url("/robot/send?access_token=tok"),
        secret=secret,
    )
    tell([world.lead_staff])
    before_ms = int(time.time() * 1000)

    delivery_send(delivery_id=Delivery.objects.get(robot=robot).pk)

    (request,) = robot_server.requests
    assert request["path"] == "/robot/send"
    assert request["query"]["access_token"] == ["tok"]
    timestamp = request["query"]["timestamp"][0]
    assert before_ms - 1000 <= int(timestamp) <= int(time.time() * 1000)
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    # The signature travels URL-encoded (base64 has + / =): check the raw query, then decoded.
    raw_sign = request["raw_query"].split("sign=", 1)[1]
    assert unquote_plus(raw_sign) == expected
    assert request["query"]["sign"] == [expected]
    payload = request["json"]
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "New instruction on 12 推行容缺受理机制"
    assert "请本周内报送进展。" in payload["markdown"]["text"]
    assert f"@{world.lead_staff}" in payload["markdown"]["text"]


@pytest.mark.django_db
def test_a_dingtalk_robot_without_secret_sends_no_signature(world, robot_server, queued):
    robot = RobotWebhookFactory(
        unit=world.lead,
        platform=RobotWebhook.Platform.DINGTALK,
        url=robot_server.url("/robot/send?access_token=tok"),
    )
    tell([world.lead_staff])

    delivery_send(delivery_id=Delivery.objects.get(robot=robot).pk)

    assert robot_server.requests[0]["query"] == {"access_token": ["tok"]}


@pytest.mark.django_db
def test_a_campaign_robot_gets_one_message_for_people_of_every_unit(world, robot_server, queued):
    robot = RobotWebhookFactory(unit=None, campaign=world.campaign, url=robot_server.url())
    RobotWebhookFactory(unit=None, campaign=world.other_campaign, url=robot_server.url())

    tell([world.lead_staff, world.support_staff], campaign=world.campaign)
    tell([world.lead_staff])  # no campaign: the campaign's robot stays quiet

    (delivery,) = Delivery.objects.filter(robot__campaign__isnull=False)
    assert delivery.robot == robot
    assert delivery.people_labels == [
        f"{world.lead_staff}（{world.lead.name}）",
        f"{world.support_staff}（{world.support.name}）",
    ]
    delivery_send(delivery_id=delivery.pk)
    assert world.support.name in robot_server.requests[0]["json"]["markdown"]["content"]


@pytest.mark.django_db
def test_a_notice_about_a_task_reaches_the_campaigns_robot(world, robot_server):
    robot = RobotWebhookFactory(unit=None, campaign=world.campaign, url=robot_server.url())

    instruction_give(task=world.task, by=world.leader, text="请加快")

    notices = Notification.objects.filter(kind=Notification.Kind.INSTRUCTION)
    assert {n.campaign_id for n in notices} == {world.campaign.pk}
    (delivery,) = Delivery.objects.filter(robot=robot)
    assert sorted(delivery.people_labels) == sorted(
        f"{user}（{world.lead.name}）" for user in (world.lead_staff, world.lead_head)
    )


# --- Retries ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_transient_failure_is_retried_with_backoff_and_then_sent(
    world, robot_server, closed_port, clock, queued
):
    robot = RobotWebhookFactory(unit=world.lead, url=f"http://127.0.0.1:{closed_port}/s?key=k")
    tell([world.lead_staff])
    delivery = Delivery.objects.get(robot=robot)
    start = clock.now

    delivery_send(delivery_id=delivery.pk)  # connection refused
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert "no connection" in delivery.last_error
    assert delivery.next_attempt_at == start + datetime.timedelta(seconds=60)

    # Not due yet: neither the sweep nor a stray message sends it.
    queued.clear()
    clock.advance(seconds=30)
    assert deliveries_sweep() == [] and queued == []
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    # Due: the robot answers 500 this time; the wait doubles.
    RobotWebhook.objects.filter(pk=robot.pk).update(url=robot_server.url())
    robot_server.answers.append((500, {"errmsg": "internal"}))
    clock.advance(seconds=31)
    assert deliveries_sweep() == [delivery.pk]
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 2, "HTTP 500")
    assert delivery.next_attempt_at == clock.now + datetime.timedelta(seconds=120)

    # Rate limited (429), then accepted.
    robot_server.answers.append((429, {}))
    clock.advance(seconds=121)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.next_attempt_at == clock.now + datetime.timedelta(
        seconds=240
    )
    clock.advance(seconds=241)
    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 4 and delivery.sent_at == clock.now
    assert len(robot_server.requests) == 3


@pytest.mark.django_db
def test_transient_failures_stop_after_the_maximum_number_of_attempts(
    world, robot_server, clock, queued
):
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    robot_server.answers.extend([(503, {})] * 10)
    tell([world.lead_staff])
    delivery = Delivery.objects.get(robot=robot)

    for _ in range(6):
        delivery_send(delivery_id=delivery.pk)
        clock.advance(hours=2)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 4 and len(robot_server.requests) == 4
    assert delivery.next_attempt_at is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "errcode 93000"),
        ((404, {"errmsg": "not found"}), "HTTP 404"),
        ((200, ["not", "an", "answer"]), "not the JSON"),
    ],
)
@pytest.mark.django_db
def test_a_refusal_by_the_platform_is_permanent(world, robot_server, queued, answer, error):
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    robot_server.answers.append(answer)
    tell([world.lead_staff])
    delivery = Delivery.objects.get(robot=robot)

    delivery_send(delivery_id=delivery.pk)
    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1 and error in delivery.last_error
    assert "test-key" not in delivery.last_error  # the webhook's key never shows
    assert len(robot_server.requests) == 1


@pytest.mark.django_db
def test_a_robot_rate_limit_code_is_retried(world, robot_server, queued):
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    robot_server.answers.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    tell([world.lead_staff])
    delivery = Delivery.objects.get(robot=robot)

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and "45009" in delivery.last_error


# --- The job: idempotent, and the sweep ---------------------------------------------------


@pytest.mark.django_db
def test_the_job_run_twice_sends_once(world, robot_server, mailoutbox, queued):
    RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    world.lead_staff.email = "lead@example.gov.cn"
    world.lead_staff.save()
    tell([world.lead_staff])

    for delivery in Delivery.objects.all():
        jobs.delivery_send.apply((delivery.pk,))
        jobs.delivery_send.apply((delivery.pk,))
    jobs.delivery_send.apply((987654,))  # gone: returns quietly

    assert len(robot_server.requests) == 1
    assert len(mailoutbox) == 1
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db
def test_a_delivery_being_sent_is_left_alone_until_its_lease_runs_out(
    world, robot_server, clock, queued, monkeypatch
):
    """A worker that died mid-send: its claim blocks others, then the sweep takes it up."""
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    tell([world.lead_staff])
    delivery = Delivery.objects.get(robot=robot)
    real_send, killed = services._send, []

    def killed_while_sending(delivery):
        if not killed:
            killed.append(delivery.pk)
            raise SystemExit  # the worker process ends here
        real_send(delivery)

    monkeypatch.setattr(services, "_send", killed_while_sending)
    with pytest.raises(SystemExit):
        delivery_send(delivery_id=delivery.pk)

    assert deliveries_sweep() == []
    assert delivery_send(delivery_id=delivery.pk) is None
    clock.advance(minutes=3)
    assert deliveries_sweep() == [delivery.pk]
    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    assert len(robot_server.requests) == 1


@pytest.mark.django_db
def test_the_sweep_requeues_only_pending_deliveries_that_are_due(world, clock, queued):
    notice = tell([world.lead_staff])[0]
    past, future = (
        clock.now - datetime.timedelta(seconds=1),
        clock.now + datetime.timedelta(hours=1),
    )

    def row(target, status, next_attempt_at):
        return Delivery.objects.create(
            notification=notice,
            channel=Channel.EMAIL,
            target=target,
            status=status,
            next_attempt_at=next_attempt_at,
        )

    due = row("due@x.cn", Delivery.Status.PENDING, past)
    now = row("now@x.cn", Delivery.Status.PENDING, clock.now)
    row("later@x.cn", Delivery.Status.PENDING, future)
    row("sent@x.cn", Delivery.Status.SENT, None)
    row("failed@x.cn", Delivery.Status.FAILED, None)
    queued.clear()

    assert deliveries_sweep() == [due.pk, now.pk]
    assert queued == [due.pk, now.pk]
    jobs.deliveries_sweep.apply()
    assert queued == [due.pk, now.pk, due.pk, now.pk]


def test_beat_schedules_the_sweep_and_every_job_has_time_limits():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["deliveries-sweep"]["task"] == jobs.deliveries_sweep.name
    for job in (jobs.delivery_send, jobs.deliveries_sweep):
        assert job.time_limit and job.soft_time_limit and job.soft_time_limit < job.time_limit
    # No second worker may claim a delivery while the first can still be running.
    from accounts.services import SEND_LEASE

    assert SEND_LEASE.total_seconds() > jobs.delivery_send.time_limit


# --- Preferences --------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_person_gets_only_the_channels_they_chose(world, queued):
    robot = RobotWebhookFactory(unit=world.lead, url="http://127.0.0.1:9/x")
    robot_only = person("robot_only", world.lead, email="a@x.cn", notify_by_email=False)
    mail_only = person("mail_only", world.lead, email="b@x.cn", notify_by_robot=False)
    neither = person(
        "neither", world.lead, email="c@x.cn", notify_by_email=False, notify_by_robot=False
    )

    notices = tell([robot_only, mail_only, neither])

    assert Notification.objects.filter(pk__in=[n.pk for n in notices]).count() == 3
    assert list(
        Delivery.objects.filter(channel=Channel.EMAIL).values_list("target", flat=True)
    ) == ["b@x.cn"]
    (robot_delivery,) = Delivery.objects.filter(robot=robot)
    assert robot_delivery.people_labels == [str(robot_only)]
    Delivery.objects.all().delete()
    tell([neither])
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_inactive_robots_and_people_without_an_address_get_nothing(world, queued):
    RobotWebhookFactory(unit=world.lead, active=False)
    tell([world.lead_staff])  # no email address on file
    assert not Delivery.objects.exists()
    assert queued == []


@pytest.mark.django_db
def test_a_person_changes_their_channels_on_the_settings_page(client, world):
    client.force_login(world.lead_staff)

    page = client.get(reverse("notification_settings"))
    assert page.status_code == 200
    assert b'data-testid="notification-settings"' in page.content
    response = client.post(reverse("notification_settings"), {"email": "on"})

    assert response.status_code == 302
    world.lead_staff.refresh_from_db()
    assert world.lead_staff.notify_by_email is True
    assert world.lead_staff.notify_by_robot is False
    assert (
        b'data-testid="notification-settings-link"' in client.get(reverse("notifications")).content
    )


@pytest.mark.django_db
def test_the_settings_page_needs_a_login_and_the_csrf_token(world):
    anonymous = Client()
    response = anonymous.post(reverse("notification_settings"), {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    forged = Client(enforce_csrf_checks=True)
    forged.force_login(world.lead_staff)
    assert forged.post(reverse("notification_settings"), {}).status_code == 403

    world.lead_staff.refresh_from_db()
    assert world.lead_staff.notify_by_email and world.lead_staff.notify_by_robot


# --- The failed page ----------------------------------------------------------------------


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


@pytest.mark.django_db
def test_a_failed_delivery_shows_to_the_campaigns_coordinator_only(client, world, failed):
    marker = f'data-delivery="{failed.pk}"'.encode()
    client.force_login(world.coordinator)
    page = client.get(reverse("deliveries_failed"))
    assert page.status_code == 200
    assert marker in page.content and b"errcode 93000" in page.content
    assert b"test-key" not in page.content  # never the webhook's key

    client.force_login(world.other_coordinator)
    page = client.get(reverse("deliveries_failed"))
    assert page.status_code == 200 and marker not in page.content

    for someone in (world.lead_staff, world.leader, world.auditor):
        client.force_login(someone)
        assert client.get(reverse("deliveries_failed")).status_code == 404


@pytest.mark.django_db
def test_a_system_administrator_sees_every_failed_delivery(client, world, failed):
    unit_robot_failure = Delivery.objects.create(
        notification=failed.notification,
        channel=Channel.WECOM,
        robot=RobotWebhookFactory(unit=world.lead),
        target="robot:unit",
        status=Delivery.Status.FAILED,
        last_error="HTTP 404",
    )
    sysadmin = UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])
    client.force_login(sysadmin)

    page = client.get(reverse("deliveries_failed"))

    assert page.status_code == 200
    for delivery in (failed, unit_robot_failure):
        assert f'data-delivery="{delivery.pk}"'.encode() in page.content
    # No business data for administrators: the kind of notice, not its title.
    assert "推行容缺受理机制".encode() not in page.content


@pytest.mark.django_db
def test_the_coordinator_sends_a_failed_delivery_again(
    client, world, failed, robot_server, eager, django_capture_on_commit_callbacks
):
    client.force_login(world.other_coordinator)
    response = client.post(reverse("delivery_retry", args=[failed.pk]))
    assert response.status_code == 404
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, 1)

    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("delivery_retry", args=[failed.pk]))

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT and failed.attempts == 1
    assert len(robot_server.requests) == 2
    # Sent now: a second click changes nothing.
    assert client.post(reverse("delivery_retry", args=[failed.pk])).status_code == 302
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.SENT


@pytest.mark.django_db
def test_delivery_retry_refuses_who_may_not_see_the_delivery(world, failed):
    with pytest.raises(PermissionDenied):
        delivery_retry(delivery=failed, by=world.lead_staff)
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.FAILED


# --- Real @-mentions --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wecom_robot_mentions_people_by_wecom_account_and_names_the_others(
    world, robot_server, queued
):
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    known = person(
        "known", world.lead, display_name="张三", wecom_userid="zhang.san", mobile="13800000001"
    )
    unknown = person("unknown", world.lead, display_name="李四", mobile="13800000002")

    tell([known, unknown])
    delivery = Delivery.objects.get(robot=robot)
    delivery_send(delivery_id=delivery.pk)

    (request,) = robot_server.requests
    assert request["json"]["msgtype"] == "markdown"
    content = request["json"]["markdown"]["content"]
    assert "<@zhang.san> @李四" in content
    assert "@张三" not in content  # WeCom shows the member's own name for <@zhang.san>
    # WeCom markdown cannot @ by mobile: no number leaves the system for a WeCom robot.
    assert "1380000000" not in json.dumps(request["json"])
    assert delivery.people == [{"name": "张三", "wecom_userid": "zhang.san"}, {"name": "李四"}]


@pytest.mark.django_db
def test_a_dingtalk_robot_mentions_people_by_mobile_and_names_the_others(
    world, robot_server, queued
):
    robot = RobotWebhookFactory(
        unit=None,
        campaign=world.campaign,
        platform=RobotWebhook.Platform.DINGTALK,
        url=robot_server.url("/robot/send?access_token=tok"),
    )
    known = person(
        "known", world.lead, display_name="张三", mobile="13800000001", wecom_userid="zhang.san"
    )
    unknown = person("unknown", world.support, display_name="李四")

    tell([known, unknown], campaign=world.campaign)
    delivery = Delivery.objects.get(robot=robot)
    delivery_send(delivery_id=delivery.pk)

    (request,) = robot_server.requests
    payload = request["json"]
    assert payload["msgtype"] == "markdown"
    text = payload["markdown"]["text"]
    # The number is in the text (DingTalk highlights only what it finds there) and in "at".
    assert f"@13800000001 （{world.lead.name}） @李四（{world.support.name}）" in text
    assert payload["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert "zhang.san" not in json.dumps(payload)
    assert delivery.people == [
        {"name": "张三", "unit": world.lead.name, "mobile": "13800000001"},
        {"name": "李四", "unit": world.support.name},
    ]


@pytest.mark.django_db
def test_a_person_who_turned_robots_off_is_neither_named_nor_mentioned(world, queued):
    robot = RobotWebhookFactory(unit=world.lead, platform=RobotWebhook.Platform.DINGTALK)
    listening = person("listening", world.lead, mobile="13800000001")
    quiet = person("quiet", world.lead, mobile="13800000002", notify_by_robot=False)

    tell([listening, quiet])

    delivery = Delivery.objects.get(robot=robot)
    assert delivery.people_labels == [str(listening)]
    payload = channels.dingtalk_payload(channels.Message(title="t", people=delivery.people_named))
    assert payload["at"]["atMobiles"] == ["13800000001"]
    assert "13800000002" not in json.dumps(payload)


def _crowd(count: int, *, unit: str = "区行政审批服务局") -> list[channels.Person]:
    return [
        channels.Person(
            name=f"工作人员{i:02d}",
            unit=unit,
            mobile=f"138{i:08d}" if i % 2 else "",
            wecom_userid=f"user.{i:02d}" if i % 2 else "",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("unit", ["区行政审批服务局", "区" + "很长的单位名称" * 14])
@pytest.mark.parametrize("payload", [channels.wecom_payload, channels.dingtalk_payload])
def test_many_people_fill_the_message_with_whole_mentions_and_say_how_many_more(payload, unit):
    people = _crowd(45, unit=unit)
    message = channels.Message(
        title="关于" * 100,
        body="请本周内报送进展。" * 300,
        url="https://q.cn/" + "x" * 300,
        people=people,
    )

    sent = payload(message)

    text = sent["markdown"].get("content") or sent["markdown"]["text"]
    assert len(text.encode()) <= channels.ROBOT_MAX_BYTES < 4096
    line = text.split("\n\n")[-3]  # the mentions, before the link and the product name
    tokens = [_token(person, payload) for person in people]
    count = sum(token in line for token in tokens)
    # Whole mentions, in order, then how many more there are:
    assert line == " ".join([*tokens[:count], f"及另外{len(people) - count}人"])
    assert 0 < count <= channels.MAX_NAMES
    assert text.startswith("#### 关于") and "请本周内报送进展。" in text
    if payload is channels.dingtalk_payload:
        assert sent["at"]["atMobiles"] == [p.mobile for p in people[:count] if p.mobile]


def _token(person: channels.Person, payload) -> str:
    unit = f"（{person.unit}）"
    if payload is channels.wecom_payload:
        return f"<@{person.wecom_userid}>{unit}" if person.wecom_userid else f"@{person.name}{unit}"
    return f"@{person.mobile} {unit}" if person.mobile else f"@{person.name}{unit}"


def test_a_short_message_names_everyone_and_keeps_its_whole_text():
    people = _crowd(3)
    message = channels.Message(title="新指示", body="请本周内报送进展。", people=people)

    text = channels.wecom_payload(message)["markdown"]["content"]

    assert text == (
        "#### 新指示\n\n请本周内报送进展。\n\n"
        "@工作人员00（区行政审批服务局） <@user.01>（区行政审批服务局） @工作人员02（区行政审批服务局）"
        "\n\n— 清单通"
    )


def test_text_written_by_people_cannot_mention_anyone_in_wecom():
    message = channels.Message(
        title="<@all> 通知",
        body="请 <@boss> 审核",
        people=[channels.Person(name="<@boss>"), channels.Person(name="王五", wecom_userid="<@x>")],
    )

    text = channels.wecom_payload(message)["markdown"]["content"]

    assert "<@" not in text
    # A stored account that is not one (a row edited by hand) is a plain name, not markup.
    assert "@王五" in text


@pytest.mark.django_db
def test_an_old_delivery_naming_people_by_plain_label_still_sends(world, robot_server, queued):
    robot = RobotWebhookFactory(
        unit=None,
        campaign=world.campaign,
        platform=RobotWebhook.Platform.DINGTALK,
        url=robot_server.url("/robot/send?access_token=tok"),
    )
    tell([world.lead_staff], campaign=world.campaign)
    delivery = Delivery.objects.get(robot=robot)
    # As rows were written before mentions: plain labels, no handles.
    Delivery.objects.filter(pk=delivery.pk).update(people=["张三（区大数据局）", "李四"])

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    payload = robot_server.requests[0]["json"]
    assert "@张三（区大数据局） @李四" in payload["markdown"]["text"]
    assert payload["at"] == {"atMobiles": [], "isAtAll": False}
    assert delivery.people_labels == ["张三（区大数据局）", "李四"]


@pytest.mark.django_db
def test_the_failed_page_names_people_without_their_mobile_or_wecom_account(
    client, world, robot_server
):
    robot = RobotWebhookFactory(
        name="改革攻坚群",
        unit=None,
        campaign=world.campaign,
        platform=RobotWebhook.Platform.DINGTALK,
        url=robot_server.url("/robot/send?access_token=tok"),
    )
    staff = person(
        "known", world.lead, display_name="张三", mobile="13912345678", wecom_userid="zs.wecom"
    )
    robot_server.answers.append((200, {"errcode": 310000, "errmsg": "keywords not in content"}))
    tell([staff], campaign=world.campaign)
    delivery = Delivery.objects.get(robot=robot)
    delivery_send(delivery_id=delivery.pk)
    sysadmin = UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])
    user_admin_access_sync(user=sysadmin)

    for viewer in (world.coordinator, sysadmin):
        client.force_login(viewer)
        page = client.get(reverse("deliveries_failed"))
        assert f'data-delivery="{delivery.pk}"'.encode() in page.content
        assert f"张三（{world.lead.name}）".encode() in page.content
        assert b"13912345678" not in page.content and b"zs.wecom" not in page.content
    # The delivery in the admin names people the same way.
    page = client.get(reverse("admin:accounts_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert f"张三（{world.lead.name}）".encode() in page.content
    assert b"13912345678" not in page.content


@pytest.mark.django_db
def test_notify_queries_do_not_grow_with_people_who_can_be_mentioned(
    world, queued, django_assert_max_num_queries
):
    units = [UnitFactory(name=f"区测试单位{i}") for i in range(3)]
    for unit in units:
        RobotWebhookFactory(unit=unit, platform=RobotWebhook.Platform.DINGTALK)
    RobotWebhookFactory(unit=None, campaign=world.campaign)
    people = [
        person(f"p{i}", units[i % 3], mobile=f"139{i:08d}", wecom_userid=f"p{i}") for i in range(30)
    ]

    with django_assert_max_num_queries(6):
        tell(people[:3], campaign=world.campaign)
    with django_assert_max_num_queries(6):
        tell(people, campaign=world.campaign)

    campaign_delivery = Delivery.objects.filter(robot__campaign=world.campaign).latest("pk")
    assert len(campaign_delivery.people) == 30
    assert all(p["wecom_userid"] for p in campaign_delivery.people)


# --- Mobile number and WeCom account: who sets them, who sees them ---------------------------


@pytest.mark.django_db
def test_a_person_saves_their_mobile_and_wecom_account_on_the_settings_page(client, world):
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("notification_settings"),
        {"robot": "on", "mobile": " 13800000000 ", "wecom_userid": "zhang.san@corp-1_x"},
    )

    assert response.status_code == 302
    world.lead_staff.refresh_from_db()
    assert (world.lead_staff.mobile, world.lead_staff.wecom_userid) == (
        "13800000000",
        "zhang.san@corp-1_x",
    )
    page = client.get(reverse("notification_settings"))
    assert b'value="13800000000"' in page.content and b'value="zhang.san@corp-1_x"' in page.content
    assert "只用于在群机器人消息中@您".encode() in page.content
    # Emptied again: named, not mentioned.
    client.post(reverse("notification_settings"), {"robot": "on"})
    world.lead_staff.refresh_from_db()
    assert (world.lead_staff.mobile, world.lead_staff.wecom_userid) == ("", "")


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("mobile", "1380000000", "请填写中国大陆手机号"),
        ("mobile", "12800000000", "请填写中国大陆手机号"),
        ("mobile", "138-0000-0000", "请填写中国大陆手机号"),
        ("mobile", "+8613800000000", "请填写中国大陆手机号"),
        ("wecom_userid", "张三", "企业微信账号只能"),
        ("wecom_userid", "zhang san", "企业微信账号只能"),
        ("wecom_userid", "<@all>", "企业微信账号只能"),
        ("wecom_userid", "a" * 65, "不超过 64 字符"),
    ],
)
@pytest.mark.django_db
def test_the_settings_page_refuses_a_wrong_mobile_or_wecom_account_in_chinese(
    client, world, field, value, error
):
    client.force_login(world.lead_staff)

    page = client.post(reverse("notification_settings"), {"robot": "on", field: value})

    assert page.status_code == 200
    assert error in page.content.decode()
    world.lead_staff.refresh_from_db()
    assert (world.lead_staff.mobile, world.lead_staff.wecom_userid) == ("", "")


@pytest.mark.django_db
def test_the_service_refuses_a_wrong_mobile_number_whoever_calls_it(world):
    with pytest.raises(RuleViolation) as refused:
        services.notification_preferences_update(
            user=world.lead_staff, email=True, robot=True, mobile="12345", wecom_userid=""
        )
    assert refused.value.field == "mobile"
    world.lead_staff.refresh_from_db()
    assert world.lead_staff.mobile == ""


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("mobile", "13800000000", "此手机号已由其他用户登记"),
        ("wecom_userid", "zhang.san", "此企业微信账号已由其他用户登记"),
    ],
)
@pytest.mark.django_db
def test_nobody_can_take_a_handle_another_person_registered(client, world, field, value, error):
    setattr(world.support_staff, field, value)
    world.support_staff.save()
    client.force_login(world.lead_staff)

    page = client.post(reverse("notification_settings"), {"robot": "on", field: value})

    assert page.status_code == 200
    assert error in page.content.decode()
    world.lead_staff.refresh_from_db()
    assert getattr(world.lead_staff, field) == ""
    # Nor in the admin (the database refuses a second one too).
    sysadmin = UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])
    user_admin_access_sync(user=sysadmin)
    client.force_login(sysadmin)
    change = reverse("admin:accounts_user_change", args=[world.lead_staff.pk])
    refused = client.post(change, {**_admin_change_data(world.lead_staff), field: value})
    assert refused.status_code == 200
    assert error in refused.content.decode()
    world.lead_staff.refresh_from_db()
    assert getattr(world.lead_staff, field) == ""


def _admin_change_data(user) -> dict:
    """What the admin's change form posts for ``user`` as it is (roles left alone)."""
    joined = timezone.localtime(user.date_joined)
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "unit": user.unit_id or "",
        "display_name": user.display_name,
        "phone": "",
        "notify_by_email": "on",
        "notify_by_robot": "on",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.django_db
def test_a_system_administrator_sets_the_mobile_and_wecom_account_in_the_admin(client, world):
    sysadmin = UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])
    user_admin_access_sync(user=sysadmin)
    client.force_login(sysadmin)
    change = reverse("admin:accounts_user_change", args=[world.lead_staff.pk])
    assert b'name="mobile"' in client.get(change).content

    data = _admin_change_data(world.lead_staff)
    refused = client.post(change, {**data, "mobile": "1234", "wecom_userid": "张三"})
    assert refused.status_code == 200
    assert "请填写中国大陆手机号" in refused.content.decode()
    response = client.post(change, {**data, "mobile": "13800000000", "wecom_userid": "zs"})

    assert response.status_code == 302, response.content.decode()[:2000]
    world.lead_staff.refresh_from_db()
    assert (world.lead_staff.mobile, world.lead_staff.wecom_userid) == ("13800000000", "zs")


@pytest.mark.django_db
def test_a_security_administrator_neither_sees_nor_changes_the_mobile_or_wecom_account(
    client, world
):
    world.lead_staff.mobile, world.lead_staff.wecom_userid = "13800000000", "zhang.san"
    world.lead_staff.save()
    secadmin = UserFactory(username="secadmin", unit=world.office, roles=[Role.SECADMIN])
    user_admin_access_sync(user=secadmin)
    client.force_login(secadmin)
    change = reverse("admin:accounts_user_change", args=[world.lead_staff.pk])

    page = client.get(change)
    assert page.status_code == 200
    assert b"13800000000" not in page.content and b"zhang.san" not in page.content
    response = client.post(
        change, {**_admin_change_data(world.lead_staff), "mobile": "", "wecom_userid": "x"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    world.lead_staff.refresh_from_db()
    assert (world.lead_staff.mobile, world.lead_staff.wecom_userid) == ("13800000000", "zhang.san")
    # Nor can the list be filtered by them, which would tell a number digit by digit.
    users = reverse("admin:accounts_user_changelist")
    assert client.get(users).status_code == 200
    for lookup in ("mobile__startswith", "wecom_userid__startswith", "mobile"):
        assert client.get(users, {lookup: "138"}).status_code == 400


@pytest.mark.django_db
def test_a_system_administrator_may_filter_users_by_mobile(client, world):
    world.lead_staff.mobile = "13800000000"
    world.lead_staff.save()
    sysadmin = UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])
    user_admin_access_sync(user=sysadmin)
    client.force_login(sysadmin)

    response = client.get(reverse("admin:accounts_user_changelist"), {"mobile": "13800000000"})

    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [world.lead_staff]


# --- Queries do not grow with the number of people ----------------------------------------


@pytest.mark.django_db
def test_notify_queries_do_not_grow_with_the_recipients(
    world, queued, django_assert_max_num_queries
):
    units = [UnitFactory(name=f"区测试单位{i}") for i in range(3)]
    for unit in units:
        RobotWebhookFactory(unit=unit)
    RobotWebhookFactory(unit=None, campaign=world.campaign)
    few = [person(f"few{i}", units[i % 3], email=f"few{i}@x.cn") for i in range(3)]
    many = [person(f"many{i}", units[i % 3], email=f"many{i}@x.cn") for i in range(30)]

    with django_assert_max_num_queries(6):
        tell(few, campaign=world.campaign)
    with django_assert_max_num_queries(6):
        tell(many, campaign=world.campaign)

    assert Delivery.objects.filter(channel=Channel.EMAIL).count() == 33
    # One message per robot per call, however many people it names.
    assert Delivery.objects.exclude(channel=Channel.EMAIL).count() == 2 * 4


@pytest.mark.django_db
def test_the_failed_page_queries_do_not_grow_with_the_rows(
    client, world, failed, django_assert_max_num_queries
):
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("deliveries_failed"))
    for i in range(20):
        Delivery.objects.create(
            notification=failed.notification,
            channel=Channel.EMAIL,
            target=f"p{i}@x.cn",
            status=Delivery.Status.FAILED,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("deliveries_failed"))
    assert page.content.count(b'data-testid="failed-delivery"') == 21


# --- A real worker on the real broker -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_robot_message(redis_url, tmp_path, world, robot_server):
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("the worker needs a database it can share: run with DATABASE_URL (CI does)")
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "-Q",
            "celery",
            "-n",
            f"test-notify-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        with transaction.atomic():
            tell([world.lead_staff])  # queued by on_commit, sent by the worker
        delivery = Delivery.objects.get(robot=robot)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status != Delivery.Status.PENDING:
                break
            time.sleep(0.2)
        assert delivery.status == Delivery.Status.SENT, (tmp_path / "worker.log").read_text()
        assert len(robot_server.requests) == 1
        assert "推行容缺受理机制" in robot_server.requests[0]["json"]["markdown"]["content"]
    finally:
        worker.terminate()
        worker.wait(timeout=30)


# --- Robots in the admin --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_never_shows_a_robots_key_or_secret_in_its_list(client, world):
    robot = RobotWebhookFactory(
        unit=world.lead,
        platform=RobotWebhook.Platform.DINGTALK,
        url="https://oapi.dingtalk.com/robot/send?access_token=TOKEN123",
        secret="SECsecret456",
    )
    sysadmin = UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])
    user_admin_access_sync(user=sysadmin)
    client.force_login(sysadmin)

    listing = client.get(reverse("admin:accounts_robotwebhook_changelist"))
    assert listing.status_code == 200
    assert b"oapi.dingtalk.com" in listing.content
    assert b"TOKEN123" not in listing.content and b"SECsecret456" not in listing.content
    form = client.get(reverse("admin:accounts_robotwebhook_change", args=[robot.pk]))
    assert form.status_code == 200 and b"SECsecret456" not in form.content

    # Saving without typing the secret keeps it; ticking "remove" clears it.
    data = {
        "name": "新名字",
        "platform": "dingtalk",
        "url": robot.url,
        "secret": "",
        "unit": world.lead.pk,
        "campaign": "",
        "active": "on",
    }
    change = reverse("admin:accounts_robotwebhook_change", args=[robot.pk])
    assert client.post(change, data).status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.secret) == ("新名字", "SECsecret456")
    assert client.post(change, {**data, "clear_secret": "on"}).status_code == 302
    robot.refresh_from_db()
    assert robot.secret == ""


@pytest.mark.django_db
def test_a_robot_belongs_to_a_unit_or_a_campaign_never_both(world):
    both = RobotWebhook(name="x", platform="wecom", url="https://a.cn/", unit=world.lead)
    both.campaign = world.campaign
    with pytest.raises(ValidationError):
        both.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        both.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        RobotWebhook.objects.create(name="y", platform="wecom", url="https://a.cn/")
