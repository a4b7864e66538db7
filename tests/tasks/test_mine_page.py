"""我的任务's table as the page opens it, read by a statement compiled once per process
(``tasks.mine_page``, ``config.pages.PreparedWindow``): for every kind of person, order and
page number, the same page as the queryset built each time gives (on PostgreSQL the compiled
statement, elsewhere the built queryset itself), in one query for the keys and the count;
with a filter, the queryset built as before."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from config.pages import CountedKeys, _PreparedKeys, two_step_page
from tasks.mine_page import mine_keys
from tasks.models import TaskSupport
from tasks.selectors import TaskFilters, tasks_for_user
from tests.factories import TaskFactory, TaskListFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)
NUMBERS = [None, "1", "2", "3", "99", "0", "-1", "abc", 2.5]
SORTS = ["", "deadline", "light", "last_report"]


@pytest.fixture
def many(world):
    """Seven tasks of the lead unit and two it supports, in two lists and two campaigns,
    with deadlines near and far; a coordinator with no unit and a leader beside it."""
    other_list = TaskListFactory(campaign=world.other_campaign)
    for n in range(7):
        TaskFactory(
            task_list=world.task_list if n % 2 else other_list,
            lead_unit=world.lead,
            order=n % 3,
            deadline=TODAY + datetime.timedelta(days=(n * 5) % 40 - 10) if n != 3 else None,
            progress=n * 10,
        )
    for _ in range(2):
        supported = TaskFactory(task_list=other_list, lead_unit=world.other)
        TaskSupport.objects.create(task=supported, unit=world.lead)
    world.unitless = UserFactory(username="unitless", unit=None, roles=[Role.COORDINATOR])
    return world


def _page(keys, number):
    with CaptureQueriesContext(connection) as seen:
        page = two_step_page(None, number, 3, keys=keys, rows=lambda ids: {i: i for i in ids})
    return (
        page.number,
        list(page.object_list),
        page.paginator.count,
        page.paginator.num_pages,
    ), len(seen)


def test_the_page_as_opened_is_the_built_querysets_page(many):
    people = [many.lead_staff, many.lead_head, many.support_staff, many.coordinator]
    people += [many.leader, many.unitless, many.auditor]
    for user in people:
        for sort in SORTS:
            filters = TaskFilters(sort=sort)
            built = tasks_for_user(user=user, filters=filters, today=TODAY, page=True)
            for number in NUMBERS:
                keys = mine_keys(user=user, filters=filters, today=TODAY, number=number, per_page=3)
                if connection.vendor == "postgresql":
                    assert isinstance(keys, _PreparedKeys)
                found, queries = _page(keys, number)
                expected, _ = _page(CountedKeys(built, number, 3), number)
                assert found == expected, (user.username, sort, number)
                if found[2] and found[0] == _asked(number, found[3]):
                    assert queries == 1, (user.username, sort, number)  # keys and count at once
    # Not an empty comparison: the unit's eight led and two supported tasks, four pages.
    first, _ = _page(
        mine_keys(user=many.lead_staff, filters=TaskFilters(), today=TODAY, number=1, per_page=3), 1
    )
    assert first[2:] == (10, 4)


def _asked(number, pages: int) -> int:
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        return 1


def test_a_filter_builds_the_queryset_as_before(many):
    filters = TaskFilters(q="容缺", sort="deadline")
    keys = mine_keys(user=many.lead_staff, filters=filters, today=TODAY, number=1, per_page=3)
    assert type(keys) is CountedKeys
    built = tasks_for_user(user=many.lead_staff, filters=filters, today=TODAY, page=True)
    assert list(keys.keys) == list(built.values_list("pk", flat=True))
    assert list(keys.keys) == [many.task.pk]


def test_an_inactive_person_reads_nothing(many):
    many.lead_staff.is_active = False
    keys = mine_keys(user=many.lead_staff, filters=TaskFilters(), today=TODAY, number=1, per_page=3)
    assert keys.count() == 0
