"""Two beat schedulers at once still send each scheduled job once per period (config/beat.py)."""

import datetime
import json
import re
import time

import pytest
import redis
from celery.beat import ScheduleEntry
from celery.schedules import crontab, schedule

from benchmarks.load.stack import Stack
from config.beat import period_claim, period_key


class FakeRedis:
    """SET NX EX, the one command the guard uses."""

    def __init__(self):
        self.keys: dict[str, str] = {}

    def set(self, key, value, nx=False, ex=None):
        if nx and key in self.keys:
            return None
        self.keys[key] = value
        return True


def entry(name: str, every) -> ScheduleEntry:
    return ScheduleEntry(name=name, task=f"jobs.{name}", schedule=every)


def test_one_claim_per_period_whoever_asks():
    client = FakeRedis()
    job = entry("cycles", schedule(datetime.timedelta(seconds=300)))

    first = period_claim(client, job, now=600.0)
    second = period_claim(client, job, now=899.0)  # the other beat, later in the same period
    third = period_claim(client, job, now=900.0)  # the next period

    assert (first, second, third) == (True, False, True)


def test_crontab_jobs_are_claimed_per_minute_and_jobs_do_not_share_keys():
    nightly = entry("prune", crontab(hour=3, minute=10))
    other = entry("audit", crontab(hour=3, minute=10))

    assert period_key(nightly, 120.0)[0] == period_key(nightly, 179.0)[0]
    assert period_key(nightly, 120.0)[0] != period_key(nightly, 180.0)[0]
    assert period_key(nightly, 120.0)[0] != period_key(other, 120.0)[0]
    assert period_key(nightly, 120.0)[1] >= 120  # kept past the period


SENDING = re.compile(
    r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+): INFO/MainProcess\] Scheduler: Sending due task "
    r"run-due-cycles"
)


def _sent(client) -> dict[str, int]:
    """The jobs waiting in the queue (no worker runs here), by name."""
    counts: dict[str, int] = {}
    for raw in client.lrange("celery", 0, -1):
        name = json.loads(raw)["headers"]["task"]
        counts[name] = counts.get(name, 0) + 1
    return counts


def _wait_for_first_send(folder, deadline: float) -> None:
    while time.monotonic() < deadline:
        logs = [folder / "beat-a.log", folder / "beat-b.log"]
        if any(log.exists() and SENDING.search(log.read_text()) for log in logs):
            return
        time.sleep(0.2)
    raise AssertionError("neither beat sent a job within 60 s of starting")


@pytest.mark.services
def test_two_beats_for_many_periods_send_each_job_once_per_period(tmp_path, stack_env, redis_url):
    client = redis.Redis.from_url(redis_url)
    client.delete("celery", *client.keys("qingdan:beat:*"))
    period = 2.0
    stack = Stack(folder=tmp_path, env={**stack_env, "CYCLES_EVERY_SECONDS": str(period)})
    try:
        stack.start_beat("beat-a")
        stack.start_beat("beat-b")
        # Both schedulers running side by side for 14 s from the first send: under a loaded
        # test run a beat's start-up alone (Django and Celery imported) has taken 10 s.
        _wait_for_first_send(tmp_path, deadline=time.monotonic() + 60)
        time.sleep(14)
    finally:
        stack.stop()
    runs = _sent(client).get("cycles.jobs.run_due_cycles", 0)
    client.delete("celery")
    logs = (tmp_path / "beat-a.log").read_text() + (tmp_path / "beat-b.log").read_text()
    sends = sorted(
        datetime.datetime.strptime(match, "%Y-%m-%d %H:%M:%S,%f") for match in SENDING.findall(logs)
    )
    assert runs == len(sends) >= 3, (runs, logs[-3000:])
    # Sent once per period: no more sends than periods between the first and the last (each
    # beat alone sends every period, so two unguarded beats send about twice as many).
    span = (sends[-1] - sends[0]).total_seconds()
    assert runs <= span / period + 2, (runs, span, logs[-3000:])
    assert "sent for this period by another scheduler" in logs
