"""Reads about targets: one task's targets as time series, and attainment rolled up.

Attainment is the Target model's own (``achieved``, ``attainment``: met, or the share of the
way from the baseline to the target, respecting the direction); the roll-up reads every target
of a campaign in one values() query and adds them up in one pass, so a page that shows it costs
one query whatever the number of targets. Re-exported by ``tasks.selectors``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import WORK_KINDS, Campaign
from tasks.models import Target, Task

__all__ = [
    "AttainmentRow",
    "TargetSeries",
    "attainment_rollup",
    "target_attainment",
    "target_series",
]

By = Literal["list", "category", "unit", "campaign"]

# What a roll-up groups by: (id, name) of the task's list, category or lead unit.
_GROUPS: dict[str, tuple[str, str]] = {
    "list": ("task__task_list_id", "task__task_list__name"),
    "category": ("task__category_id", "task__category__name"),
    "unit": ("task__lead_unit_id", "task__lead_unit__name"),
    "campaign": ("task__task_list__campaign_id", "task__task_list__campaign__name"),
}


@dataclass
class AttainmentRow:
    """The targets of one list, category or unit: how many, met, not met, not measured yet,
    and the average share of the way to the target (of the measured ones)."""

    key: int | None
    name: str
    targets: int = 0
    met: int = 0
    not_met: int = 0
    unmeasured: int = 0
    share_total: int = 0

    @property
    def share(self) -> int | None:
        measured = self.met + self.not_met
        return round(self.share_total / measured) if measured else None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "targets": self.targets,
            "met": self.met,
            "not_met": self.not_met,
            "unmeasured": self.unmeasured,
            "share": self.share,
        }


def target_attainment(
    *, campaign: Campaign | None = None, by: By, tasks: QuerySet[Task] | None = None
) -> list[AttainmentRow]:
    """The targets of the campaign's work (or of ``tasks``, e.g. one unit's in every campaign)
    rolled up by list, category, lead unit or campaign, in one query.

    Rows in the order of the lists, categories, units or campaigns; targets of tasks without a
    category form a row of their own (key None) when rolling up by category.
    """
    key_field, name_field = _GROUPS[by]
    targets = Target.objects.filter(task__task_list__kind__in=WORK_KINDS)
    if campaign is not None:
        targets = targets.filter(task__task_list__campaign=campaign)
    if tasks is not None:
        targets = targets.filter(task__in=tasks.order_by().values("pk"))
    values = targets.order_by(*_order(by), "task__order", "order", "id").values_list(
        key_field, name_field, "baseline", "target_value", "current_value", "direction"
    )
    no_category = str(_("No category"))
    return attainment_rollup(
        (key, name or no_category, Measured(baseline, target_value, current_value, direction))
        for key, name, baseline, target_value, current_value, direction in values
    )


class Measured:
    """A target's values judged by the ``Target`` model's own rule (its ``achieved`` and
    ``attainment``, borrowed), without a model instance per target: ``Model.__init__`` fills
    every field, and a campaign's cockpit rolls its targets up twice on every view."""

    __slots__ = ("baseline", "target_value", "current_value", "direction")
    Direction = Target.Direction

    def __init__(self, baseline, target_value, current_value, direction):
        self.baseline, self.target_value = baseline, target_value
        self.current_value, self.direction = current_value, direction

    @property
    def achieved(self) -> bool:
        return Target.__dict__["achieved"].fget(self)

    @property
    def attainment(self) -> int | None:
        return Target.__dict__["attainment"].fget(self)


def attainment_rollup(
    targets: Iterable[tuple[int | None, str, Target | Measured]],
) -> list[AttainmentRow]:
    """Add up (key, name, target) triples into one row per key, in the order keys first come.
    The targets may carry values other than their current ones (as at a past moment, see
    ``cycles.selectors.targets_at``): only baseline, target and current value and the
    direction are read."""
    rows: dict[int | None, AttainmentRow] = {}
    for key, name, target in targets:
        row = rows.get(key)
        if row is None:
            row = rows[key] = AttainmentRow(key=key, name=name)
        row.targets += 1
        if target.current_value is None:
            row.unmeasured += 1
        elif target.achieved:
            row.met += 1
            row.share_total += 100
        else:
            row.not_met += 1
            row.share_total += target.attainment or 0
    return list(rows.values())


def _order(by: str) -> tuple[str, ...]:
    if by == "list":
        return ("task__task_list__order", "task__task_list_id")
    if by == "category":
        return ("task__task_list__order", "task__category__order", "task__category_id")
    if by == "campaign":
        return ("-task__task_list__campaign__year", "task__task_list__campaign__name")
    return ("task__lead_unit__order", "task__lead_unit__name", "task__lead_unit_id")


@dataclass
class TargetSeries:
    """One target and its values: the baseline, then each confirmed report's, oldest first."""

    target: Target
    points: list[tuple[str, Decimal]] = field(default_factory=list)  # (label, value)


def target_series(*, task: Task) -> list[TargetSeries]:
    """The task's targets as time series, from a task read by ``task_detail`` (no query:
    its targets and its reports with their target values are prefetched)."""
    series = {target.pk: TargetSeries(target) for target in task.targets.all()}
    for target in task.targets.all():
        if target.baseline is not None:
            series[target.pk].points.append((str(_("baseline")), target.baseline))
    reports = [
        report
        for report in task.reports.all()
        if report.confirmed_at is not None and report.unit_id == task.lead_unit_id
    ]
    for report in sorted(reports, key=lambda r: (r.submitted_at, r.pk)):
        label = _label(report.submitted_at)
        for row in report.target_values.all():
            if row.target_id in series:
                series[row.target_id].points.append((label, row.value))
    return list(series.values())


def _label(at: datetime.datetime) -> str:
    return timezone.localtime(at).strftime("%m-%d")
