"""The drill-down: the tasks behind a figure, through the list pages' own filters
(``tasks.selectors.TaskFilters`` / ``apply_filters``, kept in the query string) and a few the
cockpit adds: the reports a round owed (made, not made, late), targets, no category, campaign.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from cockpit.selectors.figures import TARGET_MET, round_items
from cycles.models import DispatchRound
from tasks.models import Target, Task
from tasks.selectors import TaskFilters, apply_filters
from tasks.table_rows import filtered_columns

REPORTED = ("yes", "no", "late")
TARGETS = ("any", "met", "not_met", "unmeasured")
WEEK_LISTS = ("red", "overdue", "closed")  # the task lists a closed round's bulletin stored


@dataclass
class DrillFilters:
    """What the cockpit adds to the list pages' filters."""

    campaign: int | None = None
    round: int | None = None  # the reports this round owed ...
    round_unit: int | None = None  # ... by this lead unit (the round's, not today's)
    reported: str = ""  # ... made ("yes"), not made ("no"), made after the due time ("late")
    target: str = ""  # tasks with a target: any, met, measured and not met, not measured
    uncategorised: bool = False
    week_of: int | None = None  # the tasks this round's bulletin listed as ...
    week: str = ""  # ... red, overdue or closed that week (the trend's figures)


def _target_q(kind: str) -> Q:
    if kind == "met":
        return TARGET_MET
    if kind == "not_met":
        return Q(current_value__isnull=False) & ~TARGET_MET
    if kind == "unmeasured":
        return Q(current_value__isnull=True)
    return Q()


def apply_drill(qs: QuerySet[Task], drill: DrillFilters) -> QuerySet[Task]:
    if drill.campaign:
        qs = qs.filter(task_list__campaign_id=drill.campaign)
    if drill.uncategorised:
        qs = qs.filter(category__isnull=True)
    if drill.round:
        items = round_items(DispatchRound.objects.filter(pk=drill.round), drill.reported)
        if drill.round_unit:
            items = items.filter(lead_unit_id=drill.round_unit)
        qs = qs.filter(pk__in=items.values("task_id"))
    if drill.week_of and drill.week in WEEK_LISTS:
        qs = qs.filter(pk__in=week_task_ids(drill.week_of, drill.week))
    if drill.target in TARGETS:
        targets = Target.objects.filter(task=OuterRef("pk")).filter(_target_q(drill.target))
        qs = qs.filter(Exists(targets))
    return qs


def week_task_ids(round_id: int, key: str) -> list[int]:
    """The tasks a closed round's bulletin listed as red, overdue or closed that week: what
    the trend's figure of that week counted (its snapshot was stored from the same bulletin)."""
    result = DispatchRound.objects.filter(pk=round_id).values_list("result", flat=True).first()
    return [row["id"] for row in (result or {}).get(key, []) if "id" in row]


def drill_tasks(
    *,
    base: QuerySet[Task],
    filters: TaskFilters,
    drill: DrillFilters,
    today: datetime.date,
    unit_id: int | None = None,
) -> QuerySet[Task]:
    """``base`` narrowed by the filters, in list order: a page's keys, whose rows
    ``tasks.table_rows.task_table_rows`` reads with the columns of the list pages."""
    qs = filtered_columns(base, filters, today)
    qs = apply_filters(qs, filters, unit_id=unit_id, today=today)
    return apply_drill(qs, drill).order_by(
        "task_list__campaign__name", "task_list__order", "task_list_id", "order", "pk"
    )
