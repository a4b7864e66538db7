"""The indexes of the tables an import writes (tasks migration 0013): the database holds what
the models' Meta declares, no index of its own on a column another index begins with, and the
keys to people indexed where set only, which still serves a lookup and a person's deletion."""

import pytest
from django.db import connection

from tasks.models import Task, TaskEvent, TaskSupport
from tasks.models.task import PEOPLE_KEYS
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

#: (model, column): another index of the table begins with the column.
PREFIXES = (
    (Task, "task_list_id"),
    (Task, "lead_unit_id"),
    (TaskEvent, "task_id"),
)


def _indexes(model) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: info for name, info in found.items() if info["index"] or info["unique"]}


@pytest.mark.parametrize("model", [Task, TaskEvent, TaskSupport])
def test_every_index_of_the_meta_is_in_the_database(model):
    indexes = _indexes(model)

    for index in model._meta.indexes:
        assert index.name in indexes, index.name


@pytest.mark.parametrize(("model", "column"), PREFIXES)
def test_no_index_of_its_own_on_a_column_another_begins_with(model, column):
    indexes = _indexes(model)

    assert [name for name, info in indexes.items() if info["columns"] == [column]] == []
    assert any(info["columns"][:1] == [column] for info in indexes.values())


def test_the_keys_to_people_are_indexed_where_set_only():
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'task_%'"
            )
            definitions = dict(cursor.fetchall())
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'task_%'"
            )
            definitions = dict(cursor.fetchall())
    indexes = _indexes(Task)

    for key in PEOPLE_KEYS:
        column = f"{key}_id"
        assert [name for name, info in indexes.items() if info["columns"] == [column]] == [
            f"task_{key}"
        ]
        definition = "".join(c for c in definitions[f"task_{key}"] if c not in '"()')
        assert definition.endswith(f"WHERE {column} IS NOT NULL")


def test_a_lookup_by_person_can_read_the_partial_index():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for condition in ("= 7", "IN (7, 8)"):
            cursor.execute(f"EXPLAIN SELECT id FROM tasks_task WHERE specific_owner_id {condition}")
            plans.append(" ".join(row[0] for row in cursor.fetchall()))
        cursor.execute("SET LOCAL enable_seqscan = on")

    assert all("task_specific_owner" in plan for plan in plans), plans


def test_deleting_a_person_empties_their_keys():
    owner = UserFactory()
    task = TaskFactory(
        specific_owner=owner, principal_owner=owner, leader_in_charge=owner, acknowledged_by=owner
    )
    other = TaskFactory()

    owner.delete()

    task.refresh_from_db()
    assert [getattr(task, f"{key}_id") for key in PEOPLE_KEYS] == [None] * 4
    assert Task.objects.filter(pk=other.pk).exists()
