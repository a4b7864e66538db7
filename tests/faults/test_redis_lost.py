"""Drill: Redis (the broker) unreachable while staff report.

Web, worker and beat reach Redis through a proxy the test cuts, as if Redis had stopped; the
machine's Redis keeps running for everyone else. While it is cut, staff report (each report
notifies the unit head, by email too): every report is saved, no page answers 500. Once it
is back, the sweep (every 2 s here, every minute in production) queues the sends whose
message could not be queued, and every notice is delivered, once."""

import time

import pytest

from notifications.models import Delivery, Notification
from tasks.models import ProgressReport
from tests.faults.conftest import Person, through
from tests.faults.proxy import TcpProxy
from tests.workers import wait_for

pytestmark = pytest.mark.services


def test_reports_made_while_redis_is_down_are_saved_and_notified_after(
    reporting_unit, stack, stack_env, redis_url
):
    from urllib.parse import urlparse

    real = urlparse(redis_url)
    proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or 6379).start()
    stack.env["REDIS_URL"] = through(redis_url, proxy)
    stack.start_web(workers=1, threads=4)
    stack.start_worker(concurrency=1, pool="solo")
    stack.start_beat()
    stack.wait_until_serving()
    tasks = reporting_unit["tasks"]
    staff = Person(stack.hosts[0])
    staff.login("drill_staff")
    try:
        assert staff.report(tasks[0].pk, "断网前的报送").status_code == 302

        proxy.cut()
        began = time.monotonic()
        for n, task in enumerate(tasks[1:], start=1):
            assert staff.report(task.pk, f"断网期间的报送{n}").status_code == 302
            assert staff.get("/tasks/mine/").status_code == 200
            assert staff.get(f"/tasks/{task.pk}/").status_code == 200
        during = time.monotonic() - began
        assert ProgressReport.objects.count() == len(tasks)
        pending = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
        assert pending >= len(tasks) - 1  # the sends queued while Redis was down wait
        time.sleep(2)
    finally:
        proxy.restore()

    wait_for(
        lambda: not Delivery.objects.exclude(status=Delivery.Status.SENT).exists(),
        timeout=60,
        what="every delivery sent once Redis is back",
        log=stack.folder / "worker0.log",
    )
    notices = Notification.objects.filter(kind=Notification.Kind.REPORT_TO_CONFIRM)
    assert notices.count() == len(tasks)
    assert Delivery.objects.filter(channel="email").count() == len(tasks)
    assert all(d.attempts >= 1 for d in Delivery.objects.all())
    mails = list((stack.folder / "var" / "mail").glob("*"))
    assert mails, "no mail was written"
    assert 500 not in staff.statuses and 502 not in staff.statuses
    # Each report waited for the broker only briefly (kombu's retries), not for a timeout.
    assert during < 60
