"""Real @-mentions in WeCom and DingTalk robot messages, and what pages show of them."""

import json

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_admin_access_sync
from notifications import channels
from notifications.models import Delivery, RobotWebhook
from notifications.services import delivery_send
from tests.factories import RobotWebhookFactory, UnitFactory, UserFactory
from tests.notifications.helpers import person, tell

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
    page = client.get(reverse("admin:notifications_delivery_change", args=[delivery.pk]))
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
