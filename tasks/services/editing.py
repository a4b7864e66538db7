"""Coordinators editing a task by hand (title, units, owners, deadline, difficulty), and the
owners a task keeps or gets when it changes hands."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from campaigns.models import TaskList
from config.errors import RuleViolation
from tasks import permissions
from tasks.models import Task
from tasks.services._common import require
from tasks.services.core import (
    _check_units,
    stale_refuse,
    task_create,
    task_set_supporting_units,
    task_update,
)

# The three named owners (主要责任人 / 分管责任人 / 具体责任人): a name, and an account when
# one is linked (the weekly digest goes to the specific owner's account).
OWNER_FIELDS = ("principal_owner", "leader_in_charge", "specific_owner")
OWNER_NAMES = tuple(f"{field}_name" for field in OWNER_FIELDS)

# What the edit page may change (with the supporting units, written on their own).
TASK_EDIT_FIELDS = (
    "code",
    "title",
    "content",
    "category",
    "lead_unit",
    *OWNER_NAMES,
    "deadline",
    "deadline_text",
    "ongoing",
    "difficulty",
)


def owner_changes(
    task: Task, *, lead_unit_id: int, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The owner fields to write when ``task`` gets ``names`` and/or a new lead unit.

    A name given replaces the one the task has (a name not given is kept); an account link
    follows its name, so a changed name drops the account, and so does a new lead unit that
    the account's person does not belong to. Never blanks a name nobody gave.
    """
    changes: dict[str, Any] = {}
    names = names or {}
    linked = {
        field: getattr(task, f"{field}_id")
        for field in OWNER_FIELDS
        if getattr(task, f"{field}_id")
    }
    stays = set(linked.values())
    if linked and lead_unit_id != task.lead_unit_id:
        people = User.objects.filter(pk__in=stays, unit_id=lead_unit_id)
        stays = set(people.values_list("pk", flat=True))
    for field in OWNER_FIELDS:
        name_field = f"{field}_name"
        if name_field in names:
            name = (names[name_field] or "").strip()[:50]
            if name != getattr(task, name_field):
                changes[name_field] = name
                if field in linked:
                    changes[field] = None
        if field in linked and field not in changes and linked[field] not in stays:
            changes[field] = None
    return changes


def _check_category(category, task_list: TaskList) -> None:
    if category is not None and category.task_list_id != task_list.pk:
        raise RuleViolation(_("Choose a category of this list."), field="category")


@transaction.atomic
def task_add(
    *,
    task_list: TaskList,
    by: User,
    code: str,
    title: str,
    lead_unit: Unit,
    supporting_units: Iterable[Unit] = (),
    **fields: Any,
) -> Task:
    """A coordinator adds one line to a work list by hand; it is placed last and waits for
    its lead unit's acknowledgement like an imported one."""
    require(permissions.can_add_task(by, task_list))
    if not task_list.is_work:
        raise RuleViolation(
            _("Lines of this kind of list are added by importing the list again."), field="code"
        )
    if not (title or "").strip():
        raise RuleViolation(_("Say what the task is."), field="title")
    unknown = set(fields) - set(TASK_EDIT_FIELDS)
    if unknown:
        raise TypeError(f"task_add() got unexpected fields {sorted(unknown)}")
    _check_category(fields.get("category"), task_list)
    last = task_list.tasks.order_by("-order").values_list("order", flat=True).first()
    return task_create(
        task_list=task_list,
        code=code,
        title=title.strip(),
        lead_unit=lead_unit,
        supporting_units=supporting_units,
        by=by,
        order=(last or 0) + 1,
        **fields,
    )


@transaction.atomic
def task_edit(
    *,
    task: Task,
    by: User,
    expected_version: int,
    supporting_units: Iterable[Unit] | None = None,
    **changes: Any,
) -> Task:
    """A coordinator's edit of a task, refused from a stale page (naming what changed since).

    Writes the fields through ``task_update`` and the supporting units through
    ``task_set_supporting_units``, so each change is a ``TaskEvent`` with before and after.
    """
    unknown = set(changes) - set(TASK_EDIT_FIELDS)
    if unknown:
        raise TypeError(f"task_edit() got unexpected fields {sorted(unknown)}")
    require(permissions.can_edit_task(by, task))
    locked = (
        Task.objects.select_for_update(of=("self",))
        .select_related("task_list__campaign", "lead_unit")
        .get(pk=task.pk)
    )
    require(permissions.can_edit_task(by, locked))
    if locked.version != expected_version:
        stale_refuse(locked, expected_version)
    _check_category(changes.get("category"), locked.task_list)
    lead_unit = changes.get("lead_unit") or locked.lead_unit
    supporting = (
        _check_units(lead_unit=lead_unit, supporting_units=supporting_units)
        if supporting_units is not None
        else None
    )
    names = {key: changes.pop(key) for key in OWNER_NAMES if key in changes}
    changes.update(owner_changes(locked, lead_unit_id=lead_unit.pk, names=names))
    task_update(task=locked, by=by, **changes)
    if supporting is not None:
        task_set_supporting_units(task=locked, by=by, units=supporting)
    locked.refresh_from_db()
    task.__dict__.update(locked.__dict__)
    return task
