"""Run twice, concurrently, on a real worker, after a worker died: one effect."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from accounts.models import Role
from cycles import schedule
from cycles.jobs import run_due_cycles, send_digests
from cycles.models import Digest, DispatchRound, RoundItem
from cycles.services import cycles_run, digest_send, round_open
from notifications.models import Notification
from tests.conftest import require
from tests.factories import TaskFactory, UserFactory
from tests.workers import purge, running_worker, start_worker, stop, wait_for


def open_now(world):
    """A schedule whose round opened at midnight today, so `now` (the real clock) is inside it,
    and whose second reminder (tomorrow 22:00) is still to come at any hour of today."""
    today = timezone.localtime()
    c = world.campaign
    c.dispatch_weekday, c.dispatch_time = today.weekday(), datetime.time(0, 0)
    c.report_due_weekday, c.report_due_time = (today.weekday() + 1) % 7, datetime.time(23, 0)
    c.reminder_hours_before_due = 1
    c.start_date = datetime.date(2026, 1, 1)
    c.save()
    world.other_campaign.dispatch_enabled = False
    world.other_campaign.save()
    owners = [
        UserFactory(username=f"owner{n}", unit=world.other, roles=[Role.STAFF]) for n in range(3)
    ]
    for n, owner in enumerate(owners):
        for _ in range(n + 1):
            TaskFactory(task_list=world.task_list, lead_unit=world.other, specific_owner=owner)
    return owners


def one_of_each():
    rounds = DispatchRound.objects.count()
    per_key = Digest.objects.values("round", "recipient", "kind").distinct().count()
    return rounds, per_key, Digest.objects.count()


@pytest.mark.django_db
def test_each_job_called_twice_eagerly_acts_once(world):
    open_now(world)

    run_due_cycles.apply()
    run_due_cycles.apply()
    ids = list(Digest.objects.values_list("pk", flat=True))
    send_digests.apply(args=[ids])
    send_digests.apply(args=[ids])

    assert DispatchRound.objects.count() == 1
    assert Digest.objects.filter(sent_at__isnull=False).count() == len(ids) == 4
    assert Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == 4


def _postgres():
    require(
        "PostgreSQL (DATABASE_URL)",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://... to run the concurrency tests (CI does)",
    )


def _in_threads(target, n: int = 4) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_on_postgres_open_one_round_and_one_digest_each(world):
    _postgres()
    open_now(world)
    now = timezone.now()

    _in_threads(lambda: cycles_run(now=now))

    assert one_of_each() == (1, 4, 4)
    assert RoundItem.objects.count() == 7  # 6 owned tasks + world.task


@pytest.mark.django_db
def test_a_round_opened_after_its_reminder_time_is_marked_reminded_as_it_opens(world):
    """What a concurrent run sees the instant the opening commits (the race CI once hit: the
    owners got the opening digest and then the reminder)."""
    open_now(world)
    times = schedule.round_times(world.campaign, schedule.week_start(timezone.localdate()))
    late = times.reminder_at + datetime.timedelta(minutes=5)

    opened = round_open(campaign=world.campaign, times=times, now=late)
    cycles_run(now=late)  # the other run, which found the round open

    assert DispatchRound.objects.get(pk=opened.pk).reminded_at == late
    assert not Digest.objects.filter(kind=Digest.Kind.REMINDER).exists()
    assert Digest.objects.filter(kind=Digest.Kind.OPENING).count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_a_round_opened_after_its_reminder_time_send_no_owner_a_reminder(
    world,
):
    """The server was down until past the reminder: the opening digest is the owners' only one.
    A second run that sees the round open must not take it for one still to remind."""
    _postgres()
    open_now(world)
    times = schedule.round_times(world.campaign, schedule.week_start(timezone.localdate()))
    late = times.reminder_at + datetime.timedelta(minutes=5)

    _in_threads(lambda: cycles_run(now=late))

    assert one_of_each() == (1, 4, 4)
    assert set(Digest.objects.values_list("kind", flat=True)) == {Digest.Kind.OPENING}
    assert DispatchRound.objects.get().reminded_at == late


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_digest_notify_once(world):
    _postgres()
    open_now(world)
    cycles_run(now=timezone.now())
    digest = Digest.objects.first()

    results = _in_threads(lambda: digest_send(digest_id=digest.pk))

    assert sorted(results) == [False, False, False, True]
    assert Notification.objects.filter(recipient=digest.recipient).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_job_on_a_real_worker_opens_the_round_and_notifies(
    world, redis_url, tmp_path
):
    from config.celery import app

    owners = open_now(world)
    log = tmp_path / "worker.log"
    purge(app)
    with running_worker(redis_url, log):
        run_due_cycles.delay()  # what beat sends every few minutes
        wait_for(
            lambda: Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == 4,
            what="four digests",
            log=log,
        )
    assert DispatchRound.objects.count() == 1
    for owner in owners:
        assert Notification.objects.filter(recipient=owner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_redelivered_after_its_worker_died_still_yields_one_digest_each(
    world, redis_url, tmp_path
):
    """Worker A takes the send job and blocks on a row lock we hold; we kill it with SIGKILL;
    Redis hands the unacknowledged job to worker B once its visibility timeout passes."""
    from config.celery import app

    open_now(world)
    cycles_run(now=timezone.now())
    ids = list(Digest.objects.values_list("pk", flat=True))
    log = tmp_path / "worker.log"
    purge(app)
    fast = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    holder_ready, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            list(Digest.objects.select_for_update().filter(pk__in=ids))
            holder_ready.set()
            release.wait(timeout=120)
        connection.close()
        done.set()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holder_ready.wait(timeout=10)
    worker_a = start_worker(redis_url, log, "a", **fast)
    try:
        send_digests.delay(ids)
        wait_for(
            lambda: "send_digests" in log.read_text() and "received" in log.read_text(),
            what="worker A to take the job",
            log=log,
        )
        stop(worker_a, kill=True)  # dies mid-job, before acknowledging it
    finally:
        release.set()
        done.wait(timeout=30)
        holder.join(timeout=30)
    assert Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == 0
    with running_worker(redis_url, log, "b", **fast):
        wait_for(
            lambda: Digest.objects.filter(sent_at__isnull=False).count() == len(ids),
            timeout=90,
            what="worker B to send the redelivered digests",
            log=log,
        )
    assert Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == len(ids)
    per_person = (
        Notification.objects.filter(kind=Notification.Kind.DIGEST)
        .values("recipient")
        .distinct()
        .count()
    )
    assert per_person == len(ids)
