"""Celery jobs of the cycles. Each takes ids or nothing, reloads rows, and calls a service."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from cycles.services import cycles_run, digest_send

log = logging.getLogger(__name__)


@shared_task(name="cycles.jobs.run_due_cycles", time_limit=600, soft_time_limit=540)
def run_due_cycles() -> dict:
    """Beat sends this every few minutes: do whatever the cycles owe at this instant."""
    return cycles_run(now=timezone.now()).as_dict()


@shared_task(
    name="cycles.jobs.send_digests",
    time_limit=300,
    soft_time_limit=270,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_digests(digest_ids: list[int]) -> int:
    """Send a batch of digests; one already sent (a redelivered job) is skipped by the service.
    One digest that fails does not stop the others; it stays unsent and is queued again by
    ``digests_requeue``."""
    sent = 0
    for digest_id in digest_ids:
        try:
            sent += digest_send(digest_id=digest_id)
        except SoftTimeLimitExceeded:
            raise  # out of time: the rest is queued again by the sweep
        except Exception:
            log.exception("digest %s was not sent", digest_id)
    return sent
