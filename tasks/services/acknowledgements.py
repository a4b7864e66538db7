"""签收: the lead unit acknowledges a task that reached it (created, imported, transferred,
awarded, a rectification); after the campaign's hours an unacknowledged task is flagged and its
unit reminded, once per handover."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from campaigns.models import Campaign
from notifications.models import Notification
from notifications.services import notify
from tasks import permissions
from tasks.acknowledgements import overdue_before
from tasks.models import Task, TaskEvent
from tasks.services._common import require
from tasks.services.core import history_now


def _acknowledged_events(tasks: list[Task], *, by: User | None, at: datetime.datetime) -> None:
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(
                task=task,
                actor=by,
                at=at,
                kind=TaskEvent.Kind.ACKNOWLEDGED,
                before={"handed_over_at": task.handed_over_at.isoformat()}
                if task.handed_over_at
                else {},
                after={"acknowledged_at": at.isoformat()},
            )
            for task in tasks
        ]
    )


@transaction.atomic
def task_acknowledge(*, task: Task, by: User) -> bool:
    """签收 one task. True if this acknowledged it; False if it had been already (a second
    click, or a colleague was quicker), which changes nothing."""
    require(permissions.may_acknowledge(by, task))
    locked = (
        Task.objects.select_for_update(of=("self",))
        .select_related("task_list__campaign")
        .get(pk=task.pk)
    )
    require(permissions.may_acknowledge(by, locked))  # a transfer may have landed meanwhile
    if not locked.awaiting_acknowledgement:
        return False
    return tasks_acknowledge(by=by, task_ids=[locked.pk]) == 1


@transaction.atomic
def tasks_acknowledge(*, by: User, task_ids: Iterable[int]) -> int:
    """签收 every task of ``task_ids`` that the user's unit leads and has not acknowledged yet
    (the ids the page showed: a task that arrived since is not acknowledged unseen). Returns
    how many; each gets a ``TaskEvent``."""
    require(permissions.acknowledges_for_unit(by))
    ids = sorted({int(pk) for pk in task_ids})
    if not ids:
        return 0
    tasks = list(
        Task.objects.awaiting_acknowledgement()
        .select_for_update(of=("self",))
        .filter(pk__in=ids, lead_unit_id=by.unit_id)
        .exclude(task_list__campaign__status=Campaign.Status.ARCHIVED)
        .order_by("pk")
    )
    if not tasks:
        return 0
    now = history_now()
    Task.objects.filter(pk__in=[task.pk for task in tasks]).update(
        acknowledged_at=now, acknowledged_by=by
    )
    _acknowledged_events(tasks, by=by, at=now)
    return len(tasks)


def acknowledgements_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind each unit once of its tasks left unacknowledged past the campaign's hours.

    One notice per unit and campaign listing how many; each task is marked reminded in the
    same transaction (``ack_reminded_at``) under a row lock, so running this twice, late, or
    on two workers at once reminds of each handover exactly once. Returns the notices' units.
    """
    now = now or timezone.now()
    reminded = 0
    campaigns = Campaign.objects.filter(status=Campaign.Status.ACTIVE).order_by("pk")
    for campaign in campaigns:
        reminded += _remind_campaign(campaign, now)
    return reminded


@transaction.atomic
def _remind_campaign(campaign: Campaign, now: datetime.datetime) -> int:
    due = list(
        Task.objects.awaiting_acknowledgement()
        .select_for_update(of=("self",))
        .filter(
            task_list__campaign=campaign,
            ack_reminded_at__isnull=True,
            handed_over_at__lte=overdue_before(campaign, now),
        )
        .order_by("pk")
        .only("pk", "lead_unit_id", "code", "title", "handed_over_at")
    )
    if not due:
        return 0
    # The rows are locked: a second run waits here, then finds them reminded and skips them.
    Task.objects.filter(pk__in=[t.pk for t in due]).update(ack_reminded_at=now)
    by_unit: dict[int, list[Task]] = defaultdict(list)
    for task in due:
        by_unit[task.lead_unit_id].append(task)
    TaskEvent.objects.bulk_create(
        [
            TaskEvent(
                task=task,
                at=now,
                kind=TaskEvent.Kind.ACK_REMINDED,
                after={"hours": campaign.acknowledge_within_hours},
            )
            for task in due
        ]
    )
    people = permissions.units_members(by_unit)
    for unit_id, tasks in by_unit.items():
        notify(
            recipients=people.get(unit_id, []),
            kind=Notification.Kind.ACKNOWLEDGE,
            title=ngettext(
                "%(n)d task of %(campaign)s has waited over %(hours)d hours for your unit's "
                "acknowledgement",
                "%(n)d tasks of %(campaign)s have waited over %(hours)d hours for your unit's "
                "acknowledgement",
                len(tasks),
            )
            % {
                "n": len(tasks),
                "campaign": campaign.name,
                "hours": campaign.acknowledge_within_hours,
            },
            body="\n".join(f"{task.code} {task.title[:60]}" for task in tasks[:20]),
            url=reverse("tasks:mine") + "#acknowledge",
            campaign=campaign,
        )
    return len(by_unit)
