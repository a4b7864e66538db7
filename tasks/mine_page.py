"""我的任务's table as the page opens it (no filter, at most an order): the page's keys and
the count of all read by one statement compiled once per process, shape of person, day and
order (``config.pages.PreparedWindow``), the person's id and unit its parameters. Building
and compiling that query was 1.5 ms of the page's CPU, thousands of times a Monday morning.
With a filter, the queryset is built each time (``tasks.selectors.tasks_for_user``); the
same tasks in the same order either way (tests/tasks/test_mine_page.py)."""

import datetime
from typing import Any

from accounts.models import User
from config.pages import CountedKeys, PreparedWindow
from tasks.my_work import sorted_tasks
from tasks.permissions import reader_key, reader_values, visible_q
from tasks.selectors import TaskFilters, of_unit_q, table_of_mine, tasks_for_user


def _keys(answers: tuple[bool, ...], unit: bool, today: datetime.date, sort: str, values):
    """``tasks_for_user(page=True)`` with no filter but ``sort``, for the person's shape."""
    tasks = table_of_mine(today).filter(visible_q(answers, unit, values))
    if unit:
        tasks = tasks.filter(of_unit_q(values["unit"]))
    return sorted_tasks(tasks, sort)


_WINDOW = PreparedWindow(_keys)


def mine_keys(
    *, user: User, filters: TaskFilters, today: datetime.date, number: Any, per_page: int
) -> CountedKeys:
    """The keys of 我的任务's page ``number`` with the count of all (``two_step_page``)."""
    if user.is_active and filters == TaskFilters(sort=filters.sort):
        key = (*reader_key(user), today, filters.sort)
        return _WINDOW.keys(key, reader_values(user), number, per_page)
    tasks = tasks_for_user(user=user, filters=filters, today=today, page=True)
    return CountedKeys(tasks, number, per_page)
