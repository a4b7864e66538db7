"""Celery jobs of the cycles. Each takes ids or nothing, reloads rows, and calls a service;
every service here acts once however often it runs, so a job may run again safely."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from cycles.services import cycles_run, digest_send

log = logging.getLogger(__name__)

# Failures that may pass by themselves: the database locked, restarted or unreachable for a
# moment, a connection dropped. Anything else is a fault that retrying would only repeat.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY_BACKOFF = 5  # seconds before the first retry, doubling (with jitter) each time after
RETRY_BACKOFF_MAX = 300


# No retry: beat sends it again within CYCLES_EVERY_SECONDS and each run does what is still due.
@shared_task(name="cycles.jobs.run_due_cycles", time_limit=600, soft_time_limit=540)
def run_due_cycles() -> dict:
    """Beat sends this every few minutes: do whatever the cycles owe at this instant."""
    return cycles_run(now=timezone.now()).as_dict()


@shared_task(
    bind=True,
    name="cycles.jobs.send_digests",
    time_limit=300,
    soft_time_limit=270,
    max_retries=5,
)
def send_digests(self, digest_ids: list[int], sent_before: int = 0) -> int:
    """Send a batch of digests; one already sent (a redelivered job) is skipped by the service.
    One digest that fails does not stop the others. Those that failed with a transient error
    are sent again by Celery's retry (only they, with backoff, up to ``max_retries`` times);
    any other failure, or one still failing then, stays unsent and is queued again by
    ``digests_requeue``. Returns the digests this job sent, over all its attempts."""
    sent, failed = 0, []
    for digest_id in digest_ids:
        try:
            sent += digest_send(digest_id=digest_id)
        except SoftTimeLimitExceeded:
            raise  # out of time: the rest is queued again by the sweep
        except TRANSIENT:
            log.warning("digest %s was not sent; will retry", digest_id, exc_info=True)
            failed.append(digest_id)
        except Exception:
            log.exception("digest %s was not sent", digest_id)
    if failed:
        _retry(self, failed, sent_before + sent)
    return sent_before + sent


def _retry(job, digest_ids: list[int], sent: int) -> None:
    """Hand the failed digests back to Celery to try again later, unless the retries are spent
    (or the job was called as a plain function): then they are left to ``digests_requeue``."""
    if job.request.called_directly or job.request.retries >= job.max_retries:
        log.error("%d digests left unsent; digests_requeue queues them again", len(digest_ids))
        return
    countdown = get_exponential_backoff_interval(
        factor=RETRY_BACKOFF,
        retries=job.request.retries,
        maximum=RETRY_BACKOFF_MAX,
        full_jitter=True,
    )
    raise job.retry(args=[digest_ids], kwargs={"sent_before": sent}, countdown=countdown)
