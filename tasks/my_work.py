"""Reads of 我的任务 beyond the task table: its sort orders, the reports waiting for the unit
head (待我确认), and the report that waits for confirmation on a task ("60 %（待单位负责人确认）")."""

from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from accounts.models import User
from tasks.lights import Light
from tasks.models import ProgressReport, Task

# 我的任务 sorts by these ("" keeps the lists' order, grouped by campaign and list).
SORTS = ("deadline", "light", "last_report")
LIGHT_RANK = Case(
    When(light_value=Light.RED, then=Value(0)),
    When(light_value=Light.YELLOW, then=Value(1)),
    When(light_value=Light.GREEN, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def awaiting_percent() -> Subquery:
    """The percent of the lead unit's latest report on the task while it waits for the unit
    head's confirmation (None when it counts already, or there is none): "60 %（待单位负责人确认）"."""
    latest = ProgressReport.objects.filter(
        task=OuterRef("pk"), unit_id=OuterRef("lead_unit_id")
    ).order_by("-submitted_at", "-id")
    waiting = Case(
        When(confirmed_at__isnull=True, locked_at__isnull=True, then=F("percent")),
        default=None,
        output_field=IntegerField(),
    )
    return Subquery(latest.values(waiting=waiting)[:1], output_field=IntegerField())


def sorted_tasks(qs: QuerySet[Task], sort: str) -> QuerySet[Task]:
    """``qs`` (with list columns) in the order 我的任务 asks for; ties keep the lists' order."""
    tie = ("task_list__campaign__name", "task_list__order", "order", "id")
    if sort == "deadline":
        return qs.order_by(F("deadline").asc(nulls_last=True), *tie)
    if sort == "light":
        return qs.annotate(light_rank=LIGHT_RANK).order_by("light_rank", *tie)
    if sort == "last_report":
        return qs.order_by(F("last_report_at").asc(nulls_first=True), *tie)
    return qs.order_by(*tie)


def reports_to_confirm(*, user: User) -> QuerySet[ProgressReport]:
    """待我确认: the reports of the head's unit that wait for confirmation, oldest first (a
    report locked by a certified month can no longer be confirmed and is left out)."""
    if not user.unit_id:
        return ProgressReport.objects.none()
    return (
        ProgressReport.objects.filter(
            unit_id=user.unit_id, confirmed_at__isnull=True, locked_at__isnull=True
        )
        .select_related("task__task_list__campaign", "submitted_by")
        .order_by("submitted_at", "id")
    )


def awaiting_report(task: Task) -> ProgressReport | None:
    """The lead unit's latest report on ``task`` when it waits for the head's confirmation,
    read from the task's prefetched reports (``task_detail``)."""
    for report in task.reports.all():  # newest first
        if report.unit_id == task.lead_unit_id:
            waiting = report.confirmed_at is None and report.locked_at is None
            return report if waiting else None
    return None
