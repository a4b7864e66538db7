"""Applying: an ImportPlan without errors → written in one transaction, or not at all.

Units and aliases the coordinator asked for, categories, tasks (one INSERT), changed tasks
(one UPDATE), supporting units, targets, and a TaskEvent per task (kind IMPORTED), all in
bulk: keys are reserved first, so that every row pointing at a new task is built before the
one INSERT per table, and the number of queries does not grow with the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import unit_aliases_add, units_create
from campaigns.importing.drafts import DraftTarget
from campaigns.importing.headers import extra_keys
from campaigns.models import Category, TaskList
from campaigns.services.bulk import bulk_update_values, insert_rows, reserve_ids
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
from config.errors import RuleViolation
from tasks.models import DIFFICULTY_DEFAULT, Target, Task, TaskEvent, TaskSupport
from tasks.services import handover_reset, history_now, snapshot

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

# What ``handover_reset`` sets when a re-import gives a task another lead unit.
HANDOVER_FIELDS = ("handed_over_at", "acknowledged_at", "acknowledged_by", "ack_reminded_at")


@dataclass
class ImportResult:
    task_list: TaskList
    created: int
    updated: int
    unchanged: int
    categories: int
    units_created: int
    aliases_created: int


@transaction.atomic
def import_apply(*, plan: ImportPlan, by: User | None, note: str = "") -> ImportResult:
    """Write a plan that has no errors, all of it or (on any failure) none of it.

    Call it inside a transaction that planned with ``for_update=True``, so that the list
    cannot change between the comparison and the writes (``imports.import_locked`` does).
    """
    if plan.errors:
        raise RuleViolation(
            _("The file has %(count)s errors; nothing was imported.") % {"count": len(plan.errors)},
            code="import_errors",
        )
    now = history_now()
    task_list = plan.task_list or _create_list(plan)
    unit_ids, units_created, aliases_created = _write_units(plan)
    writes = _Writes(
        plan=plan,
        task_list=task_list,
        categories=_write_categories(plan, task_list),
        unit_ids=unit_ids,
        event={
            "actor_id": by.pk if by else None,
            "at": now,
            "kind": TaskEvent.Kind.IMPORTED,
        },
        note=note,
    )
    new_rows = [row for row in plan.rows if row.action == "create"]
    changed_rows = [row for row in plan.rows if row.action == "update"]
    for row in new_rows + changed_rows:
        if row.lead_unit_id is None:
            row.lead_unit_id = unit_ids[row.draft.lead or ""]
    writes.create(new_rows)
    for row in changed_rows:
        writes.update(row)
    writes.flush()
    _store_layout(plan, task_list)
    return ImportResult(
        task_list=task_list,
        created=len(writes.task_rows),
        updated=len(writes.changed_tasks),
        unchanged=plan.count("unchanged"),
        categories=len(plan.drafts.categories),
        units_created=units_created,
        aliases_created=aliases_created,
    )


def _create_list(plan: ImportPlan) -> TaskList:
    campaign = plan.campaign
    try:
        with transaction.atomic():
            return TaskList.objects.create(
                campaign=campaign,
                name=plan.list_name,
                kind=plan.list_kind or TaskList.Kind.REFORM,
                source_document=plan.source.filename[:300],
                order=campaign.lists.count(),
            )
    except IntegrityError as exc:
        raise RuleViolation(
            _("A list named “%(name)s” was just created by someone else; check the file again.")
            % {"name": plan.list_name},
            code="stale",
        ) from exc


def _write_units(plan: ImportPlan) -> tuple[dict[str, int], int, int]:
    """Units and aliases the coordinator asked for: (unit id by name, units created,
    aliases created)."""
    to_create = [u.name for u in plan.units.values() if u.how == "create"]
    created = (
        units_create(names=to_create, parent=plan.campaign.organiser.parent) if to_create else {}
    )
    unit_ids = {u.name: u.unit_id for u in plan.units.values() if u.unit_id is not None}
    unit_ids.update({name: unit.pk for name, unit in created.items()})
    aliases = {
        u.name: u.unit_id
        for u in plan.units.values()
        if u.how in ("chosen", "suggested") and u.unit_id is not None
    }
    aliases_created = unit_aliases_add(aliases=aliases) if aliases else 0
    return unit_ids, len(created), aliases_created


def _write_categories(plan: ImportPlan, task_list: TaskList) -> dict[str, Category]:
    """New categories in one INSERT, moved or renumbered ones in one UPDATE; all by name."""
    categories = dict(plan.categories)
    new = [
        Category(task_list=task_list, name=c.name, code=c.code, order=c.order)
        for c in plan.drafts.categories
        if c.name not in categories
    ]
    Category.objects.bulk_create(new)
    categories.update({c.name: c for c in new})
    moved = []
    for c in plan.drafts.categories:
        category = categories[c.name]
        if (
            category.pk
            and (category.code, category.order) != (c.code, c.order)
            and category not in new
        ):
            category.code, category.order = c.code, c.order
            moved.append(category)
    bulk_update_values(Category, moved, ["code", "order"])
    return categories


@dataclass
class _Writes:
    """The rows of every table, gathered before one INSERT (or UPDATE) per table."""

    plan: ImportPlan
    task_list: TaskList
    categories: dict[str, Category]
    unit_ids: dict[str, int]  # by the name in the file
    event: Row  # what every TaskEvent has in common
    note: str
    task_rows: list[Row] = field(default_factory=list)
    support_rows: list[Row] = field(default_factory=list)
    target_rows: list[Row] = field(default_factory=list)
    event_rows: list[Row] = field(default_factory=list)
    changed_tasks: list[Task] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    support_deletes: list[int] = field(default_factory=list)
    target_updates: list[Target] = field(default_factory=list)

    def category_id(self, name: str | None) -> int | None:
        return self.categories[name].pk if name else None

    def support_ids(self, row: PlannedRow) -> list[int]:
        ids: list[int] = []
        for unit in row.supporting:
            unit_id = unit.unit_id if unit.unit_id is not None else self.unit_ids[unit.name]
            if unit_id != row.lead_unit_id and unit_id not in ids:
                ids.append(unit_id)
        return ids

    def create(self, rows: list[PlannedRow]) -> None:
        """New tasks, their supports, targets and creation events, under reserved keys."""
        now = self.event["at"]
        for row, task_id in zip(rows, reserve_ids(Task, len(rows)), strict=True):
            values = new_values(row, self.category_id(row.category))
            self.task_rows.append(
                {
                    "id": task_id,
                    "task_list_id": self.task_list.pk,
                    "code": row.draft.code,
                    "status": Task.Status.IN_PROGRESS,
                    "progress": 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "difficulty": DIFFICULTY_DEFAULT,
                    # Work reaches its lead unit, which is to acknowledge it (签收).
                    "handed_over_at": now if self.task_list.is_work else None,
                    **values,
                }
            )
            wanted = self.support_ids(row)
            self.support_rows += [{"task_id": task_id, "unit_id": unit_id} for unit_id in wanted]
            self.target_rows += [{"task_id": task_id, **target} for target in row.draft.targets]
            after: dict[str, Any] = {"code": row.draft.code}
            for key in CREATION_EVENT_FIELDS:
                value = values[key]
                if value:
                    after[key] = value.isoformat() if isinstance(value, dt.date) else value
            if wanted:
                after["supporting_unit_ids"] = wanted
            if row.draft.targets:
                after["targets"] = [_target_json(target) for target in row.draft.targets]
            self._event(task_id, {}, after)

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
        self._event(task.pk, event_before, event_after)

    def _update_supports(self, row: PlannedRow, task: Task, before: Row, after: Row) -> None:
        wanted = self.support_ids(row)
        existing = self.plan.supports.get(task.pk, {})
        if set(existing) == set(wanted):
            return
        before["supporting_unit_ids"] = sorted(existing)
        after["supporting_unit_ids"] = sorted(wanted)
        self.support_deletes += [pk for unit_id, pk in existing.items() if unit_id not in wanted]
        self.support_rows += [
            {"task_id": task.pk, "unit_id": unit_id}
            for unit_id in wanted
            if unit_id not in existing
        ]

    def _update_targets(self, row: PlannedRow, task: Task, before: Row, after: Row) -> None:
        current = self.plan.targets.get(task.pk, [])
        for wanted, target in pair_targets(row.draft.targets, current):
            values = target_values(wanted)
            if target is None:
                self.target_rows.append({"task_id": task.pk, **wanted})
                after.setdefault("targets", []).append(_target_json(wanted))
            elif any(getattr(target, key) != value for key, value in values.items()):
                old = {key: getattr(target, key) for key in TARGET_FIELDS}
                before.setdefault("targets", []).append(_target_json(old))
                for key, value in values.items():
                    setattr(target, key, value)
                self.target_updates.append(target)
                after.setdefault("targets", []).append(_target_json(wanted))

    def _event(self, task_id: int, before: Row, after: Row) -> None:
        self.event_rows.append(
            {**self.event, "task_id": task_id, "before": before, "after": after, "note": self.note}
        )

    def flush(self) -> None:
        """One statement per table (none for a table with nothing to write)."""
        insert_rows(Task, self.task_rows)
        bulk_update_values(
            Task, self.changed_tasks, sorted(self.changed_fields | {"version", "updated_at"})
        )
        if self.support_deletes:
            TaskSupport.objects.filter(pk__in=self.support_deletes).delete()
        insert_rows(TaskSupport, self.support_rows)
        insert_rows(Target, self.target_rows)
        bulk_update_values(Target, self.target_updates, list(TARGET_FIELDS))
        insert_rows(TaskEvent, self.event_rows)


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


def _store_layout(plan: ImportPlan, task_list: TaskList) -> None:
    task_list.layout = _layout(plan)
    if not task_list.source_document:
        task_list.source_document = plan.source.filename[:300]
    TaskList.objects.filter(pk=task_list.pk).update(
        layout=task_list.layout, source_document=task_list.source_document
    )


def _layout(plan: ImportPlan) -> dict[str, Any]:
    """How the list came in, so that an export gives it back in the same shape."""
    sheets = [
        {
            "name": sheet.name,
            "headers": sheet.headers,
            "fields": dict(sheet.mapping.fields),
            "extra": {str(column): key for column, key in extra_keys(sheet.mapping).items()},
            "category_style": sheet.category_style,
        }
        for sheet in plan.source.sheets
    ]
    title_rows = next((sheet.title_rows for sheet in plan.source.sheets if sheet.title_rows), [])
    return {
        "format": plan.source.kind,
        "source": plan.source.filename,
        "title_rows": title_rows,
        "sheets": sheets,
        "imported_at": timezone.now().isoformat(),
    }
