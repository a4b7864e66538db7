"""A task as it stood at a moment, read back from its history (bulletins as at a round)."""

import dataclasses
import datetime
from dataclasses import dataclass

from django.db.models import (
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from accounts.merging import unit_merge_sources
from tasks.attainment import target_attainment, target_series  # noqa: F401 (re-exported)
from tasks.models import (
    Task,
    TaskEvent,
)

# The fields whose past value the history tells, and the events that set them: ``task_create``
# and the importer record what a task was created as (``after`` only), ``task_update`` and the
# importer's updates record each change as ``before``/``after`` of the changed fields only.
# (Other kinds have keys of the same names that mean something else: a request's "status".)
AS_AT_FIELDS = ("progress", "status", "deadline", "ongoing", "lead_unit_id")
SETTING_EVENTS = (
    TaskEvent.Kind.CREATED,
    TaskEvent.Kind.IMPORTED,
    TaskEvent.Kind.UPDATED,
    TaskEvent.Kind.STATUS_CHANGED,
)


@dataclass(frozen=True)
class TaskAsAt:
    """What the task's progress, status, deadline and lead unit were at an instant."""

    progress: int
    status: str
    deadline: datetime.date | None
    ongoing: bool
    lead_unit_id: int


def _as_at_value(field_name: str, raw):
    """A value from an event's JSON, read either as JSON (``before``) or as SQL text (``->>``:
    SQLite hands back numbers as numbers and true/false/null as words; a JSON null is
    turned into the word "null" so that it differs from "no such event")."""
    if field_name in ("progress", "lead_unit_id"):
        return int(raw)
    if field_name == "deadline":
        return None if raw in (None, "null") else datetime.date.fromisoformat(raw)
    if field_name == "ongoing":
        return raw in (True, 1, "1", "true")
    return str(raw)


def tasks_as_at(*, tasks: QuerySet[Task], moment: datetime.datetime) -> list[tuple[Task, TaskAsAt]]:
    """Each task with its progress, status, deadline, ongoing flag and lead unit as they stood at
    ``moment``, read from its TaskEvent history in two queries whatever the number of tasks.

    For each field: the value the last event before ``moment`` set; failing that, the value the
    first later change started from (its ``before``); failing that — no change recorded either
    side, as for rows written straight into the table — the task's value now. A lead unit
    merged since into another (``accounts.merging``) reads as that unit: the two were one
    body all along."""

    def last_set(field_name: str) -> Subquery:
        events = (
            TaskEvent.objects.filter(
                task=OuterRef("pk"),
                kind__in=SETTING_EVENTS,
                at__lt=moment,
                after__has_key=field_name,
            )
            .order_by("-at", "-id")
            .values(
                value=Coalesce(KT(f"after__{field_name}"), Value("null"), output_field=TextField())
            )
        )
        return Subquery(events[:1], output_field=TextField())

    rows = list(tasks.annotate(**{f"set_{name}": last_set(name) for name in AS_AT_FIELDS}))
    later: dict[int, dict] = {}
    for task_id, before in (
        TaskEvent.objects.filter(
            task__in=tasks.order_by().values("pk"),
            kind__in=SETTING_EVENTS,
            at__gte=moment,
            before__has_any_keys=list(AS_AT_FIELDS),
        )
        .order_by("at", "id")
        .values_list("task_id", "before")
    ):
        first = later.setdefault(task_id, {})
        for name in AS_AT_FIELDS:
            if name in before and name not in first:
                first[name] = before[name]
    result = []
    for task in rows:
        values = {}
        for name in AS_AT_FIELDS:
            raw = getattr(task, f"set_{name}")
            if raw is not None:
                values[name] = _as_at_value(name, raw)
            elif name in later.get(task.pk, {}):
                values[name] = _as_at_value(name, later[task.pk][name])
            else:
                values[name] = getattr(task, name)
        result.append((task, TaskAsAt(**values)))
    merged = unit_merge_sources({state.lead_unit_id for _task, state in result})
    if merged:
        result = [
            (task, dataclasses.replace(state, lead_unit_id=merged[state.lead_unit_id]))
            if state.lead_unit_id in merged
            else (task, state)
            for task, state in result
        ]
    return result
