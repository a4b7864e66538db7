"""Import task lists: one engine behind the import pages, ``import_tasklist`` and the jobs.

    import_read   bytes → what the file says (judged by safety.py, then parsed; no database)
    import_plan   + the unit directory and the list as it stands → what would be written,
                  row by row, with every error and warning (reads only, a fixed number of
                  queries whatever the size of the file)
    import_apply  writes the plan in one transaction: units and aliases the coordinator asked
                  for, categories, tasks (one INSERT), changed tasks (one UPDATE), supporting
                  units, targets, and a TaskEvent per task (kind IMPORTED), all in bulk

``tasklist_import`` runs the three for the command line; ``list_imports.py`` runs them for
the pages, keeping the upload and the coordinator's corrections in a ListImport and handing
large files to background jobs (``campaigns.jobs``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, UnitAlias, User
from accounts.services import unit_aliases_add, units_create
from campaigns.importing.drafts import (
    ERROR,
    WARNING,
    Drafts,
    DraftTask,
    Issue,
    build_drafts,
    extra_keys,
    guess_kind,
    list_title,
)
from campaigns.importing.headers import IGNORE, HeaderMapping
from campaigns.importing.plan import docx_tables, docx_text, parse_plan
from campaigns.importing.safety import (
    FileRefused,
    Inspection,
    Limits,
    inspect_upload,
)
from campaigns.importing.units import UnitDirectory
from campaigns.importing.workbook import ParsedSheet, WorkbookError, parse_sheets, parse_workbook
from campaigns.models import Campaign, Category, TaskList
from campaigns.services.bulk import bulk_update_values, insert_rows, reserve_ids
from config.errors import RuleViolation
from tasks.models import Target, Task, TaskEvent, TaskSupport
from tasks.services import history_now, snapshot

# The fields an import writes, compared on a re-import (status and progress are never
# touched: they come from the work on the task, not from the file).
IMPORTED_FIELDS = (
    "title",
    "content",
    "source",
    "category_id",
    "lead_unit_id",
    "principal_owner_name",
    "leader_in_charge_name",
    "specific_owner_name",
    "deadline",
    "deadline_text",
    "ongoing",
    "extra",
    "order",
)
TARGET_FIELDS = ("unit_of_measure", "target_value", "current_value", "direction")
CREATION_EVENT_FIELDS = (
    "title",
    "category_id",
    "lead_unit_id",
    "deadline",
    "deadline_text",
    "ongoing",
)

Progress = Callable[[str, int], None]


def _no_progress(stage: str, percent: int) -> None:
    return None


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_columns=settings.IMPORT_MAX_COLUMNS,
        max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
        max_entries=settings.IMPORT_MAX_ZIP_ENTRIES,
        max_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
    )


# --- Reading ------------------------------------------------------------------------------


@dataclass
class ImportSource:
    """What an upload says, before anything is compared with the database."""

    filename: str
    kind: str  # ListImport.SourceKind
    sheets: list[ParsedSheet]
    inspection: Inspection | None = None
    _drafts: dict[int, Drafts] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return list_title(self.sheets) or PurePath(self.filename).stem[:200]

    def drafts(self, *, default_year: int) -> Drafts:
        if default_year not in self._drafts:
            self._drafts[default_year] = build_drafts(
                self.sheets, default_year=default_year, max_rows=settings.IMPORT_MAX_ROWS
            )
        return self._drafts[default_year]


def import_inspect(*, data: bytes, filename: str) -> Inspection:
    """Judge an upload; raises RuleViolation with the reason when it is refused."""
    try:
        return inspect_upload(data, filename, limits=import_limits())
    except FileRefused as exc:
        raise RuleViolation(exc.message, field="file", code="refused") from exc


def import_read(
    *,
    data: bytes,
    filename: str,
    columns: dict[str, dict[int, str]] | None = None,
    inspection: Inspection | None = None,
) -> ImportSource:
    """Read an upload (an .xlsx, a .docx or plan text). Raises RuleViolation when refused."""
    inspection = inspection or import_inspect(data=data, filename=filename)
    stem = PurePath(filename).stem or _("Plan")
    try:
        if inspection.kind == "xlsx":
            sheets = parse_workbook(
                data, columns=columns, limits=import_limits(), inspection=inspection
            )
        elif inspection.kind == "docx":
            # A list sent as a table in a Word document reads like a sheet; else the text.
            sheets = parse_sheets(docx_tables(data, limits=import_limits()), columns=columns)
            if not sheets:
                sheets = [_with_columns(parse_plan(docx_text(data), name=stem[:31]), columns)]
        else:
            sheets = [_with_columns(parse_plan(inspection.text, name=stem[:31]), columns)]
    except (WorkbookError, FileRefused) as exc:
        raise RuleViolation(exc.message, field="file", code="refused") from exc
    return ImportSource(
        filename=filename, kind=inspection.kind, sheets=sheets, inspection=inspection
    )


def _with_columns(sheet: ParsedSheet, columns: dict[str, dict[int, str]] | None) -> ParsedSheet:
    """A plan's columns are fixed; a correction can only move or drop them."""
    if not columns or sheet.name not in columns:
        return sheet
    fields = {}
    for column, fld in sorted(columns[sheet.name].items()):
        original = next((f for f, c in sheet.mapping.fields.items() if c == column), None)
        if fld and fld != IGNORE and original:
            fields[fld] = column
    remapped = []
    for row in sheet.rows:
        values = {}
        for fld, column in fields.items():
            original = next(f for f, c in sheet.mapping.fields.items() if c == column)
            if original in row.values:
                values[fld] = row.values[original]
        remapped.append(replace(row, values=values))
    return replace(sheet, mapping=HeaderMapping(fields=fields, extra={}), rows=remapped)


# --- Planning -----------------------------------------------------------------------------


@dataclass
class UnitName:
    """A unit name the file uses, and what it becomes."""

    name: str
    rows: int = 0
    as_lead: int = 0
    unit_id: int | None = None
    how: str = "none"  # exact, alias, chosen, suggested, create, ignore, none
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return self.how not in ("none",)


@dataclass
class PlannedRow:
    draft: DraftTask
    action: str  # create, update, unchanged, error
    lead_unit_id: int | None = None
    supporting_ids: list[int] = field(default_factory=list)
    category: str | None = None
    task: Task | None = None  # the existing task (a re-import)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


@dataclass
class ImportPlan:
    campaign: Campaign
    source: ImportSource
    drafts: Drafts
    task_list: TaskList | None
    list_name: str
    list_kind: str
    rows: list[PlannedRow]
    issues: list[Issue]
    units: dict[str, UnitName]
    categories: dict[str, Category]  # existing, by name
    missing: list[Task]  # tasks of the list that the file no longer has
    supports: dict[int, dict[int, int]]  # task id → unit id → TaskSupport id
    targets: dict[int, dict[str, Target]]  # task id → metric → target
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == WARNING]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def unresolved(self) -> list[UnitName]:
        return [unit for unit in self.units.values() if unit.how == "none"]

    def summary(self) -> dict[str, Any]:
        """The counts the command prints and the pages show."""
        return {
            "tasks": len(self.rows),
            "categories": len(self.drafts.categories),
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "units_unresolved": len(self.unresolved),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "missing": len(self.missing),
            "new_units": sum(1 for u in self.units.values() if u.how == "create"),
            "new_aliases": sum(1 for u in self.units.values() if u.how in ("chosen", "suggested")),
        }


def decimal_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def import_plan(
    *,
    source: ImportSource,
    campaign: Campaign,
    task_list: TaskList | None = None,
    list_name: str = "",
    list_kind: str = "",
    unit_choices: dict[str, dict] | None = None,
    create_units: bool = False,
    accept_suggestions: bool = False,
    for_update: bool = False,
    progress: Progress = _no_progress,
) -> ImportPlan:
    """Compare what the file says with the database: what each row would become.

    Reads only, in a fixed number of queries (the unit directory, its aliases, the list and
    its tasks, supporting units, targets and categories). ``for_update`` locks the list's
    tasks, for the confirming transaction.
    """
    unit_choices = unit_choices or {}
    drafts = source.drafts(default_year=campaign.year)
    issues: list[Issue] = list(drafts.issues)
    list_name = (list_name or (task_list.name if task_list else "") or source.title)[:200]
    if task_list is None and list_name:
        task_list = TaskList.objects.filter(campaign=campaign, name=list_name).first()
    list_kind = list_kind or (task_list.kind if task_list else guess_kind(source.sheets))
    progress(_("Checking units"), 45)

    # The unit directory, and what each name of the file becomes.
    directory = UnitDirectory(
        Unit.objects.filter(active=True).values_list("id", "name"),
        UnitAlias.objects.filter(unit__active=True).values_list("alias", "unit_id"),
    )
    valid_ids = set(directory.names())
    units: dict[str, UnitName] = {}
    for draft in drafts.tasks:
        for position, name in enumerate([draft.lead, *draft.supporting]):
            if not name:
                continue
            unit = units.get(name)
            if unit is None:
                unit = units[name] = _resolve(
                    name,
                    directory,
                    unit_choices.get(name),
                    valid_ids,
                    create_units,
                    accept_suggestions,
                )
            unit.rows += 1
            if position == 0:
                unit.as_lead += 1

    # The list as it stands: its tasks (locked when confirming), supports, targets, categories.
    existing: dict[str, Task] = {}
    supports: dict[int, dict[int, int]] = defaultdict(dict)
    targets: dict[int, dict[str, Target]] = defaultdict(dict)
    categories: dict[str, Category] = {}
    if task_list is not None and task_list.pk:
        tasks = Task.objects.filter(task_list=task_list)
        if for_update:
            tasks = tasks.select_for_update()
        existing = {task.code: task for task in tasks}
        for pk, task_id, unit_id in TaskSupport.objects.filter(
            task__task_list=task_list
        ).values_list("id", "task_id", "unit_id"):
            supports[task_id][unit_id] = pk
        if drafts.has_targets:
            for target in Target.objects.filter(task__task_list=task_list).order_by("order", "id"):
                targets[target.task_id].setdefault(target.metric, target)
        categories = {c.name: c for c in Category.objects.filter(task_list=task_list)}
    progress(_("Comparing with the list"), 55)

    rows: list[PlannedRow] = []
    for draft in drafts.tasks:
        row = PlannedRow(draft=draft, action="create", category=draft.category)
        row.issues = _unit_issues(draft, units)
        lead = units.get(draft.lead) if draft.lead else None
        row.lead_unit_id = lead.unit_id if lead else None
        supporting = []
        for name in draft.supporting:
            unit = units[name]
            if unit.how == "ignore":
                continue
            if unit.unit_id is not None and unit.unit_id == row.lead_unit_id:
                continue
            if unit.unit_id is not None and unit.unit_id in supporting:
                continue
            supporting.append(unit.unit_id if unit.unit_id is not None else name)
        row.supporting_ids = supporting
        issues.extend(row.issues)
        task = existing.get(draft.code)
        if task is not None:
            row.task = task
        if draft.has_errors or any(issue.level == ERROR for issue in row.issues):
            row.action = "error"
        elif task is not None:
            row.changes = _changes(task, row, categories, supports, targets, drafts.has_targets)
            row.action = "update" if row.changes else "unchanged"
        rows.append(row)

    in_file = {draft.code for draft in drafts.tasks}
    missing = [task for code, task in existing.items() if code not in in_file]
    if missing:
        issues.append(
            Issue(
                WARNING,
                _(
                    "%(count)s tasks of the list are not in this file (for example %(code)s "
                    "%(title)s); they are kept as they are."
                )
                % {"count": len(missing), "code": missing[0].code, "title": missing[0].title[:40]},
                code="missing",
            )
        )
    return ImportPlan(
        campaign=campaign,
        source=source,
        drafts=drafts,
        task_list=task_list,
        list_name=list_name,
        list_kind=list_kind,
        rows=rows,
        issues=issues,
        units=units,
        categories=categories,
        missing=missing,
        supports=supports,
        targets=targets,
        unit_names=directory.names(),
    )


def _resolve(
    name: str,
    directory: UnitDirectory,
    choice: dict | None,
    valid_ids: set[int],
    create_units: bool,
    accept_suggestions: bool,
) -> UnitName:
    unit = UnitName(name=name)
    resolution = directory.resolve(name)
    unit.suggestions = [
        {"id": s.unit_id, "name": s.name, "score": s.score} for s in resolution.suggestions
    ]
    if resolution.unit_id is not None:
        unit.unit_id, unit.how = resolution.unit_id, resolution.how
    elif choice and choice.get("unit") in valid_ids:
        unit.unit_id, unit.how = int(choice["unit"]), "chosen"
    elif choice and choice.get("create"):
        unit.how = "create"
    elif choice and choice.get("ignore"):
        unit.how = "ignore"
    elif accept_suggestions and resolution.suggestions:
        unit.unit_id, unit.how = resolution.suggestions[0].unit_id, "suggested"
    elif create_units:
        unit.how = "create"
    return unit


def _unit_issues(draft: DraftTask, units: dict[str, UnitName]) -> list[Issue]:
    issues = []
    for position, name in enumerate([draft.lead, *draft.supporting]):
        if not name:
            continue
        unit = units[name]
        if unit.how not in ("none", "ignore"):
            continue
        column = draft.columns.get("lead_unit")
        if position > 0 and "supporting_units" in draft.columns and name not in draft.lead_rest:
            column = draft.columns["supporting_units"]
        where = draft.where(column)
        if unit.how == "none":
            if unit.suggestions:
                message = _(
                    "the unit “%(name)s” is not in the unit directory; did you mean "
                    "“%(suggestion)s”? Confirm it (or another unit) under Unit names."
                ) % {"name": name, "suggestion": unit.suggestions[0]["name"]}
            else:
                message = _(
                    "the unit “%(name)s” is not in the unit directory. Choose a unit for it, "
                    "or have it created, under Unit names."
                ) % {"name": name}
            issues.append(
                Issue(
                    ERROR,
                    f"{where}：{message}",
                    row=draft.row,
                    column=column,
                    sheet=draft.sheet,
                    code="unit_unknown",
                )
            )
        elif unit.how == "ignore" and position == 0:
            issues.append(
                Issue(
                    ERROR,
                    f"{where}："
                    + _(
                        "the lead unit “%(name)s” is set to be ignored, so the task has no lead unit."
                    )
                    % {"name": name},
                    row=draft.row,
                    column=column,
                    sheet=draft.sheet,
                    code="lead_ignored",
                )
            )
    return issues


def _new_values(row: PlannedRow, category_id: int | None) -> dict[str, Any]:
    draft = row.draft
    deadline_text = draft.deadline_text
    task = row.task
    if (
        task is not None
        and not task.deadline_text
        and draft.deadline is not None
        and task.deadline == draft.deadline
        and deadline_text == draft.deadline.isoformat()
    ):
        # A task made without a deadline text was exported as a date cell; reading the
        # date back is not a change.
        deadline_text = ""
    return {
        "title": draft.title,
        "content": draft.content,
        "source": draft.source,
        "category_id": category_id,
        "lead_unit_id": row.lead_unit_id,
        "principal_owner_name": draft.principal_owner_name,
        "leader_in_charge_name": draft.leader_in_charge_name,
        "specific_owner_name": draft.specific_owner_name,
        "deadline": draft.deadline,
        "deadline_text": deadline_text,
        "ongoing": draft.ongoing,
        "extra": draft.extra,
        "order": draft.order,
    }


def _changes(
    task: Task,
    row: PlannedRow,
    categories: dict[str, Category],
    supports: dict[int, dict[int, int]],
    targets: dict[int, dict[str, Target]],
    has_targets: bool,
) -> dict[str, tuple[Any, Any]]:
    """Field → (before, after) for everything the file changes on an existing task."""
    category = categories.get(row.category) if row.category else None
    category_id = category.pk if category else (f"new:{row.category}" if row.category else None)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in _new_values(row, category_id).items():
        before = getattr(task, name)
        if before != value:
            changes[name] = (before, value)
    before_units = set(supports.get(task.pk, {}))
    after_units = set(row.supporting_ids)
    if before_units != after_units:
        changes["supporting_unit_ids"] = (sorted(before_units), sorted(after_units, key=str))
    if has_targets:
        current = targets.get(task.pk, {})
        for target in row.draft.targets:
            existing = current.get(target["metric"])
            wanted = {key: target[key] for key in TARGET_FIELDS}
            if existing is None:
                changes[f"target:{target['metric']}"] = (None, wanted)
            else:
                old = {key: getattr(existing, key) for key in TARGET_FIELDS}
                if old != wanted:
                    changes[f"target:{target['metric']}"] = (old, wanted)
    return changes


# --- Writing ------------------------------------------------------------------------------


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
    cannot change between the comparison and the writes.
    """
    if plan.errors:
        raise RuleViolation(
            _("The file has %(count)s errors; nothing was imported.") % {"count": len(plan.errors)},
            code="import_errors",
        )
    campaign = plan.campaign
    now = history_now()
    task_list = plan.task_list
    if task_list is None:
        try:
            with transaction.atomic():
                task_list = TaskList.objects.create(
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

    # Units and aliases the coordinator asked for.
    to_create = [u.name for u in plan.units.values() if u.how == "create"]
    created_units = (
        units_create(names=to_create, parent=campaign.organiser.parent) if to_create else {}
    )
    unit_ids = {u.name: u.unit_id for u in plan.units.values() if u.unit_id is not None}
    unit_ids.update({name: unit.pk for name, unit in created_units.items()})
    aliases = {u.name: u.unit_id for u in plan.units.values() if u.how in ("chosen", "suggested")}
    aliases_created = unit_aliases_add(aliases=aliases) if aliases else 0

    # Categories: new ones in one INSERT, moved or renumbered ones in one UPDATE.
    categories = dict(plan.categories)
    new_categories = [
        Category(task_list=task_list, name=c.name, code=c.code, order=c.order)
        for c in plan.drafts.categories
        if c.name not in categories
    ]
    Category.objects.bulk_create(new_categories)
    categories.update({c.name: c for c in new_categories})
    moved = []
    for c in plan.drafts.categories:
        category = categories[c.name]
        if (
            category.pk
            and (category.code, category.order) != (c.code, c.order)
            and category not in new_categories
        ):
            category.code, category.order = c.code, c.order
            moved.append(category)
    bulk_update_values(Category, moved, ["code", "order"])

    def category_id(name: str | None) -> int | None:
        return categories[name].pk if name else None

    def support_ids(row: PlannedRow) -> list[int]:
        ids = []
        for value in row.supporting_ids:
            unit_id = unit_ids[value] if isinstance(value, str) else value
            if unit_id != row.lead_unit_id and unit_id not in ids:
                ids.append(unit_id)
        return ids

    new_rows = [row for row in plan.rows if row.action == "create"]
    changed_rows = [row for row in plan.rows if row.action == "update"]
    for row in new_rows + changed_rows:
        if row.lead_unit_id is None:
            row.lead_unit_id = unit_ids[row.draft.lead]

    # New tasks: their keys first, so that everything pointing at them is built before the
    # one INSERT per table.
    task_ids = reserve_ids(Task, len(new_rows))
    task_rows: list[dict[str, Any]] = []
    support_rows: list[dict[str, Any]] = []
    target_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    event = {"actor_id": by.pk if by else None, "at": now, "kind": TaskEvent.Kind.IMPORTED}
    for row, task_id in zip(new_rows, task_ids, strict=True):
        values = _new_values(row, category_id(row.category))
        task_rows.append(
            {
                "id": task_id,
                "task_list_id": task_list.pk,
                "code": row.draft.code,
                "status": Task.Status.IN_PROGRESS,
                "progress": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                **values,
            }
        )
        wanted = support_ids(row)
        support_rows += [{"task_id": task_id, "unit_id": unit_id} for unit_id in wanted]
        target_rows += [
            {"task_id": task_id, "order": order, **target}
            for order, target in enumerate(row.draft.targets)
        ]
        # What the task was created as: its number, title, place and units, and deadline (the
        # rest is in the task and in the stored file; later changes record before/after).
        after = {"code": row.draft.code}
        for key in CREATION_EVENT_FIELDS:
            value = values[key]
            if value:
                after[key] = value.isoformat() if isinstance(value, dt.date) else value
        if wanted:
            after["supporting_unit_ids"] = wanted
        if row.draft.targets:
            after["targets"] = [_target_json(target) for target in row.draft.targets]
        event_rows.append({**event, "task_id": task_id, "before": {}, "after": after, "note": note})

    # Changed tasks: one UPDATE of the fields that changed anywhere.
    changed_fields: set[str] = set()
    support_deletes: list[int] = []
    target_updates: list[Target] = []
    changed_tasks = []
    for row in changed_rows:
        task = row.task
        assert task is not None
        before = snapshot(task, IMPORTED_FIELDS)
        for name, value in _new_values(row, category_id(row.category)).items():
            setattr(task, name, value)
        after = snapshot(task, IMPORTED_FIELDS)
        changed = {key for key in after if after[key] != before[key]}
        changed_fields |= changed
        event_before = {key: before[key] for key in sorted(changed)}
        event_after = {key: after[key] for key in sorted(changed)}
        wanted = support_ids(row)
        existing = plan.supports.get(task.pk, {})
        if set(existing) != set(wanted):
            event_before["supporting_unit_ids"] = sorted(existing)
            event_after["supporting_unit_ids"] = sorted(wanted)
            support_deletes += [pk for unit_id, pk in existing.items() if unit_id not in wanted]
            support_rows += [
                {"task_id": task.pk, "unit_id": unit_id}
                for unit_id in wanted
                if unit_id not in existing
            ]
        if plan.drafts.has_targets:
            current = plan.targets.get(task.pk, {})
            for order, wanted_target in enumerate(row.draft.targets):
                target = current.get(wanted_target["metric"])
                values = {key: wanted_target[key] for key in TARGET_FIELDS}
                if target is None:
                    target_rows.append(
                        {
                            "task_id": task.pk,
                            "order": len(current) + order,
                            "metric": wanted_target["metric"],
                            "baseline": wanted_target["baseline"],
                            **values,
                        }
                    )
                    event_after.setdefault("targets", []).append(_target_json(wanted_target))
                elif any(getattr(target, key) != value for key, value in values.items()):
                    old = {key: getattr(target, key) for key in TARGET_FIELDS}
                    event_before.setdefault("targets", []).append(
                        _target_json({**old, "metric": target.metric})
                    )
                    for key, value in values.items():
                        setattr(target, key, value)
                    target_updates.append(target)
                    event_after.setdefault("targets", []).append(_target_json(wanted_target))
        task.version += 1
        task.updated_at = now
        changed_tasks.append(task)
        event_rows.append(
            {
                **event,
                "task_id": task.pk,
                "before": event_before,
                "after": event_after,
                "note": note,
            }
        )

    insert_rows(Task, task_rows)
    bulk_update_values(Task, changed_tasks, sorted(changed_fields | {"version", "updated_at"}))
    if support_deletes:
        TaskSupport.objects.filter(pk__in=support_deletes).delete()
    insert_rows(TaskSupport, support_rows)
    insert_rows(Target, target_rows)
    bulk_update_values(Target, target_updates, list(TARGET_FIELDS))
    insert_rows(TaskEvent, event_rows)

    task_list.layout = _layout(plan, task_list)
    if not task_list.source_document:
        task_list.source_document = plan.source.filename[:300]
    TaskList.objects.filter(pk=task_list.pk).update(
        layout=task_list.layout, source_document=task_list.source_document
    )
    return ImportResult(
        task_list=task_list,
        created=len(task_rows),
        updated=len(changed_tasks),
        unchanged=plan.count("unchanged"),
        categories=len(plan.drafts.categories),
        units_created=len(created_units),
        aliases_created=aliases_created,
    )


def _target_json(target: dict) -> dict:
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


def _layout(plan: ImportPlan, task_list: TaskList) -> dict[str, Any]:
    """How the list came in, so that an export gives it back in the same shape."""
    sheets = []
    for sheet in plan.source.sheets:
        sheets.append(
            {
                "name": sheet.name,
                "headers": sheet.headers,
                "fields": dict(sheet.mapping.fields),
                "extra": {str(column): key for column, key in extra_keys(sheet).items()},
                "category_style": sheet.category_style,
            }
        )
    title_rows = next((sheet.title_rows for sheet in plan.source.sheets if sheet.title_rows), [])
    return {
        "format": plan.source.kind,
        "source": plan.source.filename,
        "title_rows": title_rows,
        "sheets": sheets,
        "imported_at": timezone.now().isoformat(),
    }


# --- The whole pipeline, for the command line ----------------------------------------------


@dataclass
class ImportReport:
    plan: ImportPlan | None
    result: ImportResult | None
    errors: list[Issue]
    summary: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """{"tasks", "categories", "created", "updated", "units_unresolved", "errors"}."""
        return {
            "tasks": self.summary.get("tasks", 0),
            "categories": self.summary.get("categories", 0),
            "created": self.summary.get("created", 0),
            "updated": self.summary.get("updated", 0),
            "units_unresolved": self.summary.get("units_unresolved", 0),
            "errors": [
                {"row": issue.row, "column": issue.column, "message": issue.message}
                for issue in self.errors
            ],
        }


def tasklist_import(
    *,
    campaign: Campaign,
    data: bytes,
    filename: str,
    by: User | None = None,
    task_list: TaskList | None = None,
    list_name: str = "",
    list_kind: str = "",
    columns: dict[str, dict[int, str]] | None = None,
    unit_choices: dict[str, dict] | None = None,
    create_units: bool = False,
    accept_suggestions: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Read, check and (unless ``dry_run`` or anything is wrong) write a list in one go."""
    try:
        source = import_read(data=data, filename=filename, columns=columns)
    except RuleViolation as exc:
        issue = Issue(ERROR, str(exc.message), code="refused")
        return ImportReport(plan=None, result=None, errors=[issue], summary={})
    options = {
        "campaign": campaign,
        "task_list": task_list,
        "list_name": list_name,
        "list_kind": list_kind,
        "unit_choices": unit_choices,
        "create_units": create_units,
        "accept_suggestions": accept_suggestions,
    }
    plan = import_plan(source=source, **options)
    if plan.errors or dry_run:
        return ImportReport(plan=plan, result=None, errors=plan.errors, summary=plan.summary())
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        plan = import_plan(source=source, for_update=True, **options)
        if plan.errors:
            return ImportReport(plan=plan, result=None, errors=plan.errors, summary=plan.summary())
        result = import_apply(
            plan=plan, by=by, note=_("Imported from %(file)s") % {"file": filename}
        )
    return ImportReport(plan=plan, result=result, errors=[], summary=plan.summary())
