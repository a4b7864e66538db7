"""A campaign's figures broken down: lead unit × list (the heat map), list × category, and the
unit table. The tasks are read once, grouped by lead unit, list, category, status, light and
overdue (``campaign_breakdown``); every breakdown is added up from those few groups, and the
unit table's reporting comes from one count of this week's round and the weekly snapshots of
last month. Never a count per unit."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import add

from django.db import connection, router

from accounts.models import Unit
from campaigns.models import Campaign, Category, TaskList
from cockpit.models import WeekSnapshot
from cockpit.selectors.figures import (
    COUNT_NAMES,
    count_groups_sql,
    counted_tasks,
    run_counts,
)
from cockpit.selectors.reporting import reporting_counts
from cycles import schedule
from cycles.models import DispatchRound, MonthlyReview, UnitMonth
from tasks.models import Task


def work_lists(campaign: Campaign) -> list[TaskList]:
    return [t for t in campaign.lists.order_by("order", "pk") if t.is_work]


def _zero() -> dict:
    return dict.fromkeys(COUNT_NAMES, 0)


@dataclass
class Breakdown:
    """The campaign's task counts, whole and by lead unit, by list and category, and the red and
    yellow tasks by lead unit and list."""

    total: dict = field(default_factory=_zero)
    units: dict[int, dict] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)
    categories: dict[tuple[int, int | None], dict] = field(default_factory=dict)
    # (list, category) → the category's (order, name), for the categories of their own list.
    category_names: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    heat: dict[int, dict[int, dict]] = field(default_factory=dict)


def campaign_breakdown(*, campaign: Campaign, today: datetime.date) -> Breakdown:
    """One query: the campaign's published work counted per lead unit, list and category
    (``count_groups``: a few thousand plain tuples at 100,000 tasks), each group joined, once
    counted, to its unit's name and its category's list, name and order (grouping by the name
    too made every group key wider and the grouping a third slower at 100,000 tasks; asked
    apart, the names and the categories were two more queries). The whole, each unit, each
    category and each heat-map cell are sums of those tuples."""
    total = [0] * len(COUNT_NAMES)
    units: dict[int, list[int]] = {}
    unit_names: dict[int, str] = {}
    categories: dict[tuple[int, int | None], list[int]] = {}
    category_names: dict[tuple[int, int], tuple[int, str]] = {}
    heat: dict[int, dict[int, dict]] = {}
    yellow, red = COUNT_NAMES.index("yellow"), COUNT_NAMES.index("red")
    alias = router.db_for_read(Task)
    groups = run_counts(alias, *_breakdown_sql(campaign.pk, today, alias))
    # Sums of about 2,000 tuples of seven counts: ``map(add, …)`` adds them element-wise in C.
    for unit, task_list, category, *counts, name, in_list, category_name, order in groups:
        total = list(map(add, total, counts))
        before = units.get(unit)
        if before is None:
            units[unit] = counts
            unit_names[unit] = name
        else:
            units[unit] = list(map(add, before, counts))
        key = (task_list, category)
        before = categories.get(key)
        categories[key] = counts if before is None else list(map(add, before, counts))
        if in_list == task_list:  # a category of the task's own list
            category_names[key] = (order, category_name)
        if counts[red] or counts[yellow]:
            cell = heat.setdefault(unit, {}).setdefault(task_list, {"red": 0, "yellow": 0})
            cell["red"] += counts[red]
            cell["yellow"] += counts[yellow]
    return Breakdown(
        total=dict(zip(COUNT_NAMES, total, strict=True)),
        units={k: dict(zip(COUNT_NAMES, v, strict=True)) for k, v in units.items()},
        unit_names=unit_names,
        categories={k: dict(zip(COUNT_NAMES, v, strict=True)) for k, v in categories.items()},
        category_names=category_names,
        heat=heat,
    )


@lru_cache(maxsize=32)
def _breakdown_sql(campaign_id: int, today: datetime.date, alias: str) -> tuple[str, tuple]:
    """``campaign_breakdown``'s query, written once a day per campaign and process: its text
    and parameters depend on nothing else, and building and compiling it (the light's rule,
    the published work's filters) cost more of the page's CPU than running it cost Python."""
    sql, params = count_groups_sql(
        counted_tasks().filter(task_list__campaign=campaign_id).using(alias),
        today,
        "lead_unit_id",
        "task_list_id",
        "category_id",
        joined=_NAMES,
    )
    return sql, tuple(params)


def _names_sql() -> tuple[str, str]:
    """``count_groups``' join of the groups (g0 the lead unit, g2 the category) to the unit's
    name and the category's list, name and order."""
    quote = connection.ops.quote_name
    units, categories = quote(Unit._meta.db_table), quote(Category._meta.db_table)
    return (
        f"u.{quote('name')}, c.{quote('task_list_id')}, c.{quote('name')}, c.{quote('order')}",
        f"JOIN {units} u ON u.{quote('id')} = n.g0 "
        f"LEFT JOIN {categories} c ON c.{quote('id')} = n.g2",
    )


_NAMES = _names_sql()


# --- the heat map: lead unit × list, red and yellow ----------------------------------------


@dataclass
class HeatRow:
    unit_id: int
    unit: str
    cells: dict[int, dict] = field(default_factory=dict)  # list id → {"red": n, "yellow": n}
    red: int = 0
    yellow: int = 0

    def cell_list(self, lists: list[TaskList]) -> list[tuple[TaskList, dict]]:
        return [(t, self.cells.get(t.pk, {"red": 0, "yellow": 0})) for t in lists]


def heat_map(breakdown: Breakdown) -> list[HeatRow]:
    """Every lead unit with a red or yellow task, worst first, with its counts per list."""
    rows = []
    for unit_id, cells in breakdown.heat.items():
        row = HeatRow(unit_id=unit_id, unit=breakdown.unit_names[unit_id], cells=cells)
        row.red = sum(c["red"] for c in cells.values())
        row.yellow = sum(c["yellow"] for c in cells.values())
        rows.append(row)
    return sorted(rows, key=lambda r: (-r.red, -r.yellow, r.unit))


# --- categories of each list -----------------------------------------------------------------


@dataclass
class CategoryRow:
    category_id: int | None
    name: str
    counts: dict


@dataclass
class ListBreakdown:
    task_list: TaskList
    rows: list[CategoryRow]


def category_breakdown(*, lists: list[TaskList], breakdown: Breakdown) -> list[ListBreakdown]:
    """Each work list's categories (in the list's order: the categories' order, then id) with
    their counts; tasks without a category form a row of their own. No query: the categories'
    names and order came with the counts (``campaign_breakdown``)."""
    counts, names = breakdown.categories, breakdown.category_names
    by_list: dict[int, list[tuple]] = {t.pk: [] for t in lists}
    for (list_id, category), (order, name) in names.items():
        if list_id in by_list:
            by_list[list_id].append((order, category, name))
    rows: dict[int, list[CategoryRow]] = {}
    for task_list in lists:
        found = sorted(by_list[task_list.pk])
        rows[task_list.pk] = [
            CategoryRow(pk, name, counts[task_list.pk, pk]) for _order, pk, name in found
        ]
        row = counts.get((task_list.pk, None))
        if row:
            rows[task_list.pk].append(CategoryRow(None, "", row))
    return [ListBreakdown(t, rows[t.pk]) for t in lists if rows[t.pk]]


# --- the unit table ------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    unit: str
    counts: dict = field(default_factory=_zero)
    week: dict = field(default_factory=dict)  # owed / reported / on_time in the latest round
    month: dict = field(default_factory=dict)  # the same, summed over last month's weeks
    score: Decimal | None = None
    rank: int | None = None
    rank_change: int | None = None  # places gained since the month before (negative: lost)
    # Its problems by state, (state, number, label) as problems.selectors.count_columns gives
    # them; set by the campaign cockpit's view.
    problems: list = field(default_factory=list)

    @staticmethod
    def _rate(counts: dict) -> float | None:
        owed = counts.get("owed", 0)
        return round(100 * counts.get("reported", 0) / owed, 1) if owed else None

    @property
    def week_rate(self) -> float | None:
        return self._rate(self.week)

    @property
    def month_rate(self) -> float | None:
        return self._rate(self.month)


@dataclass
class UnitTable:
    rows: list[UnitRow]
    round: DispatchRound | None
    week: dict  # the latest round's owed / reported / on_time, all units together
    month: datetime.date  # the calendar month before today's
    review: MonthlyReview | None  # the latest certified month
    previous_review: MonthlyReview | None


REPORTING = ("owed", "reported", "on_time")


def last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month before today's: its first day, and the first day of today's."""
    return schedule.previous_month(today), schedule.month_start(today)


def unit_table(
    *,
    campaign: Campaign,
    today: datetime.date,
    breakdown: Breakdown,
    weeks: list[WeekSnapshot] | None = None,
) -> UnitTable:
    """Every lead unit of the campaign: its tasks, red and overdue (``breakdown``); its reporting
    in the latest round (counted) and last calendar month (the weeks' snapshots); its last
    certified score and rank, and the places gained or lost since the month before. Five
    queries for any number of units and tasks; four with ``weeks``, the trend's snapshots read
    with last month's reporting by unit (``trend(units_of=last_month(today))``), and three when
    no month is certified yet."""
    rows = {
        unit_id: UnitRow(unit_id=unit_id, unit=breakdown.unit_names[unit_id], counts=counts)
        for unit_id, counts in breakdown.units.items()
    }
    # The campaign's latest round (``latest_rounds`` for one campaign, without its subquery).
    latest = DispatchRound.objects.filter(campaign=campaign).order_by("-week_start").first()
    week = dict.fromkeys(REPORTING, 0)
    if latest is not None:
        for counts in reporting_counts([latest.pk], "lead_unit_id", "lead_unit__name"):
            unit_id = counts["lead_unit_id"]
            row = rows.setdefault(unit_id, UnitRow(unit_id, counts["lead_unit__name"]))
            row.week = {k: counts[k] for k in REPORTING}
            week = {k: week[k] + counts[k] for k in REPORTING}
    month, month_end = last_month(today)
    if weeks is None:
        month_units = [
            s.units
            for s in WeekSnapshot.objects.filter(
                campaign=campaign, week_start__gte=month, week_start__lt=month_end
            ).only("units")
        ]
    else:
        month_units = [s.month_units for s in weeks if s.month_units is not None]
    for units in month_units:
        for key, figures in units.items():
            leads = rows.get(int(key))
            if leads is not None:  # a unit that no longer leads any task: its history is its page
                leads.month = {
                    k: leads.month.get(k, 0) + v for k, v in zip(REPORTING, figures, strict=True)
                }
    reviews = list(
        MonthlyReview.objects.filter(
            campaign=campaign, status=MonthlyReview.Status.CERTIFIED
        ).order_by("-month")[:2]
    )
    ranks: dict[int, dict[int, UnitMonth]] = {r.pk: {} for r in reviews}
    # No month certified: no figures to ask for (building the query that finds none costs).
    for figure in (
        UnitMonth.objects.filter(review__in=reviews).select_related("unit") if reviews else ()
    ):
        ranks[figure.review_id][figure.unit_id] = figure
        rows.setdefault(figure.unit_id, UnitRow(figure.unit_id, figure.unit.name))
    for row in rows.values():
        if reviews and (current := ranks[reviews[0].pk].get(row.unit_id)):
            row.score, row.rank = current.score, current.rank
            before = ranks[reviews[1].pk].get(row.unit_id) if len(reviews) > 1 else None
            row.rank_change = before.rank - current.rank if before else None
    return UnitTable(
        rows=sorted(
            rows.values(),
            key=lambda r: (-r.counts["red"], -r.counts["overdue"], -r.counts["tasks"], r.unit),
        ),
        round=latest,
        week=week,
        month=month,
        review=reviews[0] if reviews else None,
        previous_review=reviews[1] if len(reviews) > 1 else None,
    )
