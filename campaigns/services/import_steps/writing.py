"""Writing an import's rows: the new tasks streamed into COPY, the changed ones gathered.

``Writes`` takes the plan's rows (``applying.import_apply`` decides what each becomes): the
new tasks, their supporting units, targets and creation events are made from the plan's rows
and their reserved keys as COPY takes them, a chunk at a time (``bulk.stream_rows``), never
held as rows; changed tasks, which are few, are gathered for one UPDATE per table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.db.models import Model

from campaigns.importing.drafts import DraftTarget
from campaigns.models import Category, TaskList
from campaigns.services.bulk import bulk_update_values, reserve_ids, stream_rows
from campaigns.services.import_steps.comparing import (
    IMPORTED_FIELDS,
    TARGET_FIELDS,
    ImportPlan,
    PlannedRow,
    decimal_json,
    new_values,
    pair_targets,
    target_values,
)
from tasks.models import DIFFICULTY_DEFAULT, Target, Task, TaskEvent, TaskSupport
from tasks.services import handover_reset, snapshot

# What a creation event records: the task's number, title, place and units, and deadline
# (the rest is in the task and in the stored file; later changes record before/after).
CREATION_EVENT_FIELDS = (
    "title",
    "category_id",
    "lead_unit_id",
    "deadline",
    "deadline_text",
    "ongoing",
)

Row = dict[str, Any]

# A creation event's "before", one object for every row (COPY encodes it once).
_NOTHING: Row = {}

# What ``handover_reset`` sets when a re-import gives a task another lead unit.
HANDOVER_FIELDS = ("handed_over_at", "acknowledged_at", "acknowledged_by", "ack_reminded_at")


#: The columns of a new task, in the order ``Writes._task_rows`` gives them: its keys and
#: state, then the fields an import writes, in ``IMPORTED_FIELDS``' order (the others take
#: their defaults).
TASK_COLUMNS = (
    "id",
    "task_list_id",
    "code",
    "status",
    "progress",
    "version",
    "created_at",
    "updated_at",
    "handed_over_at",
    *IMPORTED_FIELDS,
)
EVENT_COLUMNS = ("task_id", "actor_id", "at", "kind", "before", "after", "note")
SUPPORT_COLUMNS = ("task_id", "unit_id")
TARGET_COLUMNS = ("task_id", "order", *TARGET_FIELDS, "baseline")


@dataclass
class Writes:
    """What every table gets: new tasks are streamed into one INSERT (COPY) per table from
    the plan's rows and their reserved keys, never held as rows; changed tasks, which are
    few, are gathered for one UPDATE."""

    plan: ImportPlan
    task_list: TaskList
    categories: dict[str, Category]
    unit_ids: dict[str, int]  # by the name in the file
    event: Row  # what every TaskEvent has in common
    note: str
    created: list[tuple[PlannedRow, int]] = field(default_factory=list)  # with its new key
    support_rows: list[tuple] = field(default_factory=list)  # of changed tasks
    target_rows: list[tuple] = field(default_factory=list)
    event_rows: list[tuple] = field(default_factory=list)
    changed_tasks: list[Task] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    support_deletes: list[int] = field(default_factory=list)
    target_updates: list[Target] = field(default_factory=list)
    # A new task's supporting units as ``_created_supports`` worked them out, for its
    # creation event (written after): by its key.
    _supports_of: dict[int, list[int]] = field(default_factory=dict)

    def category_id(self, name: str | None) -> int | None:
        return self.categories[name].pk if name else None

    def _category_ids(self) -> dict[str | None, int | None]:
        """``category_id`` of every name (and of none), for the loops over new tasks."""
        ids: dict[str | None, int | None] = {name: c.pk for name, c in self.categories.items()}
        ids[None] = ids[""] = None
        return ids

    def support_ids(self, row: PlannedRow) -> list[int]:
        ids: list[int] = []
        for unit in row.supporting:
            unit_id = unit.unit_id if unit.unit_id is not None else self.unit_ids[unit.name]
            if unit_id != row.lead_unit_id and unit_id not in ids:
                ids.append(unit_id)
        return ids

    def create(self, rows: list[PlannedRow]) -> None:
        """New tasks, under reserved keys: written by ``flush``."""
        self.created = list(zip(rows, reserve_ids(Task, len(rows)), strict=True))

    def _task_rows(self) -> Iterator[tuple]:
        now = self.event["at"]
        category_ids = self._category_ids()
        common = (
            self.task_list.pk,
            Task.Status.DRAFT if self.task_list.is_draft else Task.Status.IN_PROGRESS,
            0,
            1,
            now,
            now,
            # Work reaches its lead unit, which is to acknowledge it (签收): once its list
            # is published (``drafts.task_list_publish``), not as a draft.
            now if self.task_list.is_work and not self.task_list.is_draft else None,
        )
        for row, task_id in self.created:
            draft = row.draft
            difficulty = DIFFICULTY_DEFAULT if draft.difficulty is None else draft.difficulty
            yield (
                task_id,
                common[0],
                draft.code,
                *common[1:],
                draft.title,
                draft.content,
                draft.source,
                category_ids[row.category],
                row.lead_unit_id,
                draft.principal_owner_name,
                draft.leader_in_charge_name,
                draft.specific_owner_name,
                draft.deadline,
                draft.deadline_text,
                draft.ongoing,
                draft.extra,
                draft.order,
                difficulty,
            )

    def _created_supports(self) -> Iterator[tuple]:
        supports_of = self._supports_of
        for row, task_id in self.created:
            if row.supporting:  # most rows name none: no call then
                supports_of[task_id] = wanted = self.support_ids(row)
                for unit_id in wanted:
                    yield (task_id, unit_id)
        yield from self.support_rows

    def _created_targets(self) -> Iterator[tuple]:
        for row, task_id in self.created:
            for target in row.draft.targets:
                yield _target_row(task_id, target)
        yield from self.target_rows

    def _events(self) -> Iterator[tuple]:
        """A creation event per new task (its number, title, place, units and deadline; the
        rest is in the task and in the stored file), then the changed tasks' events."""
        category_ids = self._category_ids()
        event, note = self.event, self.note  # ``_event``'s, inline: a call a row less
        actor_id, at, kind = event["actor_id"], event["at"], event["kind"]
        wanted_of = self._supports_of.get
        value: Any
        for row, task_id in self.created:
            draft = row.draft
            # CREATION_EVENT_FIELDS' values, those given, in that order (unrolled: a loop over
            # the six made a tuple and six turns a row).
            after: dict[str, Any] = {"code": draft.code}
            if value := draft.title:
                after["title"] = value
            if value := category_ids[row.category]:
                after["category_id"] = value
            if value := row.lead_unit_id:
                after["lead_unit_id"] = value
            if value := draft.deadline:
                after["deadline"] = value.isoformat()
            if value := draft.deadline_text:
                after["deadline_text"] = value
            if value := draft.ongoing:
                after["ongoing"] = value
            if row.supporting:
                wanted = wanted_of(task_id)
                if wanted is None:  # not worked out by ``_created_supports``
                    wanted = self.support_ids(row)
                if wanted:
                    after["supporting_unit_ids"] = wanted
            if draft.targets:
                after["targets"] = [_target_json(target) for target in draft.targets]
            yield (task_id, actor_id, at, kind, _NOTHING, after, note)
        yield from self.event_rows

    def update(self, row: PlannedRow) -> None:
        """A changed task: its fields, supports and targets, and an event of what changed."""
        task = row.task
        assert task is not None
        before = snapshot(task, IMPORTED_FIELDS)
        for name, value in new_values(row, self.category_id(row.category)).items():
            setattr(task, name, value)
        after = snapshot(task, IMPORTED_FIELDS)
        changed = {key for key in after if after[key] != before[key]}
        self.changed_fields |= changed
        if "lead_unit_id" in changed and self.task_list.is_work:
            handover_reset(task, at=self.event["at"])  # the new lead unit is to acknowledge it
            self.changed_fields |= set(HANDOVER_FIELDS)
        event_before = {key: before[key] for key in sorted(changed)}
        event_after = {key: after[key] for key in sorted(changed)}
        self._update_supports(row, task, event_before, event_after)
        if self.plan.drafts.has_targets:
            self._update_targets(row, task, event_before, event_after)
        task.version += 1
        task.updated_at = self.event["at"]
        self.changed_tasks.append(task)
        self.event_rows.append(self._event(task.pk, event_before, event_after))

    def _update_supports(self, row: PlannedRow, task: Task, before: Row, after: Row) -> None:
        wanted = self.support_ids(row)
        existing = self.plan.supports.get(task.pk, {})
        if set(existing) == set(wanted):
            return
        before["supporting_unit_ids"] = sorted(existing)
        after["supporting_unit_ids"] = sorted(wanted)
        self.support_deletes += [pk for unit_id, pk in existing.items() if unit_id not in wanted]
        self.support_rows += [(task.pk, unit_id) for unit_id in wanted if unit_id not in existing]

    def _update_targets(self, row: PlannedRow, task: Task, before: Row, after: Row) -> None:
        current = self.plan.targets.get(task.pk, [])
        for wanted, target in pair_targets(row.draft.targets, current):
            values = target_values(wanted)
            if target is None:
                self.target_rows.append(_target_row(task.pk, wanted))
                after.setdefault("targets", []).append(_target_json(wanted))
            elif any(getattr(target, key) != value for key, value in values.items()):
                old = {key: getattr(target, key) for key in TARGET_FIELDS}
                before.setdefault("targets", []).append(_target_json(old))
                for key, value in values.items():
                    setattr(target, key, value)
                self.target_updates.append(target)
                after.setdefault("targets", []).append(_target_json(wanted))

    def _event(self, task_id: int, before: Row, after: Row) -> tuple:
        event = self.event
        return (task_id, event["actor_id"], event["at"], event["kind"], before, after, self.note)

    def flush(self) -> int:
        """One statement per table (none for a table with nothing to write); returns how
        many tasks were created."""
        created = stream_rows(Task, TASK_COLUMNS, self._task_rows()) if self.created else 0
        bulk_update_values(
            Task, self.changed_tasks, sorted(self.changed_fields | {"version", "updated_at"})
        )
        if self.support_deletes:
            TaskSupport.objects.filter(pk__in=self.support_deletes).delete()
        _stream(TaskSupport, SUPPORT_COLUMNS, self._created_supports())
        _stream(Target, TARGET_COLUMNS, self._created_targets())
        bulk_update_values(Target, self.target_updates, list(TARGET_FIELDS))
        _stream(TaskEvent, EVENT_COLUMNS, self._events())
        return created


def _stream(model: type[Model], names: tuple[str, ...], rows: Iterator[tuple]) -> None:
    """``stream_rows``, with no statement at all when there is no row."""
    first = next(rows, None)
    if first is not None:
        stream_rows(model, names, chain((first,), rows))


def _target_row(task_id: int, target: DraftTarget) -> tuple:
    return (
        task_id,
        target["order"],
        *(target[key] for key in TARGET_FIELDS),  # type: ignore[literal-required]
        target.get("baseline"),
    )


def _target_json(target: DraftTarget | dict[str, Any]) -> dict[str, Any]:
    return {
        key: decimal_json(target.get(key))
        for key in (
            "metric",
            "unit_of_measure",
            "baseline",
            "target_value",
            "current_value",
            "direction",
        )
    }
