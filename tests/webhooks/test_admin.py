"""Subscriptions in the admin: the system administrator's; https only; the secret to hand on."""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_admin_access_sync
from tests.factories import UserFactory
from webhooks.models import Subscription


def _admin(world, role, name):
    user = UserFactory(username=name, unit=world.office, roles=[role])
    user_admin_access_sync(user=user)
    return user


@pytest.mark.django_db
def test_the_system_administrator_subscribes_an_https_address(client, world, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client.force_login(_admin(world, Role.SYSADMIN, "sysadmin"))
    add = reverse("admin:webhooks_subscription_add")
    data = {
        "name": "市级督查平台",
        "url": "http://gov.example.cn/hook",
        "events": ["report.created", "task.closed"],
        "active": "on",
    }
    refused = client.post(add, data)
    assert refused.status_code == 200 and not Subscription.objects.exists()
    assert b"https://" in refused.content

    assert client.post(add, {**data, "url": "https://gov.example.cn/hook"}).status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.events == ["report.created", "task.closed"]
    assert len(subscription.secret) >= 40
    change = reverse("admin:webhooks_subscription_change", args=[subscription.pk])
    assert subscription.secret.encode() in client.get(change).content  # to hand to the receiver

    old = subscription.secret
    data = {**data, "url": subscription.url, "new_secret": "on"}
    assert client.post(change, data).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret != old


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECADMIN, Role.AUDITOR])
def test_other_administrators_have_no_subscriptions(client, world, role):
    client.force_login(_admin(world, role, "someone"))
    response = client.get(reverse("admin:webhooks_subscription_changelist"))
    assert response.status_code in (302, 403)
    assert not Subscription.objects.exists()
