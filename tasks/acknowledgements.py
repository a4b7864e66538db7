"""Reads of 签收: which tasks wait for their lead unit's acknowledgement, and which of them
longer than their campaign allows (flagged). Each read is one query at any size."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from campaigns.models import Campaign, TaskList
from tasks.models import Task
from tasks.my_work import lists_attached


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


def awaiting_of_unit(*, user: User) -> QuerySet[Task]:
    """The tasks the user's unit leads and has not acknowledged, in live campaigns."""
    if not user.unit_id:
        return Task.objects.none()
    return (
        Task.objects.awaiting_acknowledgement()
        .filter(lead_unit_id=user.unit_id)
        .exclude(task_list__campaign__status=Campaign.Status.ARCHIVED)
    )


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

    tasks: list[Task]
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
#: campaign's hours: the list and campaign come from ``lists``).
AWAITING_COLUMNS = ("code", "title", "status", "handed_over_at", "acknowledged_at", "task_list")


def awaiting_summary(*, user: User, lists: Iterable[TaskList] | None = None) -> Awaiting:
    """Counted in SQL; only the tasks shown are read (two queries at any size, one when
    nothing waits: the usual case, a unit acknowledges what it is handed within days).
    ``lists``: the lists (with their campaigns) of the unit's work, read already by the page,
    given to the tasks shown rather than a copy of both read with each."""
    queryset = awaiting_of_unit(user=user)
    figures = queryset.aggregate(n=Count("pk"), until=Max("handed_over_at"))
    if not figures["n"]:
        return Awaiting(tasks=[], count=0, until=None)
    queryset = queryset.only(*AWAITING_COLUMNS).order_by("handed_over_at", "pk")
    if lists is None:
        queryset = queryset.select_related("task_list__campaign")
    shown = list(queryset[:ACK_SHOWN])
    if lists is not None:
        lists_attached(shown, lists)
    return Awaiting(tasks=shown, count=figures["n"], until=figures["until"])
