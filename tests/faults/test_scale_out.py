"""The scale-out shape on loopback, without Docker: two web processes on two ports (behind
nothing), two Celery workers, one beat, one PostgreSQL (the test database), one Redis (the
tests'), and the Monday mix of the load benchmark (benchmarks/load/locustfile.py) against both
web processes, short and bounded. What must hold whatever the speed: no request fails, every
report a client was told was saved is in the database exactly once, every digest of the round
opened during the run is sent once, and both web processes served the clients."""

import csv
import json
import re

import pytest
import redis

from accounts.models import Role
from benchmarks.load.checks import check_digests, check_reports
from benchmarks.load.prepare import CAMPAIGN_SLUG, monday_campaign
from benchmarks.load.run import open_sessions, round_opens_at, run_locust
from tests.factories import UnitFactory, UserFactory
from tests.workers import purge

pytestmark = pytest.mark.services
USERS = 10  # 8 unit staff on 4 accounts, 2 coordinators, 1 leader
SECONDS = 18
ACCOUNTS = 4
ROWS = 120
# A Locust client's request in gunicorn's access log (not the start-up check's, from urllib).
SERVED = re.compile(r'"(?:GET|POST) /[^"]*" \d+ .*"python/gevent-http-client')


def _monday() -> int:
    """A small Monday: a published list of ROWS generated tasks, a reporting account for each
    of the ACCOUNTS busiest units (their tasks acknowledged), the coordinator and a leader."""
    office = UnitFactory(name="区营商环境建设办公室")
    coordinator = UserFactory(username="coordinator", unit=office, roles=[Role.COORDINATOR])
    UserFactory(username="leader", unit=UnitFactory(name="区人民政府"), roles=[Role.LEADER])
    return monday_campaign(ROWS, organiser=office, coordinators=[coordinator], accounts=ACCOUNTS)


def _totals(folder) -> dict[str, str]:
    with (folder / "stats_stats.csv").open(encoding="utf-8") as handle:
        return next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")


def test_two_webs_two_workers_one_beat_serve_the_monday_mix_and_lose_nothing(
    transactional_db, stack, settings, redis_url
):
    from config.celery import app

    accounts = _monday()
    assert accounts == ACCOUNTS
    purge(app)
    client = redis.Redis.from_url(redis_url)
    for key in client.keys("qingdan:beat:*"):  # periods claimed by earlier tests' beats
        client.delete(key)
    # The sessions are opened here (open_sessions): the servers must sign them with our key.
    stack.env["SECRET_KEY"] = settings.SECRET_KEY
    for _ in range(2):
        stack.start_web(workers=1, threads=4, access_log=True)
    for _ in range(2):
        stack.start_worker(concurrency=1)
    stack.start_beat()
    stack.wait_until_serving()
    open_sessions(USERS, accounts, stack.folder / "sessions.json")
    # The week's round opens while the clients work: beat (every 2 s here) opens it, the
    # workers send its digests.
    began = round_opens_at(8)

    locust = run_locust(
        folder=stack.folder,
        env=stack.env,
        hosts=stack.hosts,
        users=USERS,
        seconds=SECONDS,
        accounts=accounts,
        password=settings.DEMO_PASSWORD,
        max_requests=2_000,
        LOAD_DEMO_CAMPAIGN=CAMPAIGN_SLUG,
    )

    log = (stack.folder / "locust.log").read_text()
    totals = _totals(stack.folder)
    assert int(totals["Request Count"]) > 0, log[-3000:]
    assert int(totals["Failure Count"]) == 0, log[-3000:]
    assert locust.returncode == 0, log[-3000:]
    told = json.loads((stack.folder / "markers.json").read_text())
    assert told, log[-3000:]  # some reports were sent and saved, so the check checks something
    assert check_reports(stack.folder / "markers.json") == []
    assert check_digests(since=began, wait=30) == []
    served = [len(SERVED.findall((stack.folder / f"web{n}.log").read_text())) for n in (0, 1)]
    assert min(served) > 0, served
