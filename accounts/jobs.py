from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.services import deliveries_prune as prune
from accounts.services import deliveries_sweep as sweep
from accounts.services import delivery_send as send
from accounts.services import heartbeat_beat


@shared_task(name="accounts.jobs.heartbeat", ignore_result=True, time_limit=30)
def heartbeat():
    """Beat sends this every minute; the worker running it proves both are alive (/healthz)."""
    heartbeat_beat(name="worker")


@shared_task(name="accounts.jobs.ping", time_limit=30)
def ping():
    heartbeat_beat(name="ping")
    return "pong"


# The soft limit ends a hung send as a retryable failure; the hard one stays below the
# delivery's lease (accounts.services.SEND_LEASE), so no second worker starts meanwhile.
@shared_task(
    name="accounts.jobs.delivery_send", ignore_result=True, soft_time_limit=60, time_limit=90
)
def delivery_send(delivery_id: int) -> None:
    """Send one email or robot message (see ``accounts.services.delivery_send``)."""
    send(delivery_id=delivery_id)


@shared_task(
    name="accounts.jobs.deliveries_sweep", ignore_result=True, soft_time_limit=50, time_limit=60
)
def deliveries_sweep() -> None:
    """Beat sends this every minute: queue the pending deliveries that are due."""
    sweep()


@shared_task(
    name="accounts.jobs.deliveries_prune", ignore_result=True, soft_time_limit=540, time_limit=600
)
def deliveries_prune() -> None:
    """Beat sends this nightly: forget deliveries finished longer ago than the settings keep."""
    prune(now=timezone.now(), keep_days=settings.DELIVERIES_KEEP_DAYS)
