"""Group robots in the admin: never their key or secret; a unit or a campaign, never both."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_admin_access_sync
from notifications.models import RobotWebhook
from tests.factories import RobotWebhookFactory, UserFactory

# --- Robots in the admin ----------------------------------------------------------------------


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

    listing = client.get(reverse("admin:notifications_robotwebhook_changelist"))
    assert listing.status_code == 200
    assert b"oapi.dingtalk.com" in listing.content
    assert b"TOKEN123" not in listing.content and b"SECsecret456" not in listing.content
    form = client.get(reverse("admin:notifications_robotwebhook_change", args=[robot.pk]))
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
    change = reverse("admin:notifications_robotwebhook_change", args=[robot.pk])
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
