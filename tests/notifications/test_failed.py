"""发送失败: the failed deliveries, who sees them, and sending them again."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Role
from notifications.models import Channel, Delivery
from notifications.services import delivery_retry
from tests.factories import RobotWebhookFactory, UserFactory

# --- The failed page --------------------------------------------------------------------------


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


# --- Queries do not grow with the number of people --------------------------------------------


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
