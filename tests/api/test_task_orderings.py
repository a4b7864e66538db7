"""The API's task list orders read a page off an index (PostgreSQL walks it and stops after the
page) instead of sorting every visible task: each ordering's columns lead a plain index of Task.
``progress`` is the exception, on purpose: it changes with every report, and its order is
the rare one (README "API (v1)", Speed)."""

from api.views.task_serializers import ORDERINGS
from tasks.models import Task

NOT_INDEXED = {"progress", "-progress"}


def _columns(names) -> tuple[str, ...]:
    return tuple(Task._meta.get_field(name.lstrip("-")).column for name in names)


def test_every_task_list_ordering_but_progress_leads_an_index():
    indexes = [_columns(index.fields) for index in Task._meta.indexes if index.condition is None]
    unindexed = {
        key
        for key, order in ORDERINGS.items()
        if order != ("id",)
        and order != ("-id",)
        and not any(cols[: len(order)] == _columns(order) for cols in indexes)
    }

    assert unindexed == NOT_INDEXED


def test_the_deadline_order_is_indexed_with_the_id_as_tiebreaker():
    assert ("deadline", "id") in [
        _columns(index.fields) for index in Task._meta.indexes if index.condition is None
    ]
