"""通知设置: the channels a person chooses, and the mobile number and WeCom account robots
@ them by (who sets them, who sees them)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_admin_access_sync
from config.errors import RuleViolation
from notifications import services
from tests.factories import UserFactory

# --- Preferences ------------------------------------------------------------------------------


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


# --- Mobile number and WeCom account: who sets them, who sees them ----------------------------


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
