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


#: What 待我确认 shows of a report: its task's number, title and campaign, its author, time,
#: percent and text (``{% confirm_rows %}``).
CONFIRM_VALUES = (
    "pk",
    "task_id",
    "task__code",
    "task__title",
    "task__task_list__campaign__name",
    "submitted_by_id",
    "submitted_by__display_name",
    "submitted_by__first_name",
    "submitted_by__last_name",
    "submitted_by__username",
    "submitted_at",
    "percent",
    "text",
)


class ConfirmRow:
    """A report of 待我确认 as plain values: ``by`` is its author as ``User.__str__`` names
    them (worked out once per author, from the columns that rule reads)."""

    __slots__ = (
        "pk",
        "task_id",
        "code",
        "title",
        "campaign",
        "by",
        "submitted_at",
        "percent",
        "text",
    )

    def __init__(self, values: dict, authors: dict):
        self.pk, self.task_id = values["pk"], values["task_id"]
        self.code, self.title = values["task__code"], values["task__title"]
        self.campaign = values["task__task_list__campaign__name"]
        author = values["submitted_by_id"]
        if author not in authors:
            authors[author] = str(
                User(
                    pk=author,
                    display_name=values["submitted_by__display_name"],
                    first_name=values["submitted_by__first_name"],
                    last_name=values["submitted_by__last_name"],
                    username=values["submitted_by__username"],
                )
            )
        self.by = authors[author]
        self.submitted_at, self.percent = values["submitted_at"], values["percent"]
        self.text = values["text"]


def confirm_rows(*, user: User) -> list[ConfirmRow]:
    """``reports_to_confirm`` as the page draws it: one ``.values()`` query, where the
    reports with their tasks, lists, campaigns and authors as models were five objects of
    some 90 columns a row (a unit may have hundreds waiting)."""
    authors: dict = {}
    return [
        ConfirmRow(values, authors)
        for values in reports_to_confirm(user=user).select_related(None).values(*CONFIRM_VALUES)
    ]


def awaiting_report(task: Task) -> ProgressReport | None:
    """The lead unit's latest report on ``task`` when it waits for the head's confirmation,
    read from the task's prefetched reports (``task_detail``)."""
    for report in task.reports.all():  # newest first
        if report.unit_id == task.lead_unit_id:
            waiting = report.confirmed_at is None and report.locked_at is None
            return report if waiting else None
    return None
