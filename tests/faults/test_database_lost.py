"""Drill: the PostgreSQL connection lost while requests run.

Web and worker reach PostgreSQL through a proxy the test cuts (resetting every open
connection, refusing new ones), as a restart or a network cut would; the machine's server
keeps running. Meanwhile a person keeps reporting. While it is cut every page answers the
clean 503 page (in Chinese), never a 500; once it is back, the same web and worker
processes serve and work again (CONN_HEALTH_CHECKS drops the dead connections), and every
report is in the database exactly when its sender was told it was saved: nothing half
written."""

import time

import pytest

from accounts.models import Heartbeat
from tasks.models import ProgressReport, TaskEvent
from tests.faults.conftest import Person, reporting_in_background, stored_markers, through
from tests.faults.proxy import TcpProxy
from tests.workers import purge, wait_for

pytestmark = pytest.mark.services


def test_web_and_worker_ride_out_a_lost_database(reporting_unit, stack, postgres):
    from urllib.parse import urlparse

    from accounts.jobs import ping
    from config.celery import app

    real = urlparse(postgres)
    proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or 5432).start()
    stack.env["DATABASE_URL"] = through(postgres, proxy)
    web = stack.start_web(workers=1, threads=4)
    worker = stack.start_worker(concurrency=1, pool="solo")
    stack.wait_until_serving()
    purge(app)
    staff = Person(stack.hosts[0])
    staff.login("drill_staff")
    task = reporting_unit["tasks"][0]
    with reporting_in_background(stack.hosts[0], task.pk) as (reporter, outcomes):
        wait_for(lambda: len(outcomes) >= 2, timeout=30, what="reports before the cut")
        proxy.cut()
        try:
            time.sleep(1)
            down = [staff.get("/tasks/mine/"), staff.get(f"/tasks/{task.pk}/"), staff.get("/")]
            ping.delay()  # the worker takes a job while the database is gone
            time.sleep(3)
        finally:
            proxy.restore()
        wait_for(
            lambda: staff.get("/tasks/mine/").status_code == 200, timeout=30, what="web recovers"
        )
        sent_after = len(outcomes)
        wait_for(lambda: len(outcomes) >= sent_after + 2, timeout=30, what="reports after")

    for page in down:
        assert page.status_code == 503
        assert "服务暂时不可用" in page.text
    assert 500 not in staff.statuses and 500 not in reporter.statuses
    # Nothing half written: saved exactly when the answer said so.
    stored = stored_markers()
    assert ProgressReport.objects.count() == len(stored)  # none twice
    told = {marker for marker, status, _ in outcomes if status == 302}
    refused = {marker for marker, status, _ in outcomes if status == 503}
    assert refused
    assert told <= stored, (len(told), len(stored))
    # A report whose answer was lost with the connection after its transaction committed may
    # be saved though its sender was not told: at most the one in flight at the cut.
    assert len(stored - told) <= 1
    # Each stored report is whole: its evidence file and its history event.
    for report in ProgressReport.objects.all():
        assert report.evidence.count() == 1
        assert TaskEvent.objects.filter(
            kind=TaskEvent.Kind.REPORT_SUBMITTED, after__report_id=report.pk
        ).exists()
    # The same processes serve and work on: no restart.
    assert web.poll() is None and worker.poll() is None
    before = Heartbeat.objects.filter(name="ping").first()
    ping.delay()
    wait_for(
        lambda: (beat := Heartbeat.objects.filter(name="ping").first()) is not None
        and (before is None or beat.at > before.at),
        timeout=30,
        what="the worker runs a job again",
        log=stack.folder / "worker0.log",
    )
    assert worker.poll() is None
