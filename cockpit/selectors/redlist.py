"""The red list: red and overdue tasks across campaigns, longest overdue first; and the
instructions (督办) left unanswered past their reply deadline."""

import datetime
from functools import lru_cache

from django.db.models import QuerySet

from campaigns.models import WORK_KINDS
from cockpit.selectors.figures import counted_tasks
from tasks.lights import overdue_q
from tasks.models import Instruction, Task
from tasks.selectors import overdue_instructions, with_list_columns


def red_list(*, campaign_ids, today: datetime.date) -> QuerySet[Task]:
    """Every red (that is, overdue) task of these campaigns, the longest overdue first, with
    the list pages' columns the red table shows (last report, open instructions)."""
    # Red is overdue by the rule of tasks.lights; asked as "overdue" it reads the index of the
    # tasks' status and deadline instead of working out every task's light.
    tasks = counted_tasks().filter(overdue_q(today), task_list__campaign__in=campaign_ids)
    # The red table shows no category, no supporting unit and no light (every task of it is
    # red): none is read.
    return (
        with_list_columns(tasks, today=today, light=False)
        .select_related(None)
        .select_related("task_list__campaign", "lead_unit")
        .prefetch_related(None)
        .only(*SHOWN_OF_RED)
        .order_by("deadline", "task_list__campaign_id", "task_list__order", "order", "pk")
    )


# What the red table (cockpit.red_rows) and the big screen show of a red task: 16 columns
# instead of 69 (a task, its list, campaign and lead unit whole).
SHOWN_OF_RED = (
    "code",
    "title",
    "deadline",
    "principal_owner_name",  # with_days_overdue names the owners
    "leader_in_charge_name",
    "specific_owner_name",
    "task_list__name",
    "task_list__campaign__name",
    "lead_unit__name",
)


def first_red(*, campaign_ids, today: datetime.date, limit: int) -> QuerySet[Task]:
    """The first ``limit`` tasks of the red list, in its order. Their keys are chosen by a
    subquery that sorts narrow rows (``id IN (SELECT id … LIMIT n)``), and only those tasks
    are read with their joins and columns: sorting every overdue task's whole row to keep 20
    took twice as long at 100,000 tasks (2,000 overdue), in the same single query."""
    tasks = red_list(campaign_ids=campaign_ids, today=today)
    return tasks.filter(pk__in=tasks.values("pk")[:limit])


def with_days_overdue(tasks, today: datetime.date) -> list[Task]:
    """The tasks of a page, each with ``days_overdue`` and its ``owners`` named (no query)."""
    rows = list(tasks)
    for task in rows:
        task.days_overdue = (today - task.deadline).days if task.deadline else 0
        names = (task.principal_owner_name, task.leader_in_charge_name, task.specific_owner_name)
        task.owners = "、".join(dict.fromkeys(n for n in names if n))
    return rows


def late_instructions(*, campaign_ids, today: datetime.date) -> QuerySet[Instruction]:
    """Instructions (督办) past their reply deadline and still unanswered, on these campaigns'
    published work, the longest overdue first (``tasks.selectors.overdue_instructions``): the
    red list's second table, whatever the light of their task."""
    # Published work (``counted_tasks``: a work list, published, not a draft — which an
    # overdue instruction's task, being worked on, never is) asked of the task and list the
    # rows join anyway, not as ``task IN (those tasks)``: two relations fewer for the planner,
    # whose planning of the eight took longer than the query (4–12 ms at 10,000 tasks).
    return _late(today).filter(task__task_list__campaign__in=campaign_ids)


@lru_cache(maxsize=4)
def _late(today: datetime.date) -> QuerySet[Instruction]:
    """``late_instructions`` before its campaigns: built once a day per process and cloned for
    each page (as ``tasks.table_rows._table_values`` is). Never evaluated itself."""
    return (
        overdue_instructions(today=today)
        .filter(task__task_list__kind__in=WORK_KINDS, task__task_list__published_at__isnull=False)
        .only(*SHOWN_OF_INSTRUCTION)
    )


# What cockpit/_late_instructions.html shows of an instruction, its task and the people: read
# alone, the query has 25 columns instead of 103 (the instruction, its task, list, campaign,
# lead unit and giver whole) and costs half the calls to build, even when it finds nothing.
SHOWN_OF_INSTRUCTION = (
    "text",
    "given_at",
    "reply_by",
    "urge_count",
    "answered_at",  # Instruction.days_overdue asks whether it is open
    "task__code",
    "task__title",
    "task__lead_unit__name",
    "task__task_list__name",
    "task__task_list__campaign__name",
    "given_by__display_name",  # User.__str__: the display name, the full name or the username
    "given_by__first_name",
    "given_by__last_name",
    "given_by__username",
)


def with_days_late(instructions, today: datetime.date) -> list[Instruction]:
    """The instructions of a page, each with ``days_late`` (no query)."""
    rows = list(instructions)
    for instruction in rows:
        instruction.days_late = instruction.days_overdue(today)
    return rows
