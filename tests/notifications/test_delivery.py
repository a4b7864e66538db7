"""A delivery's life: retries with backoff, the job that claims it, the sweep, a real worker."""

import datetime

import pytest
from django.db import transaction

from notifications import jobs, services
from notifications.models import Channel, Delivery, RobotWebhook
from notifications.services import deliveries_sweep, delivery_send
from tests.factories import RobotWebhookFactory
from tests.notifications.helpers import tell
from tests.workers import database_url, running_worker, wait_for

# --- Retries ----------------------------------------------------------------------------------


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


# --- The job: idempotent, and the sweep -------------------------------------------------------


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
    from notifications.services import SEND_LEASE

    assert SEND_LEASE.total_seconds() > jobs.delivery_send.time_limit


# --- A real worker on the real broker ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_robot_message(redis_url, tmp_path, world, robot_server):
    database_url()  # skips on SQLite: the worker needs a database it can share
    robot = RobotWebhookFactory(unit=world.lead, url=robot_server.url())
    log = tmp_path / "worker.log"
    # The worker reads its settings from the environment: let it post to the test's robot.
    local = {
        "ROBOT_WEBHOOK_HOSTS": "127.0.0.1",
        "ROBOT_WEBHOOK_ALLOW_HTTP": "true",
        "ROBOT_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with running_worker(redis_url, log, "test-notify", **local):
        with transaction.atomic():
            tell([world.lead_staff])  # queued by on_commit, sent by the worker
        delivery = Delivery.objects.get(robot=robot)

        def sent():
            delivery.refresh_from_db()
            return delivery.status != Delivery.Status.PENDING

        wait_for(sent, 60, "the delivery to be sent", log)
        assert delivery.status == Delivery.Status.SENT, log.read_text()
        assert len(robot_server.requests) == 1
        assert "推行容缺受理机制" in robot_server.requests[0]["json"]["markdown"]["content"]
