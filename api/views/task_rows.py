"""The task list's rows, built from plain column values instead of model instances walked by
DRF's serializer: the same JSON as ``TaskSerializer`` (a test compares the two on every kind of
value), for a fraction of the cost per row (README "API (v1)", Speed).

Each value goes through the very field of ``TaskSerializer`` (or of its nested serializers)
that would have written it, so dates, times and decimals read exactly as in the detail and
in the schema; only the walking (attribute lookups, a serializer per nested row, a queryset per
prefetched task) is left out. The page itself is one ``.values()`` query; its supporting units,
targets and last reports are one query each, whatever the number of rows.
"""

from collections import defaultdict
from collections.abc import Callable
from functools import cache
from typing import Any

from rest_framework import serializers

from api.views.task_serializers import LastReportSerializer, TargetSerializer, TaskSerializer
from tasks.models import ProgressReport, Target, TaskSupport

# What a row of the page reads: the output name → the column of ``.values()``. The cursor of
# every ordering (ORDERINGS) reads its columns from the row too: id, deadline, progress,
# task_list_id and order.
TASK_COLUMNS = {
    "id": "id",
    "version": "version",
    "code": "code",
    "title": "title",
    "campaign": "task_list__campaign__slug",
    "task_list": "task_list_id",
    "category": "category_id",
    "category_name": "category__name",
    "deadline": "deadline",
    "deadline_text": "deadline_text",
    "ongoing": "ongoing",
    "status": "status",
    "progress": "progress",
    "light": "light_value",
    "claimed": "claimed",
}
VALUES = (
    *TASK_COLUMNS.values(),
    "lead_unit_id",
    "lead_unit__name",
    "last_report_id",
    "order",
)


class Plan:
    """A serializer's flat fields applied to a dict of column values (``columns``: output name →
    key), as ``Serializer.to_representation`` applies them to an instance: None stays None,
    anything else goes through the field's ``to_representation``."""

    def __init__(self, serializer: serializers.Serializer, columns: dict[str, str]):
        fields = serializer.fields
        self.columns = list(columns.values())
        self.steps: list[tuple[str, str, Callable[[Any], Any]]] = [
            (name, column, fields[name].to_representation) for name, column in columns.items()
        ]

    def __call__(self, values: dict) -> dict:
        return {
            name: None if (value := values[column]) is None else represent(value)
            for name, column, represent in self.steps
        }


@cache
def _plans() -> tuple[list[str], Plan, Plan, Plan]:
    task, target, report = TaskSerializer(), TargetSerializer(), LastReportSerializer()
    return (
        list(task.fields.keys()),  # the keys' order, as the serializer writes them
        Plan(task, TASK_COLUMNS),
        Plan(target, {name: name for name in TargetSerializer.Meta.fields}),
        Plan(
            report, {name: name for name in LastReportSerializer.Meta.fields} | {"unit": "unit_id"}
        ),
    )


def task_rows(page: list[dict]) -> list[dict]:
    """The JSON of ``page`` (rows of ``.values(*VALUES)``), with each task's supporting units,
    targets and last report: three queries, whatever the number of rows."""
    if not page:
        return []
    order, task_plan, target_plan, _report_plan = _plans()
    ids = [row["id"] for row in page]
    supports: dict[int, list[dict]] = defaultdict(list)
    for task_id, unit_id, name in (
        TaskSupport.objects.filter(task_id__in=ids)
        .order_by("id")
        .values_list("task_id", "unit_id", "unit__name")
    ):
        supports[task_id].append({"id": unit_id, "name": name})
    targets: dict[int, list[dict]] = defaultdict(list)
    for values in (
        Target.objects.filter(task_id__in=ids)
        .order_by("task_id", "order", "id")  # a task's own order, with no join to sort by task
        .values("task_id", *target_plan.columns)
    ):
        targets[values["task_id"]].append(target_plan(values))
    reports = last_reports([row["last_report_id"] for row in page])
    rows = []
    for row in page:
        fields = task_plan(row)
        fields["lead_unit"] = {"id": row["lead_unit_id"], "name": row["lead_unit__name"]}
        fields["supporting_units"] = supports.get(row["id"], [])
        fields["targets"] = targets.get(row["id"], [])
        fields["last_report"] = reports.get(row["last_report_id"])
        rows.append({name: fields[name] for name in order})
    return rows


def last_reports(ids: list[int | None]) -> dict[int, dict]:
    """The reports of ``ids`` (None: no report) as ``LastReportSerializer`` writes them."""
    wanted = [pk for pk in ids if pk]
    if not wanted:
        return {}
    plan = _plans()[3]
    rows = ProgressReport.objects.filter(pk__in=wanted).values(*plan.columns)
    return {values["id"]: plan(values) for values in rows}
