"""Digests: written with their round, queued after commit in chunks, sent exactly once.

Sending locks the digest, skips it if it was sent, writes the in-app notice and marks it sent in
one transaction, so a job delivered twice, or handed to a second worker after the first died,
sends nothing twice. A digest left unsent (a broker that was down, a worker that died) is queued
again by ``digests_requeue``.
"""

import datetime
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cycles.models import Digest, DispatchRound
from cycles.services._bulk import BATCH
from notifications.models import Notification
from notifications.services import notify
from tasks.models import Task

log = logging.getLogger(__name__)

DIGEST_CHUNK = 200


def digests_write(*, round_: DispatchRound, kind: str, by_user: dict[int, list[int]]) -> None:
    """Write one digest per person (``by_user``: recipient id → task ids) and queue them after
    commit."""
    Digest.objects.bulk_create(
        [
            Digest(round=round_, recipient_id=user_id, kind=kind, task_ids=sorted(task_ids))
            for user_id, task_ids in by_user.items()
        ],
        batch_size=BATCH,
        ignore_conflicts=True,  # a digest already written for this person, round and kind stays
    )
    transaction.on_commit(
        lambda: _enqueue_digests(
            Digest.objects.filter(round_id=round_.pk, kind=kind, sent_at__isnull=True).order_by(
                "pk"
            )
        ),
        robust=True,
    )


def _enqueue_digests(digests) -> int:
    """Queue unsent digests in chunks. A broker that is down is logged, not raised: the rows
    are written, and ``digests_requeue`` queues them again on a later run."""
    from cycles.jobs import send_digests

    ids = list(digests.values_list("pk", flat=True))
    try:
        for start in range(0, len(ids), DIGEST_CHUNK):
            send_digests.delay(ids[start : start + DIGEST_CHUNK])
    except Exception:
        log.exception("could not queue %d digests; they will be queued again later", len(ids))
        return 0
    return len(ids)


REQUEUE_AFTER = datetime.timedelta(minutes=15)


def digests_requeue(*, now: datetime.datetime) -> int:
    """Queue again digests still unsent a while after they were written (a broker that was
    down, a message lost, a worker that died). Sending is idempotent, so a digest queued twice
    is still sent once."""
    return _enqueue_digests(
        Digest.objects.filter(sent_at__isnull=True, created_at__lt=now - REQUEUE_AFTER).order_by(
            "pk"
        )[:5000]
    )


def digest_send(*, digest_id: int) -> bool:
    """Send one digest exactly once: lock it, skip it if sent, write the notice, mark it sent —
    all in one transaction, so a worker that dies halfway leaves it unsent, never sent twice."""
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(of=("self",))
            .select_related("round__campaign", "recipient")
            .filter(pk=digest_id)
            .first()
        )
        if digest is None or digest.sent_at is not None:
            return False
        # Only what the notice writes (a unit leads hundreds of tasks on a Monday: a model
        # object each, with its content and columns, was most of a digest's CPU).
        tasks = list(
            Task.objects.filter(pk__in=digest.task_ids)
            .order_by("task_list__order", "order", "pk")
            .values_list("code", "title", "deadline", named=True)
        )
        round_ = digest.round
        due = timezone.localtime(round_.due_at).strftime("%m月%d日 %H:%M")
        titles = {
            Digest.Kind.OPENING: _("%(week)s dispatch: %(n)d tasks to report on by %(due)s"),
            Digest.Kind.REMINDER: _(
                "Reminder: %(n)d tasks still need this week's report by %(due)s"
            ),
            Digest.Kind.ESCALATION: _("%(n)d overdue or red tasks of your unit need attention"),
        }
        title = titles[Digest.Kind(digest.kind)] % {
            "week": round_.iso_label,
            "n": len(tasks),
            "due": due,
        }
        lines = [
            f"{t.code}. {t.title}" + (f"（{t.deadline:%Y-%m-%d}）" if t.deadline else "")
            for t in tasks[:50]
        ]
        if len(tasks) > 50:
            lines.append(_("… and %(n)d more") % {"n": len(tasks) - 50})
        notices = notify(
            recipients=[digest.recipient],
            kind=Notification.Kind.DIGEST,
            title=f"{round_.campaign.name}：{title}",
            body="\n".join(lines),
            url=reverse("tasks:mine"),
            campaign=round_.campaign,
        )
        digest.sent_at = timezone.now()
        digest.notification = notices[0] if notices else None
        digest.save(update_fields=["sent_at", "notification"])
        return True
