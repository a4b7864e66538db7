"""A campaign's figures broken down: lead unit × list (the heat map), list × category, and the
unit table. Each is a fixed number of GROUP BY queries whatever the number of units and tasks:
never a count per unit."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from campaigns.models import Campaign, Category, TaskList
from cockpit.selectors.figures import (
    COUNT_NAMES,
    counted_tasks,
    grouped_counts,
    latest_rounds,
    reporting_counts,
    round_items,
)
from cycles import schedule
from cycles.models import DispatchRound, MonthlyReview, UnitMonth
from tasks.lights import Light, light_expression


def work_lists(campaign: Campaign) -> list[TaskList]:
    return [t for t in campaign.lists.order_by("order", "pk") if t.is_work]


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


def heat_map(*, campaign: Campaign, today: datetime.date) -> list[HeatRow]:
    """Every lead unit with a red or yellow task, worst first, with its counts per list."""
    rows = (
        counted_tasks()
        .filter(task_list__campaign=campaign)
        .annotate(light_now=light_expression(today))
        .filter(Q(light_now__in=[Light.RED, Light.YELLOW]))
        .values("lead_unit_id", "lead_unit__name", "task_list_id")
        .annotate(
            red=Count("pk", filter=Q(light_now=Light.RED)),
            yellow=Count("pk", filter=Q(light_now=Light.YELLOW)),
        )
        .order_by()
    )
    units: dict[int, HeatRow] = {}
    for row in rows:
        unit = units.setdefault(
            row["lead_unit_id"], HeatRow(unit_id=row["lead_unit_id"], unit=row["lead_unit__name"])
        )
        unit.cells[row["task_list_id"]] = {"red": row["red"], "yellow": row["yellow"]}
        unit.red += row["red"]
        unit.yellow += row["yellow"]
    return sorted(units.values(), key=lambda r: (-r.red, -r.yellow, r.unit))


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


def category_breakdown(
    *, campaign: Campaign, today: datetime.date, lists: list[TaskList] | None = None
) -> list[ListBreakdown]:
    """Each work list's categories (in the list's order) with their counts; tasks without a
    category form a row of their own. Two queries (three without ``lists``)."""
    lists = lists if lists is not None else work_lists(campaign)
    counts = grouped_counts(
        counted_tasks().filter(task_list__campaign=campaign), today, "task_list_id", "category_id"
    )
    categories = Category.objects.filter(task_list__in=lists).order_by("order", "pk")
    by_list: dict[int, list[CategoryRow]] = {t.pk: [] for t in lists}
    for category in categories:
        row = counts.get((category.task_list_id, category.pk))
        if row:
            by_list[category.task_list_id].append(CategoryRow(category.pk, category.name, row))
    for task_list in lists:
        row = counts.get((task_list.pk, None))
        if row:
            by_list[task_list.pk].append(CategoryRow(None, "", row))
    return [ListBreakdown(t, by_list[t.pk]) for t in lists if by_list[t.pk]]


# --- the unit table ------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    unit: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    week: dict = field(default_factory=dict)  # owed / reported / on_time in the latest round
    month: dict = field(default_factory=dict)  # the same, summed over last month's rounds
    score: Decimal | None = None
    rank: int | None = None
    rank_change: int | None = None  # places gained since the month before (negative: lost)

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
    month: datetime.date  # the calendar month before today's
    review: MonthlyReview | None  # the latest certified month
    previous_review: MonthlyReview | None


def unit_table(*, campaign: Campaign, today: datetime.date) -> UnitTable:
    """Every lead unit of the campaign: its tasks, red and overdue; its reporting this week and
    last month; its last certified score and rank, and the places gained or lost since the
    month before. Five queries for any number of units."""
    units: dict[int, UnitRow] = {}

    def row(unit_id: int, name: str) -> UnitRow:
        return units.setdefault(unit_id, UnitRow(unit_id=unit_id, unit=name))

    tasks = counted_tasks().filter(task_list__campaign=campaign)
    for (unit_id, name), counts in grouped_counts(
        tasks, today, "lead_unit_id", "lead_unit__name"
    ).items():
        row(unit_id, name).counts = {n: counts[n] for n in COUNT_NAMES}
    latest = latest_rounds([campaign.pk]).get(campaign.pk)
    month = schedule.previous_month(today)
    following = schedule.month_start(today)
    month_rounds = list(
        DispatchRound.objects.filter(
            campaign=campaign, week_start__gte=month, week_start__lt=following
        ).values_list("pk", flat=True)
    )
    rounds = set(month_rounds) | ({latest.pk} if latest else set())
    for counts in reporting_counts(
        round_items(list(rounds)), "round_id", "lead_unit_id", "lead_unit__name"
    ):
        unit = row(counts["lead_unit_id"], counts["lead_unit__name"])
        figures = {k: counts[k] for k in ("owed", "reported", "on_time")}
        if latest and counts["round_id"] == latest.pk:
            unit.week = figures
        if counts["round_id"] in month_rounds:
            unit.month = {k: unit.month.get(k, 0) + v for k, v in figures.items()}
    reviews = list(
        MonthlyReview.objects.filter(
            campaign=campaign, status=MonthlyReview.Status.CERTIFIED
        ).order_by("-month")[:2]
    )
    ranks: dict[int, dict[int, UnitMonth]] = {r.pk: {} for r in reviews}
    for figure in UnitMonth.objects.filter(review__in=reviews).select_related("unit"):
        ranks[figure.review_id][figure.unit_id] = figure
        row(figure.unit_id, figure.unit.name)
    for unit in units.values():
        if reviews and (current := ranks[reviews[0].pk].get(unit.unit_id)):
            unit.score, unit.rank = current.score, current.rank
            before = ranks[reviews[1].pk].get(unit.unit_id) if len(reviews) > 1 else None
            unit.rank_change = before.rank - current.rank if before else None
    return UnitTable(
        rows=sorted(
            units.values(),
            key=lambda r: (-r.counts["red"], -r.counts["overdue"], -r.counts["tasks"], r.unit),
        ),
        round=latest,
        month=month,
        review=reviews[0] if reviews else None,
        previous_review=reviews[1] if len(reviews) > 1 else None,
    )
