"""Robots carry no one's link, image or mention, and post only to the platforms (the phishing
answer and the 127.0.0.1 webhook of the security test, replayed)."""

import pytest
from django.core.exceptions import ValidationError

from notifications import channels
from notifications.channels import Message, PermanentError, Person
from notifications.models import RobotWebhook
from notifications.webhooks import inert_text, webhook_problem

PHISH = "已整改完毕 [在清单通中打开](http://phish.example/login) ![img](http://x/y.png) <@all> @13800000000"


@pytest.fixture(autouse=True)
def platform_defaults(settings):
    """The settings as deployed (tests/notifications/conftest.py relaxes them for its robots)."""
    settings.ROBOT_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
    settings.ROBOT_WEBHOOK_ALLOW_HTTP = False
    settings.ROBOT_WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize("platform", [channels.WECOM, channels.DINGTALK])
def test_a_persons_text_carries_no_link_image_or_mention(platform):
    message = Message(
        title="回复：[点我](http://evil)",
        body=PHISH,
        url="https://qingdan.example.gov.cn/tasks/1/",
        people=[Person(name="张三](http://evil)", unit="区<@x>局")],
    )

    text = channels.robot_markdown(message, platform=platform).text

    # Only the message's own link is a link.
    assert text.count("](") == 1 and "](https://qingdan.example.gov.cn/tasks/1/)" in text
    assert "![" not in text and "<@all>" not in text and "http://" not in text
    assert "@13800000000" not in text  # a number typed in an answer pings nobody
    assert "［在清单通中打开］（http：//phish.example/login）" in text  # still readable


def test_the_robot_posts_nothing_of_a_persons_markup_into_dingtalks_at_list():
    message = Message(
        title="t", body="@13900000000 请看", people=[Person(name="李四", mobile="13800000000")]
    )
    payload = channels.dingtalk_payload(message)
    assert payload["at"]["atMobiles"] == ["13800000000"]  # the person named, not the typed one
    assert "@13900000000" not in payload["markdown"]["text"]


def test_inert_text_keeps_chinese_and_plain_words():
    assert inert_text("推进（一）项，完成率 65%") == "推进（一）项，完成率 65%"
    assert inert_text("see www.example.com") == "see www．example.com"


@pytest.mark.parametrize(
    "url",
    [
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",  # not https
        "https://127.0.0.1/cgi-bin/webhook/send?key=k",
        "https://10.0.0.8/robot/send",
        "https://[::1]/robot/send",
        "https://evil.example/robot/send",
        "https://user:pw@oapi.dingtalk.com/robot/send",
        "https://oapi.dingtalk.com.evil.example/robot/send",
        "ftp://oapi.dingtalk.com/",
    ],
)
def test_webhook_addresses_outside_the_platforms_are_refused(url, settings):
    assert webhook_problem(url)
    robot = RobotWebhook(name="群", platform="dingtalk", url=url, unit_id=1)
    with pytest.raises(ValidationError) as error:
        robot.clean()
    assert "url" in error.value.message_dict


def test_an_allowed_host_that_resolves_to_a_private_address_is_refused_when_sending(
    settings, monkeypatch
):
    settings.ROBOT_WEBHOOK_HOSTS = ["relay.example.gov.cn"]
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("192.168.1.5", 443))])
    url = "https://relay.example.gov.cn/cgi-bin/webhook/send?key=k"

    assert webhook_problem(url) == ""  # the name itself is allowed
    with pytest.raises(PermanentError):
        channels.send_wecom(url=url, message=Message(title="t"))


def test_the_platforms_own_addresses_are_accepted():
    assert webhook_problem("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc") == ""
    assert webhook_problem("https://oapi.dingtalk.com/robot/send?access_token=abc") == ""
