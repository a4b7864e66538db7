"""Sending one webhook delivery (signed); the rest of its life (retry with backoff, sweep, give
up, then it shows under 发送失败, send again by hand) is the notices' ``DeliveryQueue``.
Subscriptions are set up in the admin."""

import datetime
import http.client
import logging
import ssl
import time
import urllib.error
import urllib.request

from django.conf import settings

from accounts.models import User
from notifications.channels import PermanentError, TransientError
from notifications.delivery_queue import DeliveryQueue
from webhooks.addresses import address_problem
from webhooks.models import WebhookDelivery
from webhooks.permissions import visible_webhook_deliveries
from webhooks.signing import signature

logger = logging.getLogger(__name__)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver that redirects is misconfigured; never carry the event somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


QUEUE = DeliveryQueue(
    model=WebhookDelivery,
    related=("subscription",),
    job="webhooks.jobs.webhook_delivery_send",
    logger=logger,
    name="webhook delivery",
)


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """POST one delivery if it is pending, due and nobody else is sending it; record the
    outcome (``DeliveryQueue.send``, as the notices' deliveries). Returns the delivery as
    recorded, or None when nothing was done."""
    return QUEUE.send(delivery_id=delivery_id, send=_post)


def _post(delivery: WebhookDelivery) -> None:
    """POST the signed body: any 2xx is accepted; 5xx, 408, 429 and no answer are retried;
    any other answer is a refusal. Errors never quote the address (it may carry a key)."""
    subscription = delivery.subscription
    if not subscription.active:
        raise PermanentError("the subscription is switched off")
    problem = address_problem(subscription.url, resolve=True)
    if problem:
        raise PermanentError(f"address refused: {problem}")
    body = delivery.body.encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        subscription.url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Qingdan-Webhooks/1",
            "X-Qingdan-Event": delivery.event,
            "X-Qingdan-Delivery": str(delivery.pk),
            "X-Qingdan-Timestamp": str(timestamp),
            "X-Qingdan-Signature": signature(
                secret=subscription.secret, timestamp=timestamp, body=body
            ),
        },
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        error.close()
        text = f"HTTP {error.code}"
        if error.code >= 500 or error.code in (408, 429):
            raise TransientError(text) from None
        raise PermanentError(text) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLCertVerificationError):
            raise PermanentError(f"TLS certificate: {error.reason.verify_message}") from None
        raise TransientError(f"no connection: {error.reason}") from None
    except (TimeoutError, OSError, http.client.HTTPException) as error:
        raise TransientError(f"no answer: {error or type(error).__name__}") from None


def webhook_deliveries_sweep(
    *, now: datetime.datetime | None = None, limit: int = 500
) -> list[int]:
    """Queue every pending delivery that is due (backoff over, message or worker lost)."""
    return QUEUE.sweep(now=now, limit=limit)


def webhook_deliveries_prune(*, now: datetime.datetime, keep_days: int) -> int:
    """Forget deliveries sent or given up more than ``keep_days`` ago (pending ones stay)."""
    return QUEUE.prune(now=now, keep_days=keep_days)


def webhook_delivery_retry(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send a failed delivery again now, with a fresh round of attempts."""
    return QUEUE.retry(delivery=delivery, by=by, visible=visible_webhook_deliveries(by))
