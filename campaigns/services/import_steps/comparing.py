"""Comparing: the drafts and the list as it stands → an ImportPlan, what each row becomes.

Reads only, in a fixed number of queries whatever the size of the file (the unit directory,
its aliases, the list and its tasks, supporting units, targets and categories).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter, countOf
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from campaigns.importing.drafts import (
    ERROR,
    WARNING,
    Drafts,
    DraftTarget,
    DraftTask,
    Issue,
    guess_kind,
)
from campaigns.models import WORK_KINDS, Campaign, Category, TaskList
from campaigns.services.import_steps.dating import EarlyDeadlines, early_deadlines
from campaigns.services.import_steps.reading import ImportSource
from campaigns.services.import_steps.resolving import (
    UnitChoice,
    UnitName,
    UnitOptions,
    resolve_units,
    unit_directory,
    unit_issues_of,
    unit_lookalikes,
)
from tasks.models import Target, Task, TaskSupport

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
    "difficulty",
)
TARGET_FIELDS = ("metric", "unit_of_measure", "target_value", "current_value", "direction")

_ACTION = attrgetter("action")

#: Reports a stage of a long check to the page: (words, percent).
Progress = Callable[[str, int], None]


def _no_progress(stage: str, percent: int) -> None:
    return None


class SupportingUnit(NamedTuple):
    """A supporting unit of a row: its name in the file, and its unit (None: to be created).
    (A tuple: a 50,000-row file has a quarter of a million of them.)"""

    name: str
    unit_id: int | None


@dataclass(slots=True)
class PlannedRow:
    draft: DraftTask
    action: str  # create, update, unchanged, error
    lead_unit_id: int | None = None  # None: the lead unit is to be created (or unresolved)
    supporting: tuple[SupportingUnit, ...] = ()
    category: str | None = None
    task: Task | None = None  # the existing task (a re-import)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


@dataclass
class ListState:
    """The list as it stands: its tasks by number, their supports and targets, categories."""

    tasks: dict[str, Task] = field(default_factory=dict)
    supports: dict[int, dict[int, int]] = field(default_factory=dict)  # task → unit → support
    targets: dict[int, list[Target]] = field(default_factory=dict)  # task → its targets
    categories: dict[str, Category] = field(default_factory=dict)  # by name


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
    targets: dict[int, list[Target]]  # task id → its targets, in order
    unit_names: dict[int, str] = field(default_factory=dict)
    dating: EarlyDeadlines | None = None  # deadlines before the campaign's start

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == WARNING]

    def count(self, action: str) -> int:
        return countOf(map(_ACTION, self.rows), action)  # in C: called per figure, per row

    @property
    def unresolved(self) -> list[UnitName]:
        return [unit for unit in self.units.values() if unit.how == "none"]

    def summary(self) -> dict[str, int]:
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
        # normalize() alone writes 60 as 6E+1: the "f" format keeps it 60.
        return f"{value.normalize():f}" if value == value.to_integral() else str(value)
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
    unit_choices: dict[str, UnitChoice] | None = None,
    create_units: bool = False,
    accept_suggestions: bool = False,
    deadlines_in_campaign_year: bool = False,
    for_update: bool = False,
    progress: Progress = _no_progress,
) -> ImportPlan:
    """Compare what the file says with the database: what each row would become.

    ``for_update`` locks the list's tasks, for the confirming transaction.
    ``deadlines_in_campaign_year`` reads deadlines before the campaign's start in its year.
    """
    drafts, dated, dating = early_deadlines(
        source.drafts(default_year=campaign.year),
        campaign,
        in_campaign_year=deadlines_in_campaign_year,
    )
    list_name = (list_name or (task_list.name if task_list else "") or source.title)[:200]
    lists = TaskList.objects.select_for_update() if for_update else TaskList.objects.all()
    if task_list is not None:  # as it stands now: published meanwhile, or gone
        task_list = lists.filter(pk=task_list.pk).first()
    elif list_name:
        task_list = lists.filter(campaign=campaign, name=list_name).first()
    list_kind = list_kind or (task_list.kind if task_list else guess_kind(source.sheets))
    progress(_("Checking units"), 45)
    directory = unit_directory()
    options = UnitOptions(unit_choices or {}, create_units, accept_suggestions)
    units = resolve_units(drafts, directory, options, work=list_kind in WORK_KINDS)
    state = list_state(task_list, has_targets=drafts.has_targets, for_update=for_update)
    progress(_("Comparing with the list"), 55)
    supporting, issues_of = _Supporting(units), unit_issues_of(units)
    rows = [
        _plan_row(draft, units, supporting, issues_of, state, drafts.has_targets)
        for draft in drafts.tasks
    ]
    in_file = {draft.code for draft in drafts.tasks}
    missing = [task for code, task in state.tasks.items() if code not in in_file]
    issues = [*drafts.issues, *(issue for row in rows for issue in row.issues), *dated]
    issues += unit_lookalikes(units, directory)
    if missing:
        issues.append(_missing_warning(missing))
    if task_list is not None and task_list.is_draft:
        issues.append(_draft_list_error(task_list))
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
        categories=state.categories,
        missing=missing,
        supports=state.supports,
        targets=state.targets,
        unit_names=directory.names(),
        dating=dating,
    )


def list_state(task_list: TaskList | None, *, has_targets: bool, for_update: bool) -> ListState:
    """The list's tasks (locked when confirming), supports, targets and categories."""
    if task_list is None or not task_list.pk:
        return ListState(supports=defaultdict(dict), targets=defaultdict(list))
    tasks = Task.objects.filter(task_list=task_list)
    if for_update:
        tasks = tasks.select_for_update()
    by_code = {task.code: task for task in tasks}
    supports: dict[int, dict[int, int]] = defaultdict(dict)
    for pk, task_id, unit_id in TaskSupport.objects.filter(task__task_list=task_list).values_list(
        "id", "task_id", "unit_id"
    ):
        supports[task_id][unit_id] = pk
    targets: dict[int, list[Target]] = defaultdict(list)
    if has_targets:
        for target in Target.objects.filter(task__task_list=task_list).order_by("order", "id"):
            targets[target.task_id].append(target)
    return ListState(
        tasks=by_code,
        supports=supports,
        targets=targets,
        categories={c.name: c for c in Category.objects.filter(task_list=task_list)},
    )


def _plan_row(
    draft: DraftTask,
    units: dict[str, UnitName],
    supporting: _Supporting,
    issues_of: Callable[[DraftTask], list[Issue]],
    state: ListState,
    has_targets: bool,
) -> PlannedRow:
    lead = units.get(draft.lead) if draft.lead else None
    row = PlannedRow(
        draft=draft,
        action="create",
        lead_unit_id=lead.unit_id if lead else None,
        category=draft.category,
        task=state.tasks.get(draft.code),
        issues=issues_of(draft),
    )
    row.supporting = supporting(draft.supporting, row.lead_unit_id)
    if draft.has_errors or (row.issues and any(issue.level == ERROR for issue in row.issues)):
        row.action = "error"
    elif row.task is not None:
        row.changes = _changes(row.task, row, state, has_targets)
        row.action = "update" if row.changes else "unchanged"
    return row


class _Supporting:
    """A row's supporting units: ignored names, the lead unit and repeats left out. The same
    cell recurs on many rows: each (names, lead unit) is worked out once, and its rows share
    the tuple."""

    def __init__(self, units: dict[str, UnitName]):
        self.units = units
        self.known: dict[tuple[tuple[str, ...], int | None], tuple[SupportingUnit, ...]] = {}

    def __call__(
        self, names: Sequence[str], lead_unit_id: int | None
    ) -> tuple[SupportingUnit, ...]:
        key = (tuple(names), lead_unit_id)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self._work_out(key[0], lead_unit_id)
        return found

    def _work_out(
        self, names: tuple[str, ...], lead_unit_id: int | None
    ) -> tuple[SupportingUnit, ...]:
        supporting: list[SupportingUnit] = []
        seen: set[int] = set()
        for name in names:
            unit = self.units[name]
            if unit.how == "ignore":
                continue
            if unit.unit_id is not None and (unit.unit_id == lead_unit_id or unit.unit_id in seen):
                continue
            if unit.unit_id is not None:
                seen.add(unit.unit_id)
            supporting.append(SupportingUnit(name=name, unit_id=unit.unit_id))
        return tuple(supporting)


def _draft_list_error(task_list: TaskList) -> Issue:
    return Issue(
        ERROR,
        _(
            "The list “%(name)s” is a draft that has not been published yet: publish it or "
            "discard its import first, then import into it."
        )
        % {"name": task_list.name},
        code="draft_list",
    )


def _missing_warning(missing: list[Task]) -> Issue:
    return Issue(
        WARNING,
        _(
            "%(count)s tasks of the list are not in this file (for example %(code)s "
            "%(title)s); they are kept as they are."
        )
        % {"count": len(missing), "code": missing[0].code, "title": missing[0].title[:40]},
        code="missing",
    )


def new_values(row: PlannedRow, category_id: int | str | None) -> dict[str, Any]:
    """The task's imported fields as the file gives them (``category_id`` "new:…" for a
    category still to be created, when comparing)."""
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
    values: dict[str, Any] = {
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
    if draft.difficulty is not None:  # a file without the column keeps the task's own
        values["difficulty"] = draft.difficulty
    return values


def _changes(
    task: Task, row: PlannedRow, state: ListState, has_targets: bool
) -> dict[str, tuple[Any, Any]]:
    """Field → (before, after) for everything the file changes on an existing task."""
    category = state.categories.get(row.category) if row.category else None
    category_id = category.pk if category else (f"new:{row.category}" if row.category else None)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in new_values(row, category_id).items():
        before = getattr(task, name)
        if before != value:
            changes[name] = (before, value)
    before_units = set(state.supports.get(task.pk, {}))
    # A unit to be created is shown by its name.
    after_units = {u.unit_id if u.unit_id is not None else u.name for u in row.supporting}
    if before_units != after_units:
        changes["supporting_unit_ids"] = (sorted(before_units), sorted(after_units, key=str))
    if has_targets:
        changes.update(_target_changes(row.draft, state.targets.get(task.pk, [])))
    return changes


def target_values(target: DraftTarget) -> dict[str, Any]:
    """The fields of a target that a re-import compares and updates (TARGET_FIELDS)."""
    return {key: target[key] for key in TARGET_FIELDS}  # type: ignore[literal-required]


def pair_targets(
    wanted: list[DraftTarget], existing: list[Target]
) -> list[tuple[DraftTarget, Target | None]]:
    """Each target of the file with the task's target it updates (None: a new target).

    By metric first (the nth of a metric with the nth of that metric); a target whose metric
    the task does not have takes the one at its place (its ``order``): the metric was renamed.
    """
    free = list(existing)
    pairs: list[tuple[DraftTarget, Target | None]] = []
    for target in wanted:
        match = next((t for t in free if t.metric == target["metric"]), None)
        if match is not None:
            free.remove(match)
        pairs.append((target, match))
    metrics = {target["metric"] for target in wanted}
    for index, (target, match) in enumerate(pairs):
        if match is None:
            match = next(
                (t for t in free if t.order == target["order"] and t.metric not in metrics), None
            )
            if match is not None:
                free.remove(match)
                pairs[index] = (target, match)
    return pairs


def _target_changes(draft: DraftTask, current: list[Target]) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for target, existing in pair_targets(draft.targets, current):
        wanted = target_values(target)
        if existing is None:
            changes[f"target:{target['metric']}"] = (None, wanted)
        else:
            old = {key: getattr(existing, key) for key in TARGET_FIELDS}
            if old != wanted:
                changes[f"target:{target['metric']}"] = (old, wanted)
    return changes
