from celery import shared_task
from django.conf import settings
from django.utils import timezone

from webhooks import services

# Like the notices' deliveries: no Celery retries; the row keeps its attempts and when it is
# next due, and the sweep queues it again.


@shared_task(
    name="webhooks.jobs.webhook_delivery_send",
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
)
def webhook_delivery_send(delivery_id: int) -> None:
    """POST one signed event (see ``webhooks.services.webhook_delivery_send``)."""
    services.webhook_delivery_send(delivery_id=delivery_id)


@shared_task(
    name="webhooks.jobs.webhook_deliveries_sweep",
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
)
def webhook_deliveries_sweep() -> None:
    """Beat sends this every minute: queue the pending deliveries that are due."""
    services.webhook_deliveries_sweep()


@shared_task(
    name="webhooks.jobs.webhook_deliveries_prune",
    ignore_result=True,
    soft_time_limit=540,
    time_limit=600,
)
def webhook_deliveries_prune() -> None:
    """Beat sends this nightly, with the notices' deliveries' keep period."""
    services.webhook_deliveries_prune(now=timezone.now(), keep_days=settings.DELIVERIES_KEEP_DAYS)
