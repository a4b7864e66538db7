"""The figures the cycles publish: the weekly bulletin of a round. Each unit's monthly figures
and rank are the ranking formula's (``cycles.services.ranking.unit_figures``)."""

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import F, Min
from django.utils import timezone

from cycles import schedule
from cycles.models import DispatchRound, Rating, RoundItem
from cycles.selectors import round_attainment
from tasks.lights import Light, task_light
from tasks.models import ProgressReport, Task


def reported_task_ids(
    round_: DispatchRound, until: datetime.datetime
) -> dict[int, datetime.datetime]:
    """Task id → first report of its lead unit (as at the round's opening) within the round."""
    return dict(
        ProgressReport.objects.filter(
            task__round_items__round=round_,
            unit_id=F("task__round_items__lead_unit_id"),
            submitted_at__gte=round_.opens_at,
            submitted_at__lt=until,
        )
        .values("task_id")
        .annotate(first=Min("submitted_at"))
        .values_list("task_id", "first")
    )


class _Row(NamedTuple):
    pk: int
    code: str
    title: str
    deadline: datetime.date | None
    deadline_text: str
    ongoing: bool
    progress: int
    status: str


def round_bulletin(*, round_: DispatchRound, until: datetime.datetime) -> dict:
    """The weekly bulletin's figures, from the round's rows and the reports in its window."""
    reported = reported_task_ids(round_, until=until)
    today = schedule.local_date(until, round_.campaign.schedule_timezone)
    # The columns the bulletin reads, not whole rows (at 100,000 tasks whole rows took seconds).
    items = (
        RoundItem.objects.filter(round=round_)
        .order_by("lead_unit__order", "lead_unit__name", "task__order", "task_id")
        .values_list(
            "lead_unit_id",
            "lead_unit__name",
            "task_id",
            "task__code",
            "task__title",
            "task__deadline",
            "task__deadline_text",
            "task__ongoing",
            "task__progress",
            "task__status",
        )
    )
    units: dict[int, dict] = {}
    late, red, overdue = [], [], []
    for unit_id, unit_name, *values in items:
        task = _Row._make(values)
        unit = units.setdefault(
            unit_id,
            {
                "unit": unit_name,
                "unit_id": unit_id,
                "owed": 0,
                "reported": 0,
                "late": 0,
                "missing": [],
                "missing_ids": [],
            },
        )
        unit["owed"] += 1
        first = reported.get(task.pk)
        brief = {"id": task.pk, "code": task.code, "title": task.title, "unit": unit_name}
        if first is None:
            unit["missing"].append(task.code)
            unit["missing_ids"].append(task.pk)
        else:
            unit["reported"] += 1
            if first > round_.due_at:
                unit["late"] += 1
                late.append({**brief, "at": timezone.localtime(first).strftime("%Y-%m-%d %H:%M")})
        light = task_light(
            deadline=task.deadline,
            ongoing=task.ongoing,
            progress=task.progress,
            status=task.status,
            today=today,
        )
        deadline = task.deadline.isoformat() if task.deadline else task.deadline_text
        if light.light == Light.RED:
            red.append({**brief, "deadline": deadline, "progress": task.progress})
        if light.overdue:
            overdue.append({**brief, "deadline": deadline, "days": -(light.days_left or 0)})
    closed = list(
        Task.objects.work()
        .filter(
            task_list__campaign=round_.campaign,
            closed_at__gte=round_.opens_at,
            closed_at__lt=until,
        )
        .select_related("lead_unit")
        .order_by("closed_at")
        .values("pk", "code", "title", "lead_unit__name")
    )
    unit_rows = []
    for row in units.values():
        row["rate"] = round(100 * row["reported"] / row["owed"], 1) if row["owed"] else 100.0
        row["missing_count"] = len(row["missing"])
        unit_rows.append(row)
    unit_rows.sort(key=lambda r: (r["rate"], r["unit"]))
    owed = sum(r["owed"] for r in unit_rows)
    made = sum(r["reported"] for r in unit_rows)
    return {
        "targets": [row.as_json() for row in round_attainment(round_=round_, moment=until)],
        "week": round_.iso_label,
        "computed_at": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
        "totals": {
            "owed": owed,
            "reported": made,
            "late": len(late),
            "rate": round(100 * made / owed, 1) if owed else 100.0,
            "red": len(red),
            "overdue": len(overdue),
            "closed": len(closed),
        },
        "units": unit_rows,
        "not_reported": [r for r in unit_rows if r["missing"]],
        "late": late,
        "red": red,
        "overdue": overdue,
        "closed": [
            {"id": c["pk"], "code": c["code"], "title": c["title"], "unit": c["lead_unit__name"]}
            for c in closed
        ],
    }


#: The points of each rating before campaigns set their own (``cycles.RankingFormula``'s
#: defaults, which still give them): completed and on track 100, behind 60, not completed 0.
SCORES = {
    Rating.COMPLETED: Decimal(100),
    Rating.ON_TRACK: Decimal(100),
    Rating.BEHIND: Decimal(60),
    Rating.NOT_COMPLETED: Decimal(0),
}
