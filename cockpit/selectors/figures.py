"""The headline figures, counted live in SQL: one aggregate query for any number of campaigns
(or units), one for the rounds' reporting, one for the targets.

The tasks counted are a campaign's **work** (``Task.objects.work()``: not checklist questions,
not measures) that is published (not a draft) — the same set the drill-down list opens
(``cockpit.selectors.drill``), so each figure's link lists exactly the tasks it counts.
"""

import datetime
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from campaigns.models import WORK_KINDS, Campaign
from cockpit.selectors.reporting import reporting_counts
from cycles.models import DispatchRound, RoundItem
from tasks.lights import Light, light_expression, overdue_q
from tasks.models import Target, Task

# A target met: a measured value at or past the target, in the target's direction (the rule of
# ``Target.achieved``, as a filter).
TARGET_MET = Q(current_value__isnull=False) & (
    (Q(direction=Target.Direction.HIGHER) & Q(current_value__gte=F("target_value")))
    | (Q(direction=Target.Direction.LOWER) & Q(current_value__lte=F("target_value")))
)


def counted_tasks() -> QuerySet[Task]:
    """Every task a figure may count: published work."""
    return Task.objects.work().exclude(status=Task.Status.DRAFT)


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


def count_groups(qs: QuerySet[Task], today: datetime.date, *groups: str) -> list[tuple]:
    """The tasks grouped by ``groups``, each group a plain tuple: the groups' values, then
    its counts in the order of ``COUNT_NAMES``. One query: each task's status, light and
    overdue worked out once, by a subquery the planner may not merge into the outer one
    (``OFFSET 0``; merged, it would work out the light once for each count that reads it),
    and counted per group with a filter per count, so Python adds nothing up per task state.
    (Grouping the tasks by status, light and overdue first and adding those groups up cost a
    hash of six columns over every task: a fifth slower at 100,000 tasks.)"""
    sql, params = count_groups_sql(qs, today, *groups)
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        # Counts, so ints (no Decimal); the drivers' rows are tuples already (a cockpit has
        # some 700 groups at 10,000 tasks: no copy of each).
        return cursor.fetchall()


def count_groups_sql(qs: QuerySet[Task], today: datetime.date, *groups: str) -> tuple[str, list]:
    """``count_groups``' statement and its parameters (``config.prepared`` compiles it once
    for a page whose query keeps its shape)."""
    names = [f"g{i}" for i in range(len(groups))]
    inner = (
        qs.annotate(
            **{name: F(group) for name, group in zip(names, groups, strict=True)},
            light_now=light_expression(today),
            overdue_now=Case(
                When(overdue_q(today), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values(*names, "status", "light_now", "overdue_now")
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    connection = connections[qs.db]
    fence = " LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else " OFFSET 0"
    keys = ", ".join(f"g.{name}" for name in names)
    counted: tuple[tuple[str, list[str]], ...] = (
        ("status = %s", [Task.Status.CLOSED]),
        ("status = %s", [Task.Status.AWAITING_SIGNOFF]),
        ("status = %s AND light_now = %s", [Task.Status.IN_PROGRESS, Light.GREEN]),
        ("light_now = %s", [Light.YELLOW]),
        ("light_now = %s", [Light.RED]),
        ("overdue_now = 1", []),
    )
    if connection.features.supports_aggregate_filter_clause:
        sums = "".join(f", COUNT(*) FILTER (WHERE {rule})" for rule, _ in counted)
    else:
        sums = "".join(f", SUM(CASE WHEN {rule} THEN 1 ELSE 0 END)" for rule, _ in counted)
    outer = f"SELECT {keys}, COUNT(*){sums} FROM ({sql}{fence}) g GROUP BY {keys}"
    outer_params = [str(p) for _, ps in counted for p in ps] + list(params)
    return outer, outer_params


def grouped_counts(qs: QuerySet[Task], today: datetime.date, *groups: str) -> dict[tuple, dict]:
    """The values of ``groups`` → their counts (tasks, closed, awaiting, on_track, yellow, red,
    overdue), in one query."""
    width = len(groups)
    return {
        row[:width]: dict(zip(COUNT_NAMES, row[width:], strict=True))
        for row in count_groups(qs, today, *groups)
    }


def latest_rounds(campaign_ids) -> dict[int, DispatchRound]:
    """Each campaign's latest round (this week's, or last week's before this one opens)."""
    latest = (
        DispatchRound.objects.filter(campaign=OuterRef("campaign"))
        .order_by("-week_start")
        .values("pk")[:1]
    )
    rounds = DispatchRound.objects.filter(campaign__in=campaign_ids, pk=Subquery(latest))
    return {r.campaign_id: r for r in rounds}


def round_items(rounds, reported: str = "") -> QuerySet[RoundItem]:
    """The reports the rounds owe: all, or those made (``reported="yes"``: the lead unit
    reported within the round's window, as the weekly bulletin counts it), not made ("no") or
    made after the due time ("late"), by the state each item keeps (``RoundItem.report_state``):
    the drill-down's filters. Counting them is ``cockpit.selectors.reporting``'s, from the same
    column."""
    items = RoundItem.objects.filter(round__in=rounds)
    missing, late = RoundItem.ReportState.MISSING, RoundItem.ReportState.LATE
    if reported == "yes":
        return items.exclude(report_state=missing)
    if reported == "no":
        return items.filter(report_state=missing)
    if reported == "late":
        return items.filter(report_state=late)
    return items


def reporting_by_round(rounds: list[DispatchRound]) -> dict[int, dict]:
    """Round id → its reports owed, made and made on time (one query for every round)."""
    return {row["round_id"]: row for row in reporting_counts([r.pk for r in rounds], "round_id")}


def target_totals(campaign_ids) -> dict[int, tuple[int, int]]:
    """Campaign id → (targets, targets met) of its published work, in one query."""
    rows = (
        Target.objects.filter(
            task__task_list__campaign__in=campaign_ids, task__task_list__kind__in=WORK_KINDS
        )
        .exclude(task__status=Task.Status.DRAFT)
        .values("task__task_list__campaign_id")
        .annotate(total=Count("pk"), met=Count("pk", filter=TARGET_MET))
        .order_by()
    )
    return {row["task__task_list__campaign_id"]: (row["total"], row["met"]) for row in rows}


def campaign_figures(
    *,
    campaigns: list[Campaign],
    today: datetime.date,
    counts: dict | None = None,
    reporting: dict | None = None,
    rounds: dict[int, DispatchRound] | None = None,
) -> dict[int, Figures]:
    """Campaign id → its figures: four queries whatever the number of campaigns and tasks. A
    campaign's cockpit gives the ``counts``, its latest ``rounds`` and this week's
    ``reporting`` (owed, reported, on_time) it read already for its breakdowns: one query
    then."""
    ids = [c.pk for c in campaigns]
    figures = {pk: Figures() for pk in ids}
    if counts is None:
        by_campaign = grouped_counts(
            counted_tasks().filter(task_list__campaign__in=ids), today, "task_list__campaign_id"
        )
    else:
        by_campaign = {(pk,): counts for pk in ids}
    for (pk,), row in by_campaign.items():
        for name in COUNT_NAMES:
            setattr(figures[pk], name, row[name])
    if rounds is None:
        rounds = latest_rounds(ids)
    by_round = (
        reporting_by_round(list(rounds.values()))
        if reporting is None
        else {r.pk: reporting for r in rounds.values()}
    )
    for pk, round_ in rounds.items():
        row = by_round.get(round_.pk, {})
        target = figures[pk]
        target.round = round_
        target.owed, target.reported = row.get("owed", 0), row.get("reported", 0)
        target.on_time = row.get("on_time", 0)
    for pk, (total, met) in target_totals(ids).items():
        figures[pk].targets, figures[pk].targets_met = total, met
    return figures
