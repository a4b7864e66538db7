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


@pytest.mark.parametrize("word", ["联合验收", "验收", "张三", "A-9"])
def test_a_draft_lists_tasks_are_found_like_live_ones(tasks, world, word):
    """The trigram index holds live tasks only (tasks migration 0012); a draft list's tasks,
    which its coordinators review and search, are found all the same."""
    TaskFactory(
        task_list=world.task_list, title="联合验收草稿", code="A-8", status=Task.Status.DRAFT
    )
    TaskFactory(
        task_list=world.task_list,
        title="草稿",
        specific_owner_name="张三",
        code="A-9",
        status=Task.Status.DRAFT,
    )
    every = Task.objects.filter(task_list=world.task_list)

    found = set(
        apply_filters(every, TaskFilters(q=word), unit_id=None).values_list("pk", flat=True)
    )

    assert found == set(_before(every, word).values_list("pk", flat=True))
    assert every.filter(pk__in=found, status=Task.Status.DRAFT).exists()


def test_the_trigram_index_leaves_drafts_out(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'task_search_trgm'")
        (definition,) = cursor.fetchone()

    assert definition.endswith("WHERE ((status)::text <> 'draft'::text)")
