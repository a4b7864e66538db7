"""The events other systems can subscribe to, and how a service announces one.

Services of the apps below call ``webhook_emit()`` inside their transaction, after the change
is written: one pending ``WebhookDelivery`` per active subscription to the event is written in
the same transaction (so an event is never announced for a change that rolled back, and never
lost for one that committed), and the sends are queued once it commits. This module imports
no other app of the project, so every app may call it.
"""

import contextlib
import contextvars
import datetime
import json
import uuid
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REPORT_CREATED = "report.created"
REQUEST_DECIDED = "request.decided"
TASK_CLOSED = "task.closed"
REVIEW_CERTIFIED = "review.certified"
IMPORT_CONFIRMED = "import.confirmed"

EVENTS = {
    REPORT_CREATED: _("A progress report was submitted"),
    REQUEST_DECIDED: _("A close-out, extension or transfer request was decided"),
    TASK_CLOSED: _("A task was closed out (销号)"),
    REVIEW_CERTIFIED: _("A month was certified (认定)"),
    IMPORT_CONFIRMED: _("An imported list was written as a draft"),
}


def event_body(*, event: str, data: dict, event_id: str, at: datetime.datetime) -> str:
    """The JSON every subscriber of one event receives (the exact text that is signed)."""
    return json.dumps(
        {"id": event_id, "event": event, "created_at": at.isoformat(), "data": data},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )


# Inside ``webhook_batch()``: the active subscriptions, read once for many events.
_batch: contextvars.ContextVar[list | None] = contextvars.ContextVar("webhook_batch", default=None)


@contextlib.contextmanager
def webhook_batch() -> Iterator[None]:
    """Many events in one transaction (一表填报 writes hundreds of reports): the subscriptions
    are read once, not once per event."""
    token = _batch.set([])
    try:
        yield
    finally:
        _batch.reset(token)


def _active_subscriptions() -> list:
    from webhooks.models import Subscription

    memo = _batch.get()
    if memo is None:
        return list(Subscription.objects.filter(active=True))
    if not memo:
        memo.append(list(Subscription.objects.filter(active=True)))
    return memo[0]


def webhook_emit(*, event: str, data: dict) -> list[int]:
    """Announce ``event`` with ``data`` (ids and the few fields a receiver needs; no
    attachments) to its subscribers. Call inside the service's transaction. One query when
    nobody subscribes (none for the second event of a ``webhook_batch``); returns the ids of
    the deliveries written."""
    from webhooks.models import WebhookDelivery
    from webhooks.services import QUEUE

    assert event in EVENTS, event
    subscriptions = [s for s in _active_subscriptions() if event in s.events]
    if not subscriptions:
        return []
    now = timezone.now()
    body = event_body(event=event, data=data, event_id=str(uuid.uuid4()), at=now)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=subscription, event=event, body=body, next_attempt_at=now)
            for subscription in subscriptions
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    QUEUE.send_after_commit(ids)  # a broker that is down leaves them to the sweep
    return ids
