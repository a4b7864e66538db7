"""Weekly snapshots: a campaign's figures as each dispatch round closed, for the trend.

Two ways to the same numbers, by the rules of the weekly bulletin (``cycles.services.figures.
round_bulletin``):

* when a round closes (``snapshot_after_round_close``, registered with ``cycles.hooks``), from
  the round's own rows: its bulletin's totals (reports owed, made and late, red and overdue
  tasks among those owed, tasks closed that week) and the tasks it owed as they stand;
* for weeks before the cockpit existed (``snapshots_backfill``), from the history alone: the
  tasks in progress when the round opened, with their lead unit then (``TaskEvent``, through
  ``tasks.selectors.tasks_as_at``), their lead unit's reports in the round's window
  (``ProgressReport``), their state when it closed, and the close-outs recorded that week.

Either way one row per campaign and week (a unique constraint): storing again, a hook run twice
or a backfill over stored weeks changes nothing.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from campaigns.models import WORK_KINDS, Campaign
from cockpit.models import WeekSnapshot
from cockpit.selectors.reporting import reporting_counts
from cycles import schedule
from cycles.models import DispatchRound, RoundItem
from tasks.lights import Light, light_expression, task_light
from tasks.models import ProgressReport, Task, TaskEvent
from tasks.selectors import SETTING_EVENTS, tasks_as_at

log = logging.getLogger(__name__)


@dataclass
class WeekFigures:
    owed: int = 0
    reported: int = 0
    late: int = 0
    red: int = 0
    overdue: int = 0
    yellow: int = 0
    closed: int = 0
    progress_total: int = 0  # the owed tasks' progress added up
    units: dict[str, list[int]] = field(default_factory=dict)  # unit id → owed, made, on time

    def count_unit(self, unit_id: int, *, reported: bool, on_time: bool) -> None:
        row = self.units.setdefault(str(unit_id), [0, 0, 0])
        row[0] += 1
        row[1] += reported
        row[2] += on_time

    def as_fields(self) -> dict:
        # The bulletin's own rounding: one decimal, 100 % when nothing was owed.
        rate = round(100 * self.reported / self.owed, 1) if self.owed else 100.0
        progress = round(self.progress_total / self.owed, 1) if self.owed else 0.0
        return {
            "owed": self.owed,
            "reported": self.reported,
            "late": self.late,
            "rate": Decimal(str(rate)),
            "red": self.red,
            "overdue": self.overdue,
            "yellow": self.yellow,
            "closed": self.closed,
            "progress": Decimal(str(progress)),
            "units": self.units,
        }


def snapshot_store(
    *,
    campaign: Campaign,
    week_start: datetime.date,
    as_of: datetime.datetime,
    source: str,
    figures: WeekFigures,
) -> tuple[WeekSnapshot, bool]:
    """Store the week's figures once; a week already stored is left as it is."""
    return WeekSnapshot.objects.get_or_create(
        campaign=campaign,
        week_start=week_start,
        defaults={"as_of": as_of, "source": source, **figures.as_fields()},
    )


# --- when a round closes -------------------------------------------------------------------


def round_figures(round_: DispatchRound) -> WeekFigures:
    """The week's figures from a closed round: its bulletin, and its tasks as they stand."""
    totals = round_.result.get("totals", {})
    until = min(round_.closed_at or timezone.now(), round_.closes_at)
    today = schedule.local_date(until, round_.campaign.schedule_timezone)
    owed = RoundItem.objects.filter(round=round_).annotate(
        light=light_expression(today, prefix="task__")
    )
    lights = owed.aggregate(
        yellow=Count("pk", filter=Q(light=Light.YELLOW)), progress=Sum("task__progress")
    )
    units = {
        str(row["lead_unit_id"]): [row["owed"], row["reported"], row["on_time"]]
        for row in reporting_counts([round_.pk], "lead_unit_id")
    }
    return WeekFigures(
        owed=totals.get("owed", 0),
        reported=totals.get("reported", 0),
        late=totals.get("late", 0),
        red=totals.get("red", 0),
        overdue=totals.get("overdue", 0),
        closed=totals.get("closed", 0),
        yellow=lights["yellow"],
        progress_total=lights["progress"] or 0,
        units=units,
    )


def snapshot_from_round(*, round_id: int) -> WeekSnapshot | None:
    round_ = DispatchRound.objects.select_related("campaign").filter(pk=round_id).first()
    if round_ is None or round_.closed_at is None:
        return None
    snapshot, _created = snapshot_store(
        campaign=round_.campaign,
        week_start=round_.week_start,
        as_of=min(round_.closed_at, round_.closes_at),
        source=WeekSnapshot.Source.ROUND,
        figures=round_figures(round_),
    )
    return snapshot


def snapshot_after_round_close(round_id: int) -> None:
    """Registered with ``cycles.hooks.after_round_close``: runs right after the close commits,
    so the round's tasks still stand as they did when it closed."""
    snapshot_from_round(round_id=round_id)


# --- from the history ------------------------------------------------------------------------


def history_figures(
    *, campaign: Campaign, times: schedule.RoundTimes
) -> tuple[datetime.datetime, WeekFigures] | None:
    """The figures a round of that week gave (or would have given), from the history alone;
    None when nothing was in progress when it opened (no round opens then either)."""
    opens, until = times.opens_at, times.closes_at
    candidates = (
        Task.objects.work()
        .filter(task_list__campaign=campaign, created_at__lt=opens)
        .exclude(status=Task.Status.CLOSED, closed_at__lt=opens)  # closed before: stays closed
        .order_by("pk")
    )
    owed = {
        task.pk: state.lead_unit_id
        for task, state in tasks_as_at(tasks=candidates, moment=opens)
        if state.status == Task.Status.IN_PROGRESS
    }
    if not owed:
        return None
    figures = WeekFigures(owed=len(owed))
    firsts = _first_reports(campaign, opens, until)
    for task_id, unit_id in owed.items():
        first = firsts.get((task_id, unit_id))
        on_time = first is not None and first <= times.due_at
        figures.count_unit(unit_id, reported=first is not None, on_time=on_time)
        if first is not None:
            figures.reported += 1
            figures.late += not on_time
    today = schedule.local_date(until, campaign.schedule_timezone)
    for task, state in tasks_as_at(tasks=candidates, moment=until):
        if task.pk not in owed:
            continue
        light = task_light(
            deadline=state.deadline,
            ongoing=state.ongoing,
            progress=state.progress,
            status=state.status,
            today=today,
        )
        figures.red += light.light == Light.RED
        figures.overdue += light.overdue
        figures.yellow += light.light == Light.YELLOW
        figures.progress_total += state.progress
    figures.closed = (
        TaskEvent.objects.filter(
            task__task_list__campaign=campaign,
            task__task_list__kind__in=WORK_KINDS,
            kind__in=SETTING_EVENTS,
            at__gte=opens,
            at__lt=until,
            after__status=Task.Status.CLOSED,
        )
        .values("task_id")
        .distinct()
        .count()
    )
    return until, figures


def _first_reports(
    campaign: Campaign, start: datetime.datetime, end: datetime.datetime
) -> dict[tuple[int, int], datetime.datetime]:
    """(task, unit) → that unit's first report on the task in [start, end)."""
    rows = (
        ProgressReport.objects.filter(
            task__task_list__campaign=campaign, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("task_id", "unit_id")
        .annotate(first=Min("submitted_at"))
        .values_list("task_id", "unit_id", "first")
    )
    return {(task_id, unit_id): first for task_id, unit_id, first in rows}


def backfill_weeks(campaign: Campaign, now: datetime.datetime) -> Iterable[datetime.date]:
    """Every week from the campaign's start whose round would have closed by ``now``."""
    week = schedule.week_start(campaign.start_date)
    last = campaign.end_date + datetime.timedelta(days=7) if campaign.end_date else None
    while last is None or week <= last:
        times = schedule.round_times(campaign, week)
        if times.closes_at > now:
            return
        # A round opens only once the campaign has started (``cycles.services.run``).
        if campaign.start_date <= times.due_at.date():
            yield week
        week += datetime.timedelta(days=7)


def snapshots_backfill(*, campaign: Campaign, now: datetime.datetime | None = None) -> int:
    """Store the snapshot of every past week of the campaign that has none, reconstructed from
    the history; the weeks already stored (by their round, or an earlier backfill) are left
    alone. Returns how many were stored."""
    now = now or timezone.now()
    stored = set(
        WeekSnapshot.objects.filter(campaign=campaign).values_list("week_start", flat=True)
    )
    count = 0
    for week in backfill_weeks(campaign, now):
        if week in stored:
            continue
        result = history_figures(campaign=campaign, times=schedule.round_times(campaign, week))
        if result is None:
            continue
        as_of, figures = result
        _snapshot, created = snapshot_store(
            campaign=campaign,
            week_start=week,
            as_of=as_of,
            source=WeekSnapshot.Source.HISTORY,
            figures=figures,
        )
        count += created
    log.info("backfilled %d weeks of %s", count, campaign)
    return count
