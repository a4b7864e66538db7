"""The life of a message on its way out, the same for a notice's email or robot message
(``notifications.models.Delivery``) and for a webhook event (``webhooks.models.WebhookDelivery``):
claim under a lease, send, record the outcome, retry with backoff, sweep, prune, give up (then
it shows under 发送失败) and send again by hand. What is sent, and how, is the caller's ``send``.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from notifications.channels import SendError, TransientError
from notifications.models import DeliveryBase

# A worker that claimed a delivery owns it this long: longer than the send job may run.
SEND_LEASE = datetime.timedelta(seconds=120)
# Clocks of web and worker machines differ a little; "due" allows for it.
CLOCK_SKEW = datetime.timedelta(seconds=5)
# The 发送失败 page lists at most this many of each kind of delivery.
FAILED_PAGE_SIZE = 200

D = TypeVar("D", bound=DeliveryBase)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failed try: base, 2×base, 4×base … ≤ 1 h."""
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, 3600))


def outcome(delivery: DeliveryBase, error: SendError | None) -> dict:
    """The columns a send's outcome writes: sent; pending again after a backoff (a transient
    error with attempts left); or failed for good."""
    done = timezone.now()
    if error is None:
        status = DeliveryBase.Status.SENT
        return {"status": status, "sent_at": done, "next_attempt_at": None, "last_error": ""}
    if isinstance(error, TransientError) and delivery.attempts < settings.NOTIFY_MAX_ATTEMPTS:
        return {
            "next_attempt_at": done + retry_delay(delivery.attempts),
            "last_error": str(error)[:1000],
        }
    return {
        "status": DeliveryBase.Status.FAILED,
        "next_attempt_at": None,
        "last_error": str(error)[:1000],
    }


@dataclass(frozen=True)
class DeliveryQueue(Generic[D]):
    """One kind of delivery: its model, what a send reads with it (``related``), the Celery
    job that sends one by id (``job``, a dotted path: read when queuing, so jobs.py may import
    the services), and the logger and name its lines go under."""

    model: type[D]
    related: tuple[str, ...]
    job: str
    logger: logging.Logger
    name: str = "delivery"

    def send(self, *, delivery_id: int, send: Callable[[D], None]) -> D | None:
        """Send one delivery if it is pending, due and nobody else is sending it; record the
        outcome. Returns the delivery as recorded, or None when nothing was done.

        The row lock only guards the claim (one more attempt, ``next_attempt_at`` a lease
        ahead); it is released before any network traffic, because SQLite's write lock covers
        the whole database and a slow receiver must not hold a row lock on PostgreSQL either.
        Any other job for the same delivery (a duplicate message, the sweep, a retry click)
        then finds it sent, failed or not yet due and returns. If this worker dies, the lease
        runs out and the sweep queues the delivery again.
        """
        delivery = self._claim(delivery_id, timezone.now())
        if delivery is None:
            return None
        error: SendError | None = None
        try:
            send(delivery)
        except SendError as raised:
            error = raised
        except Exception as raised:  # a bug or the job's soft time limit: try again later
            self.logger.exception("%s %s: unexpected error", self.name, delivery.pk)
            error = TransientError(f"{type(raised).__name__}: {raised}")
        changes = outcome(delivery, error)
        if error is not None:
            self.logger.warning(
                "%s %s (attempt %s) failed: %s", self.name, delivery.pk, delivery.attempts, error
            )
        # Only if the claim is still ours: a worker that outlived its lease must not overwrite
        # the outcome of the one that took over.
        self.model.objects.filter(
            pk=delivery.pk, status=DeliveryBase.Status.PENDING, attempts=delivery.attempts
        ).update(**changes)
        for field, value in changes.items():
            setattr(delivery, field, value)
        return delivery

    def _claim(self, delivery_id: int, now: datetime.datetime) -> D | None:
        """One more attempt, under a short row lock, and a lease during which nobody else
        sends."""
        with transaction.atomic():
            delivery = (
                self.model.objects.select_for_update(of=("self",))
                .select_related(*self.related)
                .filter(pk=delivery_id)
                .first()
            )
            if delivery is None or delivery.status != DeliveryBase.Status.PENDING:
                return None
            if delivery.next_attempt_at and delivery.next_attempt_at > now + CLOCK_SKEW:
                return None
            delivery.attempts += 1
            delivery.next_attempt_at = now + SEND_LEASE
            delivery.save(update_fields=["attempts", "next_attempt_at"])
        return delivery

    def send_after_commit(self, ids: list[int]) -> None:
        """Queue the sends once the data is committed. ``robust``: a broker that is down must
        not turn the user's committed action into an error page; the sweep sends these later."""

        def queue():
            job = import_string(self.job)
            for delivery_id in ids:
                job.delay(delivery_id)

        transaction.on_commit(queue, robust=True)

    def sweep(self, *, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
        """Queue every pending delivery that is due: retries whose backoff is over, sends whose
        message was lost (a broker that was down) and sends whose worker died (lease run out)."""
        due = self.model.objects.due(now or timezone.now())
        ids = list(due.values_list("pk", flat=True)[:limit])
        job = import_string(self.job)
        for delivery_id in ids:
            job.delay(delivery_id)
        return ids

    def prune(self, *, now: datetime.datetime, keep_days: int) -> int:
        """Delete deliveries written more than ``keep_days`` ago that were sent or gave up
        (pending ones are never touched)."""
        cutoff = now - datetime.timedelta(days=keep_days)
        finished = self.model.objects.finished_before(cutoff)
        deleted, _by_model = finished.delete()
        if deleted:
            self.logger.info("deleted %d %s rows older than %d days", deleted, self.name, keep_days)
        return deleted

    def retry(self, *, delivery: D, by: User, visible: QuerySet[D]) -> D:
        """Send a failed delivery again now, with a fresh round of attempts, if ``by`` may see
        it (``visible``: the deliveries they may see)."""
        with transaction.atomic():
            if not visible.filter(pk=delivery.pk).exists():
                raise PermissionDenied
            delivery = self.model.objects.select_for_update().get(pk=delivery.pk)
            if delivery.status != DeliveryBase.Status.FAILED:
                raise RuleViolation(
                    _("This message is no longer marked as failed; nothing to send again."),
                    code="stale",
                )
            delivery.status = DeliveryBase.Status.PENDING
            delivery.attempts = 0
            delivery.next_attempt_at = timezone.now()
            delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
            self.logger.info("%s %s: sent again by %s", self.name, delivery.pk, by.username)
            self.send_after_commit([delivery.pk])
        return delivery
