"""notify(): the in-app notice always, and beside it an email and group robot messages by
each person's choice, in as many queries for thirty people as for three."""

import base64
import hashlib
import hmac
import time
from urllib.parse import unquote_plus

import pytest
from django.db import transaction

from notifications import jobs
from notifications.models import Channel, Delivery, Notification, RobotWebhook
from notifications.services import deliveries_sweep, delivery_send
from tasks.services import instruction_give
from tests.factories import RobotWebhookFactory, UnitFactory
from tests.notifications.helpers import person, tell

# --- The bell is always written ---------------------------------------------------------------


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


# --- Email ------------------------------------------------------------------------------------


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
    settings.EMAIL_BACKEND = "tests.notifications.helpers.RefusingBackend"
    staff = person("mail_staff", world.lead, email="x@example.gov.cn")
    tell([staff])
    delivery = Delivery.objects.get(channel=Channel.EMAIL)

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert "550" in delivery.last_error


# --- Group robots -----------------------------------------------------------------------------


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


# --- Preferences ------------------------------------------------------------------------------


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


# --- Queries do not grow with the number of people --------------------------------------------


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
