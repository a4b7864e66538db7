"""Webhooks out: events fired by the services, signed, retried, and shown under 发送失败."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from tasks.models import TaskRequest
from tasks.services import one_transaction, report_submit, request_create, request_decide
from tests.factories import UserFactory
from tests.tasks import files
from tests.workers import database_url, running_worker, wait_for
from webhooks.events import REPORT_CREATED, webhook_emit
from webhooks.models import Subscription, WebhookDelivery
from webhooks.services import webhook_deliveries_sweep, webhook_delivery_send


def _report(world, **extra):
    return report_submit(task=world.task, by=world.lead_staff, text="已完成", percent=40, **extra)


@pytest.mark.django_db
def test_a_report_is_announced_signed_once_the_service_commits(
    world, receiver, subscription, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = _report(world)
    delivery = WebhookDelivery.objects.get()
    assert queued == [delivery.pk]  # queued on commit, not before

    webhook_delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SENT and delivery.attempts == 1
    (got,) = receiver.received
    assert got["valid"], "the receiver could not verify the signature"
    assert got["event"] == "report.created" and got["delivery"] == str(delivery.pk)
    assert got["json"]["event"] == "report.created"
    assert got["json"]["data"]["report"] == report.pk
    assert got["json"]["data"]["task"] == world.task.pk
    assert got["json"]["data"]["percent"] == 40


@pytest.mark.django_db
def test_a_wrong_secret_fails_verification(world, receiver, subscription, queued):
    _report(world)
    receiver.secret = "another-secret"
    receiver.answers.append(401)
    delivery = webhook_delivery_send(delivery_id=WebhookDelivery.objects.get().pk)
    assert receiver.received[0]["valid"] is False
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.last_error == "HTTP 401"


@pytest.mark.django_db
def test_only_subscribed_and_active_addresses_hear_an_event(world, receiver, subscription, queued):
    Subscription.objects.create(name="只听销号", url=receiver.url(), events=["task.closed"])
    Subscription.objects.create(
        name="已停用", url=receiver.url(), events=["report.created"], active=False
    )
    _report(world)
    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [subscription.pk]


@pytest.mark.django_db
def test_a_refused_service_call_announces_nothing(world, subscription, queued):
    with pytest.raises(PermissionDenied):
        report_submit(task=world.task, by=world.other_staff, text="越权", percent=10)
    assert not WebhookDelivery.objects.exists() and queued == []


@pytest.mark.django_db
def test_an_approved_close_out_announces_the_decision_and_the_closed_task(
    world, subscription, queued
):
    world.campaign.coordinators.add(world.coordinator)
    request = request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="完成", files=[files.pdf()]
    )
    request_decide(request=request, by=world.coordinator, approve=True)
    events = list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["request.decided", "task.closed"]
    request.refresh_from_db()
    assert request.status == TaskRequest.Status.APPROVED


@pytest.mark.django_db
def test_a_failing_receiver_gets_retries_then_appears_under_failed_sends(
    client, world, receiver, subscription, queued, clock
):
    _report(world)
    delivery = WebhookDelivery.objects.get()
    receiver.answers.extend([500, 503, 502])

    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 500")
    assert delivery.next_attempt_at == clock.now + datetime.timedelta(seconds=60)
    queued.clear()
    assert webhook_deliveries_sweep() == [] and queued == []  # not due yet

    clock.advance(seconds=61)
    assert webhook_deliveries_sweep() == [delivery.pk]
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at == clock.now + datetime.timedelta(seconds=120)

    clock.advance(seconds=121)
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)  # NOTIFY_MAX_ATTEMPTS
    assert len(receiver.received) == 3

    sysadmin = UserFactory(username="sys", unit=world.office, roles=[Role.SYSADMIN])
    client.force_login(sysadmin)
    page = client.get(reverse("deliveries_failed"))
    assert f'data-webhook-delivery="{delivery.pk}"'.encode() in page.content
    assert b"HTTP 502" in page.content and "市级督查平台".encode() in page.content
    assert b"percent" not in page.content  # never the body (task content)

    # Sending again: a fresh round of attempts, and the receiver now accepts.
    response = client.post(reverse("webhook_delivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and receiver.received[-1]["valid"]


@pytest.mark.django_db
def test_failed_webhooks_are_for_the_system_administrator_only(client, world, subscription):
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="report.created", body="{}", status="failed"
    )
    client.force_login(world.coordinator)
    page = client.get(reverse("deliveries_failed"))
    assert page.status_code == 200
    assert f'data-webhook-delivery="{delivery.pk}"'.encode() not in page.content
    response = client.post(reverse("webhook_delivery_retry", args=[delivery.pk]))
    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 0


@pytest.mark.django_db
def test_a_switched_off_subscription_gives_up_without_posting(
    world, receiver, subscription, queued
):
    _report(world)
    Subscription.objects.update(active=False)
    delivery = webhook_delivery_send(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == "failed" and receiver.received == []


@pytest.mark.django_db
def test_the_job_run_twice_posts_once(world, receiver, subscription, queued):
    _report(world)
    pk = WebhookDelivery.objects.get().pk
    webhook_delivery_send(delivery_id=pk)
    assert webhook_delivery_send(delivery_id=pk) is None
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://gov.example.cn/hook", True),
        ("https://10.1.2.3/hook", True),  # the government's own network
        ("http://gov.example.cn/hook", False),
        ("ftp://gov.example.cn/hook", False),
        ("https://user:pw@gov.example.cn/hook", False),
        ("https://127.0.0.1/hook", False),
        ("https://[::1]/hook", False),
        ("https://169.254.169.254/latest", False),
        ("https://0.0.0.0/hook", False),
        ("http://127.0.0.1:8000/hook", False),
    ],
)
def test_only_https_addresses_away_from_this_machine_are_accepted(settings, url, allowed):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    subscription = Subscription(name="x", url=url, events=["task.closed"])
    if allowed:
        subscription.clean()
    else:
        with pytest.raises(ValidationError):
            subscription.clean()


def test_loopback_over_http_needs_the_settings_flag(settings):
    subscription = Subscription(name="x", url="http://127.0.0.1:8000/h", events=["task.closed"])
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    subscription.clean()
    subscription.events = ["task.deleted"]
    with pytest.raises(ValidationError):
        subscription.clean()  # an event that does not exist


def test_beat_sweeps_webhook_deliveries_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["webhook-deliveries-sweep"]
    assert entry["task"] == "webhooks.jobs.webhook_deliveries_sweep"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db
def test_many_reports_in_one_transaction_read_the_subscriptions_once(
    world, subscription, queued, django_assert_num_queries
):
    # The subscriptions once, then one insert per event.
    with one_transaction(), django_assert_num_queries(3):
        webhook_emit(event=REPORT_CREATED, data={"report": 1})
        webhook_emit(event=REPORT_CREATED, data={"report": 2})
    assert WebhookDelivery.objects.count() == 2


# --- A real worker on the real broker ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_signed_event(redis_url, tmp_path, world, receiver):
    database_url()  # skips on SQLite: the worker needs a database it can share
    subscription = Subscription.objects.create(
        name="市级督查平台", url=receiver.url(), events=["report.created"]
    )
    receiver.secret = subscription.secret
    log = tmp_path / "worker.log"
    with running_worker(redis_url, log, "test-webhooks", WEBHOOKS_ALLOW_LOOPBACK="true"):
        _report(world)  # its own transaction: queued on commit, sent by the worker
        delivery = WebhookDelivery.objects.get()

        def done():
            delivery.refresh_from_db()
            return delivery.status != WebhookDelivery.Status.PENDING

        wait_for(done, 60, "the webhook to be sent", log)
    assert delivery.status == WebhookDelivery.Status.SENT, log.read_text()
    (got,) = receiver.received
    assert got["valid"] and got["json"]["data"]["task"] == world.task.pk
