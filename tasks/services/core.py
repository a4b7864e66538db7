"""Creating and changing tasks. Every write leaves a TaskEvent."""

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from accounts.permissions import cannot_lead_message, unit_may_lead
from campaigns.models import Category, TaskList
from config.errors import RuleViolation
from tasks.models import (
    DIFFICULTY_MAX,
    DIFFICULTY_MIN,
    Milestone,
    Target,
    Task,
    TaskEvent,
    TaskSupport,
)
from webhooks.events import webhook_batch

T = TypeVar("T")

# Fields a task edit may change, and how each is shown in an event's before/after.
EDITABLE_FIELDS = (
    "code",
    "title",
    "content",
    "goal",
    "source",
    "category_id",
    "lead_unit_id",
    "principal_owner_name",
    "leader_in_charge_name",
    "specific_owner_name",
    "principal_owner_id",
    "leader_in_charge_id",
    "specific_owner_id",
    "deadline",
    "deadline_text",
    "ongoing",
    "status",
    "progress",
    "extra",
    "order",
    "difficulty",
)

# The events whose write bumped the task's version (one event per bump), so the changes a
# stale page missed are the latest ``current - expected`` of them.
VERSION_EVENT_KINDS = (
    TaskEvent.Kind.UPDATED,
    TaskEvent.Kind.STATUS_CHANGED,
    TaskEvent.Kind.UNITS_CHANGED,
    TaskEvent.Kind.IMPORTED,
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(task: Task, fields: Iterable[str] = EDITABLE_FIELDS) -> dict[str, Any]:
    return {field: _jsonable(getattr(task, field)) for field in fields}


def _columns(task: Task) -> dict[str, Any]:
    """The task's columns as the instance holds them (``update_fields`` takes field names)."""
    return {
        f.name: getattr(task, f.attname) for f in Task._meta.concrete_fields if not f.primary_key
    }


# When set, the instant that history written now happened at (see ``events_dated``).
_events_at: ContextVar[datetime.datetime | None] = ContextVar("events_at", default=None)


@contextmanager
def events_dated(at: datetime.datetime | None) -> Iterator[None]:
    """Record the task events written inside at ``at`` instead of now.

    Only for history the system writes on someone's behalf with its real date (the demo's
    tasks and past reports): the task's history, and the creation date of tasks created
    inside, must say when things happened, or "as at the end of last month" reads the wrong
    values. ``None`` changes nothing.
    """
    token = _events_at.set(at)
    try:
        yield
    finally:
        _events_at.reset(token)


# Set inside ``one_transaction``: the services below open no savepoint of their own.
_one_transaction: ContextVar[bool] = ContextVar("one_transaction", default=False)


@contextmanager
def one_transaction() -> Iterator[None]:
    """Many service calls as one all-or-nothing transaction (一表填报 writes hundreds of
    reports): inside, ``task_update`` and the report services open no savepoint each (two
    queries a call), since a refusal rolls back everything anyway. A refusal inside ends the
    transaction: let it propagate out of this block; the database cannot be used in it
    afterwards. Webhooks read their subscriptions once for all the calls (``webhook_batch``)."""
    with transaction.atomic(), webhook_batch():
        token = _one_transaction.set(True)
        try:
            yield
        finally:
            _one_transaction.reset(token)


def service_atomic(func: Callable[..., T]) -> Callable[..., T]:
    """``transaction.atomic`` for a service, without its savepoint inside ``one_transaction``."""

    @wraps(func)
    def inner(*args: Any, **kwargs: Any) -> T:
        with transaction.atomic(savepoint=not _one_transaction.get()):
            return func(*args, **kwargs)

    return inner


def history_now() -> datetime.datetime:
    """The instant the history being written happened: now, or the date ``events_dated``
    gives."""
    return _events_at.get() or timezone.now()


def event_record(
    *,
    task: Task,
    by: User | None,
    kind: str,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        actor=by,
        kind=kind,
        before=before or {},
        after=after or {},
        note=note,
        at=history_now(),
    )


def _check_units(*, lead_unit: Unit | None, supporting_units: Iterable[Unit]) -> list[Unit]:
    if lead_unit is None:
        raise RuleViolation(_("A task needs exactly one lead unit."), field="lead_unit")
    supporting = list(dict.fromkeys(supporting_units))
    if any(unit.pk == lead_unit.pk for unit in supporting):
        raise RuleViolation(
            _("%(unit)s is the lead unit and cannot also be a supporting unit.")
            % {"unit": lead_unit.name},
            field="supporting_units",
        )
    return supporting


def lead_unit_check(unit: Unit, *, field: str = "lead_unit") -> None:
    """Refuse a unit whose kind may not lead (a supervisory body) as a task's new lead unit.

    Asked where a person chooses a lead unit (a task added or edited by hand, a transfer, an
    award); the import refuses such rows itself, by row and column.
    """
    if not unit_may_lead(unit):
        raise RuleViolation(cannot_lead_message(unit), field=field)


def _check_deadline(*, deadline, ongoing: bool) -> None:
    if ongoing and deadline is not None:
        raise RuleViolation(_("An ongoing task has no deadline date."), field="deadline")


def _check_difficulty(value: Any) -> None:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        number = None
    if number is None or not DIFFICULTY_MIN <= number <= DIFFICULTY_MAX:
        raise RuleViolation(
            _("The difficulty is a number from %(min)s to %(max)s.")
            % {"min": DIFFICULTY_MIN, "max": DIFFICULTY_MAX},
            field="difficulty",
        )


def handover_reset(task: Task, *, at: datetime.datetime) -> None:
    """The task has just reached its lead unit: it waits for that unit's acknowledgement.
    Sets the fields on ``task``; the caller saves it."""
    task.handed_over_at = at
    task.acknowledged_at = None
    task.acknowledged_by = None
    task.ack_reminded_at = None


def _field_label(name: str) -> str:
    if name == "supporting_unit_ids":
        return _("supporting units")
    if name == "targets":
        return _("targets")
    try:
        field = Task._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:  # a key of an older event that no longer names a field
        return name
    return str(getattr(field, "verbose_name", name))


def changes_since(task: Task, expected_version: int) -> list[str]:
    """What the writes after ``expected_version`` changed, oldest first: "by whom: fields (when)"."""
    missed = task.version - expected_version
    if missed <= 0:
        return []
    events = list(
        TaskEvent.objects.filter(task=task, kind__in=VERSION_EVENT_KINDS)
        .select_related("actor")
        .order_by("-id")[: min(missed, 10)]
    )
    lines = []
    for event in reversed(events):
        fields = "、".join(dict.fromkeys(_field_label(key) for key in event.after))
        who = str(event.actor) if event.actor else _("the system")
        when = date_format(timezone.localtime(event.at), "m-d H:i")
        lines.append(f"{who}：{fields}（{when}）")
    return lines


def stale_refuse(task: Task, expected_version: int) -> None:
    """Refuse a write from a page opened at ``expected_version``, saying what changed since."""
    changes = changes_since(task, expected_version)
    if changes:
        raise RuleViolation(
            _(
                "Someone else changed this task after you opened it (%(changes)s). "
                "Reload the page to see their change, then make yours again."
            )
            % {"changes": "；".join(changes)},
            code="stale",
        )
    raise RuleViolation(
        _(
            "Someone else changed this task after you opened it. "
            "Reload the page to see their change, then make yours again."
        ),
        code="stale",
    )


@transaction.atomic
def task_create(
    *,
    task_list: TaskList,
    code: str,
    title: str,
    lead_unit: Unit,
    by: User | None = None,
    supporting_units: Iterable[Unit] = (),
    category: Category | None = None,
    targets: Iterable[dict] = (),
    milestones: Iterable[dict] = (),
    event_kind: str = TaskEvent.Kind.CREATED,
    **fields: Any,
) -> Task:
    """Create a task with its units, targets and milestones, and record it."""
    code = str(code).strip()
    if not code:
        raise RuleViolation(_("The task number is empty."), field="code")
    if Task.objects.filter(task_list=task_list, code=code).exists():
        raise RuleViolation(
            _("Number %(code)s is already used in the list %(list)s.")
            % {"code": code, "list": task_list.name},
            field="code",
        )
    supporting = _check_units(lead_unit=lead_unit, supporting_units=supporting_units)
    _check_deadline(deadline=fields.get("deadline"), ongoing=fields.get("ongoing", False))
    if "difficulty" in fields:
        _check_difficulty(fields["difficulty"])
    unknown = (
        set(fields)
        - {name.removesuffix("_id") for name in EDITABLE_FIELDS}
        - {
            "principal_owner",
            "leader_in_charge",
            "specific_owner",
            "claimed",
        }
    )
    if unknown:
        raise TypeError(f"task_create() got unexpected fields {sorted(unknown)}")
    if task_list.is_work and fields.get("status", Task.Status.IN_PROGRESS) in (
        Task.Status.IN_PROGRESS,
        Task.Status.AWAITING_SIGNOFF,
    ):
        fields["handed_over_at"] = history_now()  # its lead unit is to acknowledge it (签收)
    task = Task.objects.create(
        task_list=task_list,
        category=category,
        code=code,
        title=title,
        lead_unit=lead_unit,
        **fields,
    )
    if _events_at.get() is not None:  # auto_now_add wrote now: a dated history says when
        task.created_at = history_now()
        Task.objects.filter(pk=task.pk).update(created_at=task.created_at)
    TaskSupport.objects.bulk_create([TaskSupport(task=task, unit=unit) for unit in supporting])
    Target.objects.bulk_create(
        [Target(task=task, order=index, **target) for index, target in enumerate(targets)]
    )
    Milestone.objects.bulk_create(
        [Milestone(task=task, order=index, **ms) for index, ms in enumerate(milestones)]
    )
    after = snapshot(task)
    after["supporting_unit_ids"] = [unit.pk for unit in supporting]
    if task.claimed:
        after["claimed"] = True
    event_record(task=task, by=by, kind=event_kind, after=after)
    return task


@service_atomic
def task_update(
    *,
    task: Task,
    by: User | None,
    expected_version: int | None = None,
    held: bool = False,
    **changes: Any,
) -> Task:
    """Change fields of a task. With ``expected_version``, a save from a stale copy is refused.
    ``held``: the caller read ``task`` under a row lock in this same transaction (as the report
    services do), so it is current and is changed as it is, without reading it again."""
    unknown = (
        set(changes)
        - set(EDITABLE_FIELDS)
        - {
            "lead_unit",
            "category",
            "principal_owner",
            "leader_in_charge",
            "specific_owner",
        }
    )
    if unknown:
        raise TypeError(f"task_update() got unexpected fields {sorted(unknown)}")
    locked = task if held else Task.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if expected_version is not None and locked.version != expected_version:
        stale_refuse(locked, expected_version)
    columns = _columns(locked)
    before = snapshot(locked)
    for field, value in changes.items():
        setattr(locked, field, value)
    _check_difficulty(locked.difficulty)
    after_extra: dict[str, Any] = {}
    if locked.lead_unit_id != before["lead_unit_id"] and locked.is_work:
        # The task reaches another unit, which is to acknowledge it (签收) afresh.
        handover_reset(locked, at=history_now())
    if "lead_unit" in changes or "lead_unit_id" in changes:
        _check_units(lead_unit=locked.lead_unit, supporting_units=[])
        # The new lead unit stops being a supporting unit of the same task.
        supports = TaskSupport.objects.filter(task=locked)
        was = sorted(supports.values_list("unit_id", flat=True))
        if supports.filter(unit_id=locked.lead_unit_id).delete()[0]:
            before["supporting_unit_ids"] = was
            after_extra["supporting_unit_ids"] = [u for u in was if u != locked.lead_unit_id]
    _check_deadline(deadline=locked.deadline, ongoing=locked.ongoing)
    after = {**snapshot(locked), **after_extra}
    changed = {key for key in after if after[key] != before.get(key)}
    if not changed:
        return locked
    if locked.status == Task.Status.CLOSED and "status" in changed:
        locked.closed_at = history_now()
    locked.version += 1  # exact: the row is locked until the transaction ends
    # Only the columns that changed (the report's progress: three of fifty, not the texts).
    written = _columns(locked)
    locked.save(update_fields=[f for f in written if written[f] != columns[f]] + ["updated_at"])
    kind = TaskEvent.Kind.STATUS_CHANGED if changed == {"status"} else TaskEvent.Kind.UPDATED
    event_record(
        task=locked,
        by=by,
        kind=kind,
        before={key: before[key] for key in sorted(changed)},
        after={key: after[key] for key in sorted(changed)},
    )
    task.__dict__.update(locked.__dict__)
    return task


@transaction.atomic
def task_set_supporting_units(*, task: Task, by: User | None, units: Iterable[Unit]) -> Task:
    supporting = _check_units(lead_unit=task.lead_unit, supporting_units=units)
    before = sorted(TaskSupport.objects.filter(task=task).values_list("unit_id", flat=True))
    after = sorted(unit.pk for unit in supporting)
    if before == after:
        return task
    TaskSupport.objects.filter(task=task).exclude(unit_id__in=after).delete()
    TaskSupport.objects.bulk_create(
        [TaskSupport(task=task, unit_id=pk) for pk in after if pk not in before]
    )
    Task.objects.filter(pk=task.pk).update(version=F("version") + 1)
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.UNITS_CHANGED,
        before={"supporting_unit_ids": before},
        after={"supporting_unit_ids": after},
    )
    return task
