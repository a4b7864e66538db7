"""Reads about targets: one task's targets as time series, and attainment rolled up.

Attainment is the Target model's own (``achieved``, ``attainment``: met, or the share of the
way from the baseline to the target, respecting the direction); the roll-up reads every target
of a campaign in one values() query and adds them up in one pass, so a page that shows it costs
one query whatever the number of targets. Re-exported by ``tasks.selectors``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from django.db.models import F, QuerySet, Window
from django.db.models.functions import DenseRank
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import WORK_KINDS, Campaign
from tasks.models import Target, Task

__all__ = [
    "AttainmentRow",
    "TargetSeries",
    "attainment_rollup",
    "target_attainment",
    "target_attainments",
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

    def count(self, met: bool | None, share: int) -> None:
        """One more target: met, not met or not measured (None), and its share of the way."""
        self.targets += 1
        if met is None:
            self.unmeasured += 1
        elif met:
            self.met += 1
        else:
            self.not_met += 1
        self.share_total += share

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
    return rolled_up(target_values(campaign=campaign, by=by, tasks=tasks))


def target_values(
    *, campaign: Campaign | None = None, by: By, tasks: QuerySet[Task] | None = None
) -> QuerySet:
    """``target_attainment``'s read (its ``rolled_up`` rows): a queryset a page may also
    compile once (``config.prepared``) with slots in ``tasks``."""
    key_field, name_field = _GROUPS[by]
    targets = Target.objects.filter(task__task_list__kind__in=WORK_KINDS)
    if campaign is not None:
        targets = targets.filter(task__task_list__campaign=campaign)
    if tasks is not None:
        targets = targets.filter(task__in=tasks.order_by().values("pk"))
    return targets.order_by(*_order(by), "task__order", "order", "id").values_list(
        key_field, name_field, "baseline", "target_value", "current_value", "direction"
    )


def rolled_up(values) -> list[AttainmentRow]:
    """The rows of ``target_values``' values, rolled up."""
    no_category = str(_("No category"))
    return attainment_rollup(
        (key, name or no_category, Measured(baseline, target_value, current_value, direction))
        for key, name, baseline, target_value, current_value, direction in values
    )


Grouped = Literal["list", "category", "unit"]


def target_attainments(
    *, campaign: Campaign, by: Sequence[Grouped], published: bool = False
) -> dict[str, list[AttainmentRow]]:
    """Several roll-ups of the campaign's work's targets from one read: each equal to
    ``target_attainment(campaign=campaign, by=…)`` (the cockpit shows them by list and by lead
    unit, the campaign page also by category), without reading the targets once per roll-up
    or judging each target once per roll-up.

    Each row's place is the rank of its first target in that roll-up's order
    (``_order``), ranked by the database in the same query (a window), so rows come in the
    order ``target_attainment`` gives them, names collated as the database collates them.

    ``published``: also ``"published"``, one row of the targets of the campaign's published
    work (not drafts) — the cockpit's headline, ``cockpit.selectors.figures.target_totals``'
    count — from the same read.
    """
    values = _attainment_values(tuple(by), published).filter(task__task_list__campaign=campaign)
    no_category = str(_("No category"))
    rolled: list[dict[int | None, AttainmentRow]] = [{} for _group in by]
    first: list[dict[int | None, int]] = [{} for _group in by]
    width = 3 * len(by)
    whole = AttainmentRow(key=campaign.pk, name=campaign.name)
    for value in values:
        met, share = judged(Measured(*value[width : width + 4]))
        if published and value[-1] != Task.Status.DRAFT:
            whole.count(met, share)
        for n, (rows, ranks) in enumerate(zip(rolled, first, strict=True)):
            key, name, rank = value[3 * n : 3 * n + 3]
            row = rows.get(key)
            if row is None:
                row = rows[key] = AttainmentRow(key=key, name=name or no_category)
                ranks[key] = rank
            elif rank < ranks[key]:
                ranks[key] = rank
            row.count(met, share)
    rollups: dict[str, list[AttainmentRow]] = {
        group: [rows[key] for key in sorted(ranks, key=ranks.__getitem__)]
        for group, rows, ranks in zip(by, rolled, first, strict=True)
    }
    if published:
        rollups["published"] = [whole]
    return rollups


@lru_cache(maxsize=16)
def _attainment_values(by: tuple[Grouped, ...], published: bool) -> QuerySet:
    """``target_attainments``' read before its campaign: built once per process and cloned
    for each page (as ``tasks.table_rows._table_values`` is), not its windows and columns
    built again for each. Never evaluated itself."""
    return (
        Target.objects.filter(task__task_list__kind__in=WORK_KINDS)
        .order_by()
        .annotate(
            **{
                f"rank_{group}": Window(DenseRank(), order_by=[F(f).asc() for f in _order(group)])
                for group in by
            }
        )
        .values_list(
            *(f for group in by for f in (*_GROUPS[group], f"rank_{group}")),
            "baseline",
            "target_value",
            "current_value",
            "direction",
            *(("task__status",) if published else ()),
        )
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

    # The model's own properties' functions, not a property calling each: a call fewer per
    # target and rule (``attainment`` asks ``achieved`` too).
    achieved = property(Target.__dict__["achieved"].fget)
    attainment = property(Target.__dict__["attainment"].fget)


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
        row.count(*judged(target))
    return list(rows.values())


def judged(target: Target | Measured) -> tuple[bool | None, int]:
    """Whether a target is met (None: not measured yet) and its share of the way (100 when
    met, nothing when not measured)."""
    if target.current_value is None:
        return None, 0
    if target.achieved:
        return True, 100
    return False, target.attainment or 0


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


def target_series(*, task: Task, reports: Iterable | None = None) -> list[TargetSeries]:
    """The task's targets as time series, from a task read by ``task_detail`` (no query:
    its targets and its reports with their target values are prefetched); ``reports``: its
    reports with their values, where the task holds only its newest (the task page)."""
    series = {target.pk: TargetSeries(target) for target in task.targets.all()}
    for target in task.targets.all():
        if target.baseline is not None:
            series[target.pk].points.append((str(_("baseline")), target.baseline))
    reports = [
        report
        for report in (task.reports.all() if reports is None else reports)
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
