"""The task search (tasks.search): each word in the title, content or specific owner, the
number, or the lead unit's name — the same tasks as the four ``icontains`` it replaced, on
SQLite and on PostgreSQL (where a trigram index serves words of three characters or more)."""

import pytest
from django.db.models import Q

from tasks.models import Task
from tasks.selectors import TaskFilters, apply_filters
from tests.factories import TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db

WORDS = [
    "联合验收",
    "验收",
    "收",
    "张三",
    "A-7",
    "a-7",
    "财政",
    "区财政局",
    "Ab",
    "ab",
    "联合验收方案",
]


def _before(qs, word: str):
    """The search as it was written before: four ``icontains`` and the number."""
    return qs.filter(
        Q(title__icontains=word)
        | Q(content__icontains=word)
        | Q(code=word)
        | Q(lead_unit__name__icontains=word)
        | Q(specific_owner_name__icontains=word)
    )


@pytest.fixture
def tasks(world):
    finance = UnitFactory(name="区财政局")
    list_ = world.task_list
    return [
        TaskFactory(task_list=list_, title="联合验收方案", content="", code="A-1"),
        TaskFactory(task_list=list_, title="推进改革", content="组织联合验收", code="A-2"),
        TaskFactory(task_list=list_, title="落实", specific_owner_name="张三", code="A-3"),
        TaskFactory(task_list=list_, title="整改", lead_unit=finance, code="A-4"),
        # The words of "联合验收" split between title and content: found by neither half.
        TaskFactory(task_list=list_, title="推进联合", content="验收工作", code="A-5"),
        TaskFactory(task_list=list_, title="abc 事项", content="AB 事项", code="A-7"),
    ]


@pytest.mark.parametrize("word", WORDS)
def test_a_word_finds_the_same_tasks_as_the_four_icontains_before(tasks, world, word):
    every = Task.objects.filter(task_list=world.task_list)

    found = set(
        apply_filters(every, TaskFilters(q=word), unit_id=None).values_list("pk", flat=True)
    )

    assert found == set(_before(every, word).values_list("pk", flat=True))


def test_a_word_does_not_run_from_one_field_into_the_next(tasks, world):
    every = Task.objects.filter(task_list=world.task_list)

    found = apply_filters(every, TaskFilters(q="联合验收"), unit_id=None)

    assert sorted(found.values_list("code", flat=True)) == ["A-1", "A-2"]
