"""A webhook delivery's life: send (signed), retry with the notices' backoff, sweep, give up
(then it shows under 发送失败), send again by hand. Subscriptions are set up in the admin."""

import datetime
import http.client
import logging
import ssl
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from notifications.channels import PermanentError, SendError, TransientError
from notifications.services import CLOCK_SKEW, SEND_LEASE, retry_delay
from webhooks.addresses import address_problem
from webhooks.events import send_after_commit
from webhooks.models import WebhookDelivery
from webhooks.permissions import visible_webhook_deliveries
from webhooks.signing import signature

logger = logging.getLogger(__name__)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver that redirects is misconfigured; never carry the event somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _claim(delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    """One more attempt, under a short row lock, and a lease during which nobody else sends."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now + CLOCK_SKEW:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + SEND_LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def _outcome(delivery: WebhookDelivery, error: SendError | None) -> dict:
    done = timezone.now()
    if error is None:
        status = WebhookDelivery.Status.SENT
        return {"status": status, "sent_at": done, "next_attempt_at": None, "last_error": ""}
    if isinstance(error, TransientError) and delivery.attempts < settings.NOTIFY_MAX_ATTEMPTS:
        return {
            "next_attempt_at": done + retry_delay(delivery.attempts),
            "last_error": str(error)[:1000],
        }
    return {
        "status": WebhookDelivery.Status.FAILED,
        "next_attempt_at": None,
        "last_error": str(error)[:1000],
    }


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery if it is pending, due and nobody else is sending it (as
    ``notifications.services.delivery_send``: the lock guards the claim only, never the
    network). Returns the delivery as recorded, or None when nothing was done."""
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    error: SendError | None = None
    try:
        _post(delivery)
    except SendError as raised:
        error = raised
    except Exception as raised:  # a bug or the job's soft time limit: try again later
        logger.exception("webhook delivery %s: unexpected error", delivery.pk)
        error = TransientError(f"{type(raised).__name__}: {raised}")
    changes = _outcome(delivery, error)
    if error is not None:
        logger.warning(
            "webhook delivery %s (attempt %s) failed: %s", delivery.pk, delivery.attempts, error
        )
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    return delivery


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
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    from webhooks.jobs import webhook_delivery_send as job

    for delivery_id in ids:
        job.delay(delivery_id)
    return ids


def webhook_deliveries_prune(*, now: datetime.datetime, keep_days: int) -> int:
    """Forget deliveries sent or given up more than ``keep_days`` ago (pending ones stay)."""
    cutoff = now - datetime.timedelta(days=keep_days)
    deleted, _by_model = WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.Status.SENT, WebhookDelivery.Status.FAILED],
        created_at__lt=cutoff,
    ).delete()
    return deleted


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send a failed delivery again now, with a fresh round of attempts."""
    if not visible_webhook_deliveries(by).filter(pk=delivery.pk).exists():
        raise PermissionDenied
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise RuleViolation(
            _("This message is no longer marked as failed; nothing to send again."),
            code="stale",
        )
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    logger.info("webhook delivery %s: sent again by %s", delivery.pk, by.username)
    send_after_commit([delivery.pk])
    return delivery
