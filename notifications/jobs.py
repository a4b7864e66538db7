from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications.services import deliveries_prune as prune
from notifications.services import deliveries_sweep as sweep
from notifications.services import delivery_send as send

# These jobs do not use Celery's retries: a delivery's own row keeps its attempts and when it
# is next due, and the sweep queues it again (see notifications.delivery_queue).


# The soft limit ends a hung send as a retryable failure; the hard one stays below the
# delivery's lease (notifications.delivery_queue.SEND_LEASE), so no second worker starts meanwhile.
@shared_task(
    name="notifications.jobs.delivery_send",
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def delivery_send(delivery_id: int) -> None:
    """Send one email or robot message (see ``notifications.services.delivery_send``)."""
    send(delivery_id=delivery_id)


@shared_task(
    name="notifications.jobs.deliveries_sweep",
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
)
def deliveries_sweep() -> None:
    """Beat sends this every minute: queue the pending deliveries that are due."""
    sweep()


@shared_task(
    name="notifications.jobs.deliveries_prune",
    ignore_result=True,
    soft_time_limit=540,
    time_limit=600,
)
def deliveries_prune() -> None:
    """Beat sends this nightly: forget deliveries finished longer ago than the settings keep."""
    prune(now=timezone.now(), keep_days=settings.DELIVERIES_KEEP_DAYS)
