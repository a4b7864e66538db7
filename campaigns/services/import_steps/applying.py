"""Applying: an ImportPlan without errors → written in one transaction, or not at all.

Units and aliases the coordinator asked for, categories, tasks (one INSERT), changed tasks
(one UPDATE), supporting units, targets, and a TaskEvent per task (kind IMPORTED), all in
bulk: keys are reserved first, so that the rows pointing at a new task can be made without
waiting for it, and the number of queries does not grow with the file. The new tasks' rows
are made from the plan's rows as COPY takes them, a chunk at a time (``bulk.stream_rows``),
never held as a list.

A new list is made as a draft (``TaskList.published_at`` empty, its tasks in status draft):
nobody but the campaign's coordinators sees it until it is published
(``campaigns.services.drafts``). A revision of a live list is not applied here until it is
published: ``imports.import_locked`` stages it instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, UnitAlias, User
from accounts.services import unit_aliases_add, units_create
from campaigns.importing.headers import extra_keys
from campaigns.models import Category, TaskList
from campaigns.services.bulk import bulk_update_values
from campaigns.services.import_steps.comparing import ImportPlan
from campaigns.services.import_steps.writing import Writes
from config.errors import RuleViolation
from tasks.models import TaskEvent
from tasks.services import history_now


@dataclass
class ImportResult:
    task_list: TaskList
    created: int
    updated: int
    unchanged: int
    categories: int
    units_created: int
    aliases_created: int
    # What a draft's discard removes again: the list if the import made it, the units and
    # aliases it added to the directory.
    list_created: bool = False
    unit_ids: list[int] = field(default_factory=list)
    alias_ids: list[int] = field(default_factory=list)
    # A revision of a live list, checked and kept for review: nothing was written.
    staged: bool = False

    def made(self) -> dict[str, Any]:
        """The rows this import added, for ``ListImport.made``."""
        made: dict[str, Any] = {"units": self.unit_ids, "aliases": self.alias_ids}
        if self.list_created:
            made["list"] = self.task_list.pk
        return made


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
    unit_ids, created_units, created_aliases = _write_units(plan)
    writes = Writes(
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
    created = writes.flush()
    _store_layout(plan, task_list)
    return ImportResult(
        task_list=task_list,
        created=created,
        updated=len(writes.changed_tasks),
        unchanged=plan.count("unchanged"),
        categories=len(plan.drafts.categories),
        units_created=len(created_units),
        aliases_created=len(created_aliases),
        list_created=plan.task_list is None,
        unit_ids=created_units,
        alias_ids=created_aliases,
    )


def _create_list(plan: ImportPlan) -> TaskList:
    """The new list, as a draft: published later by a coordinator (or discarded)."""
    campaign = plan.campaign
    try:
        with transaction.atomic():
            return TaskList.objects.create(
                campaign=campaign,
                name=plan.list_name,
                kind=plan.list_kind or TaskList.Kind.REFORM,
                source_document=plan.source.filename[:300],
                order=campaign.lists.count(),
                published_at=None,
            )
    except IntegrityError as exc:
        raise RuleViolation(
            _("A list named “%(name)s” was just created by someone else; check the file again.")
            % {"name": plan.list_name},
            code="stale",
        ) from exc


def _write_units(plan: ImportPlan) -> tuple[dict[str, int], list[int], list[int]]:
    """Units and aliases the coordinator asked for: (unit id by name, ids of the units
    created, ids of the aliases created). A name someone else created meanwhile is taken as
    it is, and is not counted as this import's."""
    to_create = [u.name for u in plan.units.values() if u.how == "create"]
    created: dict[str, Unit] = {}
    created_ids: list[int] = []
    if to_create:
        existed = set(Unit.objects.filter(name__in=to_create).values_list("name", flat=True))
        created = units_create(names=to_create, parent=plan.campaign.organiser.parent)
        created_ids = sorted(unit.pk for name, unit in created.items() if name not in existed)
    unit_ids = {u.name: u.unit_id for u in plan.units.values() if u.unit_id is not None}
    unit_ids.update({name: unit.pk for name, unit in created.items()})
    aliases = {
        u.name: u.unit_id
        for u in plan.units.values()
        if u.how in ("chosen", "suggested") and u.unit_id is not None
    }
    alias_ids: list[int] = []
    if aliases:
        existed = set(
            UnitAlias.objects.filter(alias__in=list(aliases)).values_list("alias", flat=True)
        )
        if unit_aliases_add(aliases=aliases):
            alias_ids = sorted(
                UnitAlias.objects.filter(
                    alias__in=[alias for alias in aliases if alias not in existed]
                ).values_list("pk", flat=True)
            )
    return unit_ids, created_ids, alias_ids


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
