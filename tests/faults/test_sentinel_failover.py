"""Drill: the Redis master killed (or switched over) while staff report, Sentinel promoting
its replica.

A Redis set as a city runs it (README "Operations"), on loopback: a master, a replica and
three sentinels (quorum 2, down after 1 s), each a real `redis-server`. Web (gunicorn), a
Celery worker and beat are configured with REDIS_SENTINELS only, as in production. While a
person keeps reporting (each report notifies the unit head, by email too), the master gets
SIGKILL; the sentinels promote the replica. Every report its sender was told was saved is in
the database exactly once, no page answers 500, every notice is delivered once after the
switch, and the same web, worker and beat processes go on with the new master.

The same again with a planned switch (``SENTINEL FAILOVER``), where the old master runs on
and is demoted by the sentinels 8-10 s later: the cache and the beat guard must leave it at
once (config/sentinel.py), or what they write there is lost with the demotion."""

import re
import shutil
import time

import pytest
from django.db import transaction

from benchmarks.load.stack import free_port
from cycles.models import Digest
from notifications.models import Delivery, Notification
from tasks.models import ProgressReport
from tests.conftest import require
from tests.faults.conftest import Person, reporting_in_background, round_due_now, stored_markers
from tests.faults.sentinels import RedisSet
from tests.workers import wait_for

pytestmark = pytest.mark.services
SWITCH_ANSWERS = {200, 302, 503}  # a clean 503 is allowed while no master is named; never 500


@pytest.fixture
def redis_set(tmp_path):
    binary = shutil.which("redis-server")
    require("redis-server", bool(binary), "install Redis (apt-get install redis-server)")
    folder = tmp_path / "redis"
    folder.mkdir()
    running = RedisSet(binary=str(binary), folder=folder)
    try:
        yield running.start()
    finally:
        running.stop()


def _told_saved(outcomes: list) -> int:
    return sum(1 for _, status, _ in outcomes if status == 302)


def _mails_to(folder, address: str) -> int:
    """Messages written by the file mail backend to ``address`` (one file may hold several)."""
    line = re.compile(rf"^To: {re.escape(address)}$", re.MULTILINE)
    return sum(len(line.findall(mail.read_text())) for mail in (folder / "mail").glob("*"))


@pytest.mark.usefixtures("postgres")  # skipped (or failed in CI) before any server starts
@pytest.mark.parametrize("how", ["kill", "switch"])
def test_staff_report_through_a_sentinel_failover_and_nothing_is_lost_or_sent_twice(
    reporting_unit, redis_set, stack, how
):
    # redis_set before stack: the processes stop before the Redis set they talk to.
    stack.env.update(
        # With Sentinel REDIS_URL gives only the database number: nothing listens at its host.
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        REDIS_SENTINELS=redis_set.sentinels,
        REDIS_SENTINEL_MASTER=redis_set.name,
    )
    processes = [
        stack.start_web(workers=1, threads=4),
        stack.start_worker(concurrency=1, pool="solo"),
        stack.start_beat(),
    ]
    stack.wait_until_serving()
    worker_log = stack.folder / "worker0.log"
    staff = Person(stack.hosts[0])
    staff.login("drill_staff")
    task = reporting_unit["tasks"][0]
    with reporting_in_background(stack.hosts[0], task.pk) as (reporter, outcomes):
        wait_for(
            lambda: Delivery.objects.filter(status=Delivery.Status.SENT).exists(),
            timeout=40,
            what="a notice delivered through the first master",
            log=worker_log,
        )
        switched_at = time.time()
        if how == "kill":
            redis_set.kill_master()
        else:
            redis_set.switch_over()

        def switched() -> bool:
            staff.get("/tasks/mine/")  # pages opened during the switch
            return redis_set.current_master() == redis_set.replica_port

        wait_for(switched, timeout=30, what="the sentinels to name the replica master")
        redis_set.wait_for_promotion(timeout=30)
        if how == "switch":
            # Celery's connections leave the old master when it is demoted: a message still
            # queued there then is lost with its data (README "Operations"), so the round
            # below starts after that.
            redis_set.wait_for_demotion(timeout=30)
        # A dispatch round due from now on: beat (every 2 s) has the worker open it on the new
        # master, and the worker queues its digests there.
        with transaction.atomic():  # beat must not find the round half made
            round_campaign, _ = round_due_now()
        after = len(outcomes)
        head = Person(stack.hosts[0])
        head.login("drill_head")  # a session the web's cache writes on the new master
        wait_for(
            lambda: _told_saved(outcomes[after:]) >= 3,
            timeout=30,
            what="reports saved after the failover",
        )

    wait_for(
        lambda: Digest.objects.filter(round__campaign=round_campaign).exists()
        and not Digest.objects.filter(sent_at__isnull=True).exists()
        and not Delivery.objects.exclude(status=Delivery.Status.SENT).exists(),
        timeout=40,
        what="the round's digests and every delivery sent on the new master",
        log=worker_log,
    )
    # No 500, before, during or after the switch.
    answers = {*staff.statuses, *reporter.statuses, *head.statuses}
    assert answers <= SWITCH_ANSWERS, answers
    # Saved exactly when the answer said so, and never twice.
    stored = stored_markers()
    told = {marker for marker, status, _ in outcomes if status == 302}
    assert ProgressReport.objects.count() == len(stored)
    assert told == stored, (len(told), len(stored))
    # One notice per report, each delivered (email too) exactly once.
    notices = Notification.objects.filter(kind=Notification.Kind.REPORT_TO_CONFIRM)
    assert notices.count() == len(stored)
    emails = Delivery.objects.filter(channel="email")
    assert emails.count() == len(stored)
    assert _mails_to(stack.folder / "var", reporting_unit["head"].email) == len(stored)
    # One digest per owner of the round, each sent once, each its notice.
    digests = Digest.objects.filter(round__campaign=round_campaign)
    assert digests.count() == 5
    assert Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == 5
    assert digests.values("notification").distinct().count() == 5
    # The same processes carried on, on the new master: the web's cache holds the session of
    # the login after the switch, and beat claimed periods there after the switch (the 2 s
    # sweep's).
    assert all(process.poll() is None for process in processes)
    new_master = redis_set.client(redis_set.replica_port)
    session = head.session.cookies["sessionid"]
    assert new_master.keys(f"qingdan:*{session}"), session
    claimed = [
        int(key.rsplit(b":", 1)[1]) * 2
        for key in new_master.keys("qingdan:beat:deliveries-sweep:*")
    ]
    assert any(at > switched_at for at in claimed), (claimed, switched_at)
