import datetime

import pytest

from tasks.lights import BEHIND_DAYS, NEAR_DAYS, Light, light_expression, task_light
from tests.factories import TaskFactory

TODAY = datetime.date(2026, 11, 22)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("deadline", "ongoing", "progress", "status", "light", "overdue"),
    [
        (days(-1), False, 50, "in_progress", Light.RED, True),  # yesterday
        (
            days(-1),
            False,
            100,
            "in_progress",
            Light.RED,
            True,
        ),  # done but not closed out: still late
        (days(0), False, 50, "in_progress", Light.YELLOW, False),  # due today is not yet overdue
        (days(0), False, 100, "in_progress", Light.GREEN, False),
        (days(1), False, 90, "in_progress", Light.YELLOW, False),  # tomorrow
        (days(NEAR_DAYS), False, 90, "in_progress", Light.YELLOW, False),
        (days(NEAR_DAYS + 1), False, 90, "in_progress", Light.GREEN, False),
        (days(BEHIND_DAYS), False, 49, "in_progress", Light.YELLOW, False),  # behind
        (days(BEHIND_DAYS), False, 50, "in_progress", Light.GREEN, False),
        (days(BEHIND_DAYS + 1), False, 0, "in_progress", Light.GREEN, False),
        (None, True, 0, "in_progress", Light.GREEN, False),  # ongoing
        (None, False, 0, "in_progress", Light.GREEN, False),  # no deadline
        (days(-30), False, 100, "closed", Light.GREEN, False),  # closed
        (days(-30), False, 100, "awaiting_signoff", Light.GREEN, False),
        (days(-30), False, 0, "draft", Light.GREY, False),  # not published yet
    ],
)
def test_light_rule_at_its_edges(deadline, ongoing, progress, status, light, overdue):
    result = task_light(
        deadline=deadline, ongoing=ongoing, progress=progress, status=status, today=TODAY
    )

    assert result.light == light
    assert result.overdue is overdue
    assert result.days_left == (None if deadline is None else (deadline - TODAY).days)


@pytest.mark.django_db
def test_sql_light_agrees_with_python_light_on_every_case():
    """The same rule in the database: build a grid of tasks and compare task by task."""
    cases = []
    for status in ("draft", "in_progress", "awaiting_signoff", "closed"):
        for offset in (None, -1, 0, 1, NEAR_DAYS, NEAR_DAYS + 1, BEHIND_DAYS, BEHIND_DAYS + 1):
            for progress in (0, 49, 50, 100):
                cases.append((status, offset, progress, False))
        cases.append((status, None, 10, True))
    tasks = [
        TaskFactory(
            status=status,
            deadline=None if offset is None else days(offset),
            progress=progress,
            ongoing=ongoing,
        )
        for status, offset, progress, ongoing in cases
    ]
    from tasks.models import Task

    in_sql = dict(
        Task.objects.annotate(light_value=light_expression(TODAY)).values_list("pk", "light_value")
    )

    for task in tasks:
        assert in_sql[task.pk] == task.light_on(TODAY).light, (task.status, task.deadline)


@pytest.mark.django_db
def test_every_red_task_is_overdue_so_a_red_filter_may_ask_the_deadline_index_too():
    """``apply_filters`` narrows ``light=red`` by ``overdue_q`` as well (an index of status and
    deadline): right only while red implies overdue, which this grid checks in SQL."""
    from campaigns.models import TaskList
    from tasks.lights import overdue_q
    from tasks.models import Task
    from tests.factories import TaskListFactory

    checklist = TaskListFactory(kind=TaskList.Kind.CHECKLIST)
    for status in ("draft", "in_progress", "awaiting_signoff", "closed"):
        for offset in (None, -30, -1, 0, 1, NEAR_DAYS + 1):
            TaskFactory(status=status, deadline=None if offset is None else days(offset))
            TaskFactory(
                status=status,
                deadline=None if offset is None else days(offset),
                task_list=checklist,
            )
        TaskFactory(status=status, deadline=None, ongoing=True)
    lit = Task.objects.annotate(light_value=light_expression(TODAY))
    red = set(lit.filter(light_value=Light.RED).values_list("pk", flat=True))

    assert red  # the grid has red tasks
    assert red <= set(Task.objects.filter(overdue_q(TODAY)).values_list("pk", flat=True))
