"""The headline figures, counted live in SQL: one aggregate query for any number of campaigns
(or units), one for the rounds' reporting, one for the targets.

The tasks counted are a campaign's **work** (``Task.objects.work()``: not checklist questions,
not measures) that is published (not a draft) — the same set the drill-down list opens
(``cockpit.selectors.drill``), so each figure's link lists exactly the tasks it counts.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from campaigns.models import WORK_KINDS, Campaign
from cycles.models import DispatchRound, RoundItem
from tasks.lights import Light, light_expression, overdue_q
from tasks.models import ProgressReport, Target, Task

# A target met: a measured value at or past the target, in the target's direction (the rule of
# ``Target.achieved``, as a filter).
TARGET_MET = Q(current_value__isnull=False) & (
    (Q(direction=Target.Direction.HIGHER) & Q(current_value__gte=F("target_value")))
    | (Q(direction=Target.Direction.LOWER) & Q(current_value__lte=F("target_value")))
)


def counted_tasks() -> QuerySet[Task]:
    """Every task a figure may count: published work."""
    return Task.objects.work().exclude(status=Task.Status.DRAFT)


def task_counts(today: datetime.date) -> dict:
    """The per-group counts of the cockpit, for ``.values(group).annotate(**task_counts())``
    over a queryset annotated with ``light_now`` (``light_expression``)."""
    return {
        "tasks": Count("pk"),
        "closed": Count("pk", filter=Q(status=Task.Status.CLOSED)),
        "awaiting": Count("pk", filter=Q(status=Task.Status.AWAITING_SIGNOFF)),
        "on_track": Count("pk", filter=Q(status=Task.Status.IN_PROGRESS, light_now=Light.GREEN)),
        "yellow": Count("pk", filter=Q(light_now=Light.YELLOW)),
        "red": Count("pk", filter=Q(light_now=Light.RED)),
        "overdue": Count("pk", filter=overdue_q(today)),
    }


COUNT_NAMES = ("tasks", "closed", "awaiting", "on_track", "yellow", "red", "overdue")


@dataclass
class Figures:
    tasks: int = 0
    closed: int = 0
    awaiting: int = 0
    on_track: int = 0
    yellow: int = 0
    red: int = 0
    overdue: int = 0
    # This week's reporting: the latest round's reports owed and made (by the lead units).
    round: DispatchRound | None = None
    owed: int = 0
    reported: int = 0
    on_time: int = 0
    targets: int = 0
    targets_met: int = 0

    @property
    def rate(self) -> float | None:
        return round(100 * self.reported / self.owed, 1) if self.owed else None

    @property
    def not_reported(self) -> int:
        return self.owed - self.reported

    @property
    def late(self) -> int:
        return self.reported - self.on_time


def grouped_counts(qs: QuerySet[Task], today: datetime.date, *groups: str) -> dict[tuple, dict]:
    """The values of ``groups`` → their counts (and those values), in one query."""
    rows = (
        qs.annotate(light_now=light_expression(today))
        .values(*groups)
        .annotate(**task_counts(today))
        .order_by()
    )
    return {tuple(row[g] for g in groups): row for row in rows}


def latest_rounds(campaign_ids) -> dict[int, DispatchRound]:
    """Each campaign's latest round (this week's, or last week's before this one opens)."""
    latest = (
        DispatchRound.objects.filter(campaign=OuterRef("campaign"))
        .order_by("-week_start")
        .values("pk")[:1]
    )
    rounds = DispatchRound.objects.filter(campaign__in=campaign_ids, pk=Subquery(latest))
    return {r.campaign_id: r for r in rounds}


def round_items(rounds) -> QuerySet[RoundItem]:
    """The reports the rounds owe, each marked reported (the lead unit reported within the
    round's window, as the weekly bulletin counts it) and on time (by the due time)."""
    reports = ProgressReport.objects.filter(
        task=OuterRef("task_id"),
        unit=OuterRef("lead_unit_id"),
        submitted_at__gte=OuterRef("round__opens_at"),
    )
    return RoundItem.objects.filter(round__in=rounds).annotate(
        is_reported=Exists(reports.filter(submitted_at__lt=OuterRef("round__closes_at"))),
        is_on_time=Exists(reports.filter(submitted_at__lte=OuterRef("round__due_at"))),
    )


def reporting_counts(items: QuerySet[RoundItem], *group: str) -> list[dict]:
    """Reports owed, made and made on time per ``group`` (e.g. round, lead unit), one query."""
    return list(
        items.values(*group)
        .annotate(
            owed=Count("pk"),
            reported=Count("pk", filter=Q(is_reported=True)),
            on_time=Count("pk", filter=Q(is_on_time=True)),
        )
        .order_by()
    )


def campaign_figures(*, campaigns: list[Campaign], today: datetime.date) -> dict[int, Figures]:
    """Campaign id → its figures: four queries whatever the number of campaigns and tasks."""
    ids = [c.pk for c in campaigns]
    figures = {pk: Figures() for pk in ids}
    counts = grouped_counts(
        counted_tasks().filter(task_list__campaign__in=ids), today, "task_list__campaign_id"
    )
    for (pk,), row in counts.items():
        for name in COUNT_NAMES:
            setattr(figures[pk], name, row[name])
    rounds = latest_rounds(ids)
    by_round = {r.pk: r for r in rounds.values()}
    for row in reporting_counts(round_items(list(by_round)), "round_id"):
        round_ = by_round[row["round_id"]]
        target = figures[round_.campaign_id]
        target.owed, target.reported, target.on_time = row["owed"], row["reported"], row["on_time"]
    for pk, round_ in rounds.items():
        figures[pk].round = round_
    targets = (
        Target.objects.filter(
            task__task_list__campaign__in=ids, task__task_list__kind__in=WORK_KINDS
        )
        .exclude(task__status=Task.Status.DRAFT)
        .values("task__task_list__campaign_id")
        .annotate(total=Count("pk"), met=Count("pk", filter=TARGET_MET))
        .order_by()
    )
    for row in targets:
        target = figures[row["task__task_list__campaign_id"]]
        target.targets, target.targets_met = row["total"], row["met"]
    return figures
