"""What a unit owes this week (本周应报送): the open tasks it leads in each campaign's current
dispatch round, with the last report, progress and targets. A fixed number of queries for any
number of tasks and campaigns (tests/reporting count them)."""

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.utils import timezone

from config.prepared import among, prepares
from cycles.models import DispatchRound, RoundItem
from reporting import page_reads, sheet_rows
from reporting.owed_rows import OwedRow, ReportValues
from tasks.lights import Light, LightResult, light_expression
from tasks.models import ProgressReport, ReportTargetValue, Target, Task
from tasks.search import AnyOf


@dataclass
class OwedTask:
    task: Task
    round: DispatchRound
    # The lead unit's latest report on the task (any round), with its target values.
    last_report: ProgressReport | None
    targets: list[Target] = field(default_factory=list)
    light: LightResult | None = None

    @property
    def round_report(self) -> ProgressReport | None:
        """The unit's report in this round, if it made one: the sheet shows it filled in, and
        an upload corrects it rather than adding a second report to the round."""
        report = self.last_report
        return report if report is not None and report.submitted_at >= self.round.opens_at else None

    @property
    def reported(self) -> bool:
        return self.round_report is not None

    @property
    def awaiting(self) -> bool:
        """The round's report waits for the unit head's confirmation."""
        report = self.round_report
        return report is not None and report.confirmed_at is None and report.locked_at is None


@dataclass
class OwedRound:
    round: DispatchRound
    owed: int = 0
    reported: int = 0

    @property
    def missing(self) -> int:
        return self.owed - self.reported


@dataclass
class Owed:
    rounds: list[OwedRound]
    # Every owed task, or the first ``limit`` of them in the order asked for.
    tasks: list[OwedTask]

    @property
    def total(self) -> int:
        return sum(r.owed for r in self.rounds)

    @property
    def reported(self) -> int:
        return sum(r.reported for r in self.rounds)

    @property
    def shown_all(self) -> bool:
        return len(self.tasks) == self.total


def current_rounds(*, now: datetime.datetime) -> QuerySet[DispatchRound]:
    """Every campaign's round that has opened and not closed yet (one per campaign: a round
    closes when the next one opens)."""
    return DispatchRound.objects.filter(closed_at__isnull=True, opens_at__lte=now).select_related(
        "campaign"
    )


def _latest_lead_report() -> Subquery:
    return Subquery(
        ProgressReport.objects.filter(
            task=OuterRef("task_id"), unit_id=OuterRef("task__lead_unit_id")
        )
        .order_by("-submitted_at", "-id")
        .values("pk")[:1]
    )


#: The orders 我的任务 offers for the owed tasks; each after "not reported yet first".
LIGHT_RANK = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2, Light.GREY: 3}


def _round_reported(prefix: str = "") -> Exists:
    """The lead unit has reported on the task since the round opened (on RoundItem)."""
    return Exists(
        ProgressReport.objects.filter(
            task=OuterRef(f"{prefix}task_id"),
            unit_id=OuterRef(f"{prefix}task__lead_unit_id"),
            submitted_at__gte=OuterRef(f"{prefix}round__opens_at"),
        )
    )


def _ordered(queryset: QuerySet[RoundItem], sort: str, today: datetime.date) -> QuerySet:
    """Not reported yet first; then the order asked for; then the lists' order."""
    rank: list = []
    if sort == "deadline":
        rank = [F("task__deadline").asc(nulls_last=True)]
    elif sort == "light":
        light = light_expression(today, prefix="task__")
        queryset = queryset.alias(light_value=light).annotate(
            light_rank=Case(
                *[When(Q(light_value=value), then=Value(n)) for value, n in LIGHT_RANK.items()],
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        rank = ["light_rank"]
    elif sort == "last_report":
        rank = [F("last_report_at").asc(nulls_first=True)]
    return queryset.order_by("round_reported", *rank, *LIST_ORDER)


LIST_ORDER = ("task__task_list__campaign__name", "task__task_list__order", "task__order", "task_id")


def _targets(*, task_ids: list[int]) -> dict[int, list[Target]]:
    by_task: dict[int, list[Target]] = {}
    for target in Target.objects.filter(task_id__in=task_ids).order_by("task_id", "order", "id"):
        by_task.setdefault(target.task_id, []).append(target)
    return by_task


def _latest_lead_at() -> Subquery:
    return Subquery(
        ProgressReport.objects.filter(
            task=OuterRef("task_id"), unit_id=OuterRef("task__lead_unit_id")
        )
        .order_by("-submitted_at", "-id")
        .values("submitted_at")[:1]
    )


#: What the pages show of an owed task (``targets=False``): its row and its light.
PAGE_COLUMNS = (
    "round_id",
    "task_id",
    "task__task_list_id",
    "task__category_id",
    "task__lead_unit_id",
    "task__code",
    "task__title",
    "task__deadline",
    "task__deadline_text",
    "task__ongoing",
    "task__status",
    "task__progress",
    "task__task_list__campaign_id",
    "task__task_list__name",
    "task__task_list__kind",
    "task__task_list__campaign__name",
)
#: What the sheet writes of an owed item (``reporting.sheet_rows``).
SHEET_COLUMNS = (*PAGE_COLUMNS, *sheet_rows.TASK_COLUMNS, "last_report_id")
#: What they show of a round (``DispatchRound.iso_label`` is its week's).
ROUND_COLUMNS = ("campaign_id", "week_start", "opens_at", "due_at", "campaign__name")
#: What they show of a last report: when, how far, and whether it waits for confirmation.
REPORT_COLUMNS = ("task_id", "unit_id", "percent", "submitted_at", "confirmed_at", "locked_at")


def _rows(sort: str | None, today: datetime.date, *, targets: bool = True) -> QuerySet[RoundItem]:
    """Owed round items with their tasks, lists and campaigns and the lead unit's last report,
    in the order ``sort`` asks for (None: the lists' order); the caller says whose. With
    ``targets=False``, only what the pages draw (``PAGE_COLUMNS``)."""
    queryset = RoundItem.objects.annotate(last_report_id=_latest_lead_report())
    if targets:
        queryset = queryset.select_related("task__task_list__campaign", "task__category")
    else:
        # The pages draw a few columns of each row (reporting/templatetags/owed.py): not the
        # task's texts and extra columns, the list's layout, the campaign's settings (a third
        # of the rows' CPU went to building and decoding them).
        queryset = queryset.select_related("task__task_list__campaign").only(*PAGE_COLUMNS)
    if sort is None:
        return queryset.order_by(*LIST_ORDER)
    return _ordered(
        queryset.annotate(round_reported=_round_reported(), last_report_at=_latest_lead_at()),
        sort,
        today,
    )


#: 我的任务's rows carry their round's counts: windows over every owed item the conditions
#: keep (worked out before the ``LIMIT``), so the page reads rows and counts at once.
ROUND_COUNTS = ("owed_in_round", "reported_in_round")


@functools.lru_cache(maxsize=16)
def _page_rows(sort: str, today: datetime.date) -> QuerySet[RoundItem, dict[str, Any]]:
    """``_rows`` for 我的任务 (the first 50 in the order it asks for) as values, built once per
    order and day in a process and cloned for each request, not its subqueries worked out
    again (nor its columns looked up); each row with its round's counts (``ROUND_COUNTS``),
    where a grouped query counted them apart (its statement cost the database as much as the
    rows', and Django as much to build)."""
    # Items counted by their task (never null), not their id: they are then read from the
    # index of (round, task) alone, not each from the table too (323 on the benchmark's staff).
    reported = Count("task_id", filter=Q(round_reported=True))
    return (
        _rows(sort, today, targets=False)
        .annotate(
            owed_in_round=Window(Count("task_id"), partition_by=[F("round_id")]),
            reported_in_round=Window(reported, partition_by=[F("round_id")]),
        )
        .values(*PAGE_COLUMNS, "last_report_id", *ROUND_COUNTS)
    )


def _count_rounds(items: QuerySet[RoundItem], by_round: dict[int, OwedRound]) -> None:
    """The owed items ``items`` and those reported since their round opened, per round."""
    for row in (
        items.alias(round_reported=_round_reported())
        .values("round_id")
        .annotate(owed=Count("pk"), reported=Count("pk", filter=Q(round_reported=True)))
        .order_by()
    ):
        by_round[row["round_id"]].owed = row["owed"]
        by_round[row["round_id"]].reported = row["reported"]


def owed_where(unit, rounds) -> Q:
    """A unit's owed round items of these rounds (ids; or Slots, compiled once:
    ``reporting.page_reads``). The unit's open tasks said twice: as an array
    (``= ANY(ARRAY(...))``) they let PostgreSQL find the round's items through
    ``rounditem_unique`` (round, task), where the join on the task alone hashed every item of
    the round (a sequential scan: the count 19 → 3 ms, the rows 12 → 5 ms at 10,000 tasks);
    the join's conditions still hold, so the items are the same."""
    led = Task.objects.filter(lead_unit_id=unit, status=Task.Status.IN_PROGRESS)
    return (
        Q(AnyOf(F("task_id"), Subquery(led.order_by().values("pk"))))
        & among("round_id", rounds)
        & Q(task__lead_unit_id=unit, task__status=Task.Status.IN_PROGRESS)
    )


def owed_tasks(
    *,
    unit_id: int,
    now: datetime.datetime | None = None,
    today: datetime.date | None = None,
    task_ids: list[int] | None = None,
    limit: int | None = None,
    sort: str | None = None,
    targets: bool = True,
    sheet: bool = False,
) -> Owed:
    """The tasks ``unit_id`` leads that are owed in a current round and still in progress, in
    list order (``task_ids``: only those). ``limit``: only the first so many, in the order
    ``sort`` asks for (not reported yet first, as 我的任务 shows them); the counts per round
    are counted in SQL either way, so they cover every owed task. Six queries; four with
    ``targets=False`` (the pages, which show no target: the sheet and the upload need them),
    three with a ``sort`` too (我的任务: the counts read with the rows, ``_page_rows``; one
    more when ``limit`` rows leave a round out). ``sheet``: with their targets, read as plain
    values (``reporting.sheet_rows``: what the sheet writes), in the same queries."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    if not targets and not sheet and sort is not None and task_ids is None and prepares():
        return _owed_page(unit_id=unit_id, now=now, today=today, limit=limit, sort=sort)
    if sheet and sort is None and task_ids is None and limit is None and prepares():
        return page_reads.owed_sheet(unit_id=unit_id, now=now, today=today)
    rounds: dict[int, DispatchRound] = {}
    current = current_rounds(now=now).order_by("campaign_id", "-week_start")
    if not targets:  # the pages show a round's campaign, week and due time, nothing more
        current = current.only(*ROUND_COLUMNS)
    for round_ in current:
        rounds.setdefault(round_.campaign_id, round_)
    where = owed_where(unit_id, [r.pk for r in rounds.values()])
    owed_items = RoundItem.objects.filter(where)
    if task_ids is not None:
        owed_items = owed_items.filter(task_id__in=task_ids)
    by_round = {r.pk: OwedRound(round=r) for r in rounds.values()}
    paged = not targets and sort is not None  # 我的任务: the counts come with the rows
    queryset: QuerySet[RoundItem, Any]
    if paged:
        queryset = _page_rows(sort, today)
    else:
        _count_rounds(owed_items, by_round)
        queryset = _rows(sort, today, targets=targets and not sheet)
    queryset = queryset.filter(where)
    if task_ids is not None:
        queryset = queryset.filter(task_id__in=task_ids)
    sliced = queryset[:limit] if limit is not None else queryset
    if sheet:
        owed = _owed_sheet(sliced, by_round, today)
    elif targets:
        owed = _owed_models(sliced, by_round, today)
    else:
        owed = _owed_values(sliced, by_round, today, counted=paged)
    if paged and limit is not None and len(owed) >= limit:
        # A round none of whose items made the first ``limit`` rows is counted apart.
        unseen = _unseen(owed, by_round)
        if unseen:
            _count_rounds(owed_items.filter(round_id__in=unseen), by_round)
    return _listed(by_round, owed)


def _unseen(owed: list[OwedTask], by_round: dict) -> list[int]:
    shown = {item.round.pk for item in owed}
    return [pk for pk in by_round if pk not in shown]


def _listed(by_round: dict, owed: list[OwedTask]) -> Owed:
    listed = [r for r in by_round.values() if r.owed]
    listed.sort(key=lambda r: (r.round.due_at, r.round.campaign.name))
    return Owed(rounds=listed, tasks=owed)


def _owed_page(
    *, unit_id: int, now: datetime.datetime, today: datetime.date, limit: int | None, sort: str
) -> Owed:
    """``owed_tasks`` for 我的任务 (a ``sort``, ``targets=False``: the counts come with the
    rows), the same queries compiled once per process (``reporting.page_reads``)."""
    by_round = page_reads.current_by_round(now)
    rows = (
        page_reads.page_rows.rows(sort, today, limit, unit=unit_id, rounds=list(by_round))
        if by_round
        else []  # no round: no query (as ``round__in=[]``)
    )
    owed = _owed_values(rows, by_round, today, counted=True, prepared=True)
    if limit is not None and len(owed) >= limit:
        unseen = _unseen(owed, by_round)
        if unseen:
            page_reads.count_rounds(unit_id, unseen, by_round)
    return _listed(by_round, owed)


def _owed_models(queryset: QuerySet[RoundItem, Any], by_round: dict, today) -> list[OwedTask]:
    """The owed tasks as models, with their last reports' target values and their targets
    (the sheet, the upload, the API)."""
    # Round items annotated with their last report's id (``_rows``).
    items: list[Any] = list(queryset)
    last_reports = ProgressReport.objects.filter(
        pk__in=[i.last_report_id for i in items if i.last_report_id]
    ).prefetch_related(
        Prefetch("target_values", queryset=ReportTargetValue.objects.order_by("target_id"))
    )
    reports = {report.pk: report for report in last_reports}
    by_task = _targets(task_ids=[i.task_id for i in items])
    return [
        OwedTask(
            task=item.task,
            round=by_round[item.round_id].round,
            last_report=reports.get(item.last_report_id),
            targets=by_task.get(item.task_id, []),
            light=item.task.light_on(today),
        )
        for item in items
    ]


def _owed_sheet(queryset: QuerySet[RoundItem, Any] | list, by_round: dict, today) -> list[OwedTask]:
    """``_owed_models`` as plain values (``reporting.sheet_rows``), for the sheet (a list:
    the rows already, ``reporting.page_reads.owed_sheet``'s)."""
    if isinstance(queryset, QuerySet):
        queryset = queryset.values(*SHEET_COLUMNS)
    rows = list(queryset)
    reports = sheet_rows.sheet_reports([r["last_report_id"] for r in rows if r["last_report_id"]])
    by_task = sheet_rows.sheet_targets([row["task_id"] for row in rows])
    lists: dict = {}
    owed = []
    for row in rows:
        task = sheet_rows.SheetTask(row, lists)
        owed.append(
            OwedTask(
                task=task,  # type: ignore[arg-type]
                round=by_round[row["round_id"]].round,
                last_report=reports.get(row["last_report_id"]),  # type: ignore[arg-type]
                targets=by_task.get(row["task_id"], []),  # type: ignore[arg-type]
                light=task.light_on(today),
            )
        )
    return owed


def _owed_values(
    queryset: QuerySet[RoundItem, Any] | list,
    by_round: dict,
    today,
    *,
    counted: bool = False,
    prepared: bool = False,
) -> list[OwedTask]:
    """The owed tasks as the pages draw them (``targets=False``), read as plain values: the
    same two queries as models, without building a round item, task, list and campaign per
    row (``reporting.owed_rows``). ``counted``: ``_page_rows``'s, values already, with their
    rounds' counts (``ROUND_COUNTS``), which are put on ``by_round``."""
    if not counted:
        assert isinstance(queryset, QuerySet)  # a list is ``_owed_page``'s rows, counted
        queryset = queryset.values(*PAGE_COLUMNS, "last_report_id")
    rows: list[dict[str, Any]] = list(queryset)
    if counted:
        for row in rows:
            by_round[row["round_id"]].owed = row["owed_in_round"]
            by_round[row["round_id"]].reported = row["reported_in_round"]
    ids = [row["last_report_id"] for row in rows if row["last_report_id"]]
    if prepared:  # ``reporting.page_reads``; no query for no report, as ``pk__in=[]``
        found = page_reads.last_reports.rows(ids=ids) if ids else []
    else:
        found = ProgressReport.objects.filter(pk__in=ids).values("pk", *REPORT_COLUMNS)
    reports = {values["pk"]: ReportValues(values) for values in found}
    lists: dict = {}
    owed = []
    for row in rows:
        task = OwedRow(row, lists)
        owed.append(
            OwedTask(
                task=task,  # type: ignore[arg-type]
                round=by_round[row["round_id"]].round,
                last_report=reports.get(row["last_report_id"]),  # type: ignore[arg-type]
                light=task.light_on(today),
            )
        )
    return owed
