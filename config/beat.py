"""One scheduler's worth of jobs, however many ``celery beat`` processes run.

Exactly one beat should run (the README, compose), but a second one started by mistake, or
an old one that did not stop during a deploy, would send every scheduled job twice. So each
send first claims the job's period in Redis: ``SET qingdan:beat:<job>:<period number> NX``,
the period number being the time divided by the job's interval (a minute for crontab jobs,
which fire at most once a minute). The first beat to claim a period sends the job; any other
finds the key taken and skips it, and both carry on with their schedule. Periods are counted
from the epoch, so two beats started at different moments still agree on them.

Without Redis (the embedded default) there is one machine and one beat: no guard.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import schedule

log = logging.getLogger(__name__)
KEY = "qingdan:beat:{name}:{period}"
CRONTAB_PERIOD = 60.0


def period_seconds(entry: ScheduleEntry) -> float:
    """How long one period of ``entry`` is: its interval, or a minute for crontab jobs."""
    if type(entry.schedule) is schedule:
        return max(1.0, entry.schedule.run_every.total_seconds())
    return CRONTAB_PERIOD


def period_key(entry: ScheduleEntry, now: float) -> tuple[str, int]:
    """The Redis key of the period ``now`` falls in, and how long to keep it (seconds)."""
    seconds = period_seconds(entry)
    return KEY.format(name=entry.name, period=int(now // seconds)), int(seconds * 2) + 60


def period_claim(client, entry: ScheduleEntry, now: float | None = None) -> bool:
    """True when this scheduler is the first to send ``entry`` in the current period."""
    key, keep = period_key(entry, time.time() if now is None else now)
    owner = f"{socket.gethostname()}:{os.getpid()}"
    return bool(client.set(key, owner, nx=True, ex=keep))


class SingleScheduler(PersistentScheduler):
    """celery beat's file-backed scheduler, sending each job once per period across beats."""

    _client = None

    def redis(self):
        if self._client is None:
            from django.conf import settings

            from config.sentinel import redis_client

            self._client = redis_client(settings.REDIS_URL, socket_timeout=5)
        return self._client

    def apply_entry(self, entry, producer=None):
        try:
            claimed = period_claim(self.redis(), entry)
        except Exception:  # Redis down: the send would fail too; the next period tries again
            log.warning("beat: could not claim %s's period in Redis; skipped", entry.name)
            return
        if not claimed:
            log.info("beat: %s was sent for this period by another scheduler", entry.name)
            return
        super().apply_entry(entry, producer=producer)
