"""Reads of the cycles: the tasks a monthly review judges.

Each read costs the same few queries whatever the number of tasks (tests/cycles count them).
"""

import dataclasses
import datetime

from django.db.models import Q

from campaigns.models import Campaign
from tasks.models import Task
from tasks.selectors import TaskAsAt, tasks_as_at

# The statuses a task may have had at the end of a month to be judged in its review.
REVIEWED_STATUSES = (Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF, Task.Status.CLOSED)


def tasks_at_month_end(
    *, campaign: Campaign, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[Task, TaskAsAt]]:
    """Every task of the campaign open during [start, end), with its state at ``end``.

    A review opened late (the server was down on the 1st) must judge the month as it was, not
    as it is now: progress, status, deadline and the ongoing flag come from the task's history
    at ``end`` (tasks.selectors.tasks_as_at); a task closed after ``end`` was still open then
    and is judged as open; a task that was still a draft then is left out. A task closed after
    ``end`` whose history does not say what it was before (rows written straight into the
    table) counts as in progress at ``end``."""
    candidates = (
        Task.objects.filter(task_list__campaign=campaign)
        .filter(
            Q(status__in=[Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF])
            | Q(status=Task.Status.CLOSED, closed_at__gte=start)
        )
        .order_by("pk")
    )
    result = []
    for task, state in tasks_as_at(tasks=candidates, moment=end):
        if state.status == Task.Status.CLOSED and (task.closed_at is None or task.closed_at >= end):
            state = dataclasses.replace(state, status=Task.Status.IN_PROGRESS)
        if state.status in REVIEWED_STATUSES:
            result.append((task, state))
    return result
