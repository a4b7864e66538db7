"""Reads of 签收: which tasks wait for their lead unit's acknowledgement, and which of them
longer than their campaign allows (flagged). Each read is one query at any size."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Window
from django.utils import timezone

from accounts.models import User
from campaigns.models import Campaign
from config.prepared import prepared
from tasks.models import Task
from tasks.table_rows import Named


def overdue_before(campaign: Campaign, now: datetime.datetime) -> datetime.datetime:
    """A task handed over before this instant and still unacknowledged is overdue."""
    return now - datetime.timedelta(hours=campaign.acknowledge_within_hours)


@dataclass(frozen=True)
class AcknowledgementCounts:
    waiting: int = 0
    overdue: int = 0


def awaiting_in_campaign(*, campaign: Campaign) -> QuerySet[Task]:
    return Task.objects.awaiting_acknowledgement().filter(task_list__campaign=campaign)


def acknowledgement_counts(
    *, campaign: Campaign, now: datetime.datetime | None = None
) -> AcknowledgementCounts:
    """How many of the campaign's tasks wait for 签收, and how many of them are overdue."""
    cutoff = overdue_before(campaign, now or timezone.now())
    row = awaiting_in_campaign(campaign=campaign).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(handed_over_at__lte=cutoff))
    )
    return AcknowledgementCounts(waiting=row["waiting"], overdue=row["overdue"])


def acknowledgement_units(*, campaign: Campaign, now: datetime.datetime | None = None) -> list:
    """Per lead unit: tasks waiting for 签收 and overdue, most overdue first."""
    cutoff = overdue_before(campaign, now or timezone.now())
    return list(
        awaiting_in_campaign(campaign=campaign)
        .values("lead_unit_id", "lead_unit__name")
        .annotate(waiting=Count("pk"), overdue=Count("pk", filter=Q(handed_over_at__lte=cutoff)))
        .order_by("-overdue", "-waiting", "lead_unit__name")
    )


def acknowledgement_tasks(
    *,
    campaign: Campaign,
    now: datetime.datetime | None = None,
    overdue_only: bool = False,
    unit_id: int | None = None,
) -> QuerySet[Task]:
    """The tasks waiting for 签收, longest waiting first (one query per page)."""
    qs = awaiting_in_campaign(campaign=campaign).select_related("task_list__campaign", "lead_unit")
    if overdue_only:
        qs = qs.filter(handed_over_at__lte=overdue_before(campaign, now or timezone.now()))
    if unit_id:
        qs = qs.filter(lead_unit_id=unit_id)
    return qs.order_by("handed_over_at", "pk")


def awaiting_of_unit_queryset() -> QuerySet[Task]:
    """The tasks waiting for their lead unit's 签收 in live campaigns, of any unit."""
    return Task.objects.awaiting_acknowledgement().exclude(
        task_list__campaign__status=Campaign.Status.ARCHIVED
    )


def awaiting_of_unit(*, user: User) -> QuerySet[Task]:
    """The tasks the user's unit leads and has not acknowledged, in live campaigns."""
    if not user.unit_id:
        return Task.objects.none()
    return awaiting_of_unit_queryset().filter(lead_unit_id=user.unit_id)


def awaiting_for_unit(*, user: User) -> list[Task]:
    """Every task the user's unit has not acknowledged, the oldest handover first."""
    return list(
        awaiting_of_unit(user=user)
        .select_related("task_list__campaign")
        .order_by("handed_over_at", "pk")
    )


#: How many of the tasks waiting for 签收 我的任务 names (its button acknowledges them all).
ACK_SHOWN = 50


@dataclass
class Awaiting:
    """The bulk 签收 of 我的任务: how many wait, the first ``ACK_SHOWN`` (oldest first), and
    the newest handover counted — the form acknowledges the tasks handed over up to then, so
    a task that arrives after the page was shown is not acknowledged unseen."""

    tasks: list[Any]  # ``AwaitingRow``s
    count: int
    until: datetime.datetime | None

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self.tasks)

    @property
    def more(self) -> int:
        return self.count - len(self.tasks)


#: What 我的任务's 签收 box shows of a task: its number, title, and whether overdue (by its
#: campaign's hours).
AWAITING_VALUES = (
    "pk",
    "code",
    "title",
    "status",
    "handed_over_at",
    "acknowledged_at",
    "task_list_id",
    "task_list__name",
    "task_list__campaign_id",
    "task_list__campaign__name",
    "task_list__campaign__acknowledge_within_hours",
)


class AwaitingRow:
    """A task of the 签收 box as plain values under ``Task``'s names, its list and campaign
    ``Named`` (their names, the campaign's hours); whether it is overdue is ``Task``'s own
    rule (``Task.acknowledgement_state``), not a copy."""

    Status = Task.Status
    awaiting_acknowledgement = Task.awaiting_acknowledgement
    acknowledgement_state = Task.acknowledgement_state

    def __init__(self, values: dict, lists: dict):
        self.pk, self.code, self.title = values["pk"], values["code"], values["title"]
        self.status = values["status"]
        self.handed_over_at = values["handed_over_at"]
        self.acknowledged_at = values["acknowledged_at"]
        self.task_list_id = values["task_list_id"]
        task_list = lists.get(self.task_list_id)
        if task_list is None:
            campaign = Named(
                values["task_list__campaign_id"],
                values["task_list__campaign__name"],
                acknowledge_within_hours=values["task_list__campaign__acknowledge_within_hours"],
            )
            task_list = lists[self.task_list_id] = Named(
                self.task_list_id, values["task_list__name"], campaign=campaign
            )
        self.task_list = task_list


@prepared(maxsize=1)
def _awaiting_rows(values) -> QuerySet:
    """The 签收 box's first ``ACK_SHOWN`` rows of a unit (``values["unit"]``), with how many
    wait and the newest handover among them all: compiled once per process
    (``config.prepared``), not built and compiled for each view of 我的任务."""
    every = Window(Count("pk"))  # over every row the conditions keep, before the LIMIT
    return (
        awaiting_of_unit_queryset()
        .filter(lead_unit_id=values["unit"])
        .annotate(waiting=every, until=Window(Max("handed_over_at")))
        .order_by("handed_over_at", "pk")
        .values(*AWAITING_VALUES, "waiting", "until")[:ACK_SHOWN]
    )


def awaiting_summary(*, user: User) -> Awaiting:
    """The first ``ACK_SHOWN`` tasks as plain values with their list's and campaign's names
    joined, and how many wait and the newest handover among them all counted beside them in
    the same read (``COUNT(*) OVER ()``, ``MAX(...) OVER ()``: windows over every waiting
    task, worked out before the ``LIMIT``). One query at any size, nothing read when nothing
    waits (the usual case, a unit acknowledges what it is handed within days)."""
    if not user.unit_id:
        return Awaiting(tasks=[], count=0, until=None)
    rows = _awaiting_rows.rows(unit=user.unit_id)
    if not rows:
        return Awaiting(tasks=[], count=0, until=None)
    lists: dict = {}
    shown: list[Any] = [AwaitingRow(values, lists) for values in rows]
    return Awaiting(tasks=shown, count=rows[0]["waiting"], until=rows[0]["until"])
