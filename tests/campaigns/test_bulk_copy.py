"""Many rows in one statement (COPY on PostgreSQL, JSON on SQLite): every value comes back."""

from __future__ import annotations

import pytest

from campaigns.models import ListImport, ListImportRow
from campaigns.services.bulk import insert_rows, stream_rows
from campaigns.services.copying import CHUNK_ROWS
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

AWKWARD = [
    "tab\there",
    "line\nbreak and\r\nreturn",
    "back\\slash \\N \\t",
    '"quoted" 、，；',
    "",
    "\\",
]


@pytest.fixture
def upload(db):
    return ListImport.objects.create(
        campaign=CampaignFactory(),
        source_name="a.xlsx",
        source_kind="xlsx",
        source_size=0,
        source_sha256="",
        source=b"",
    )


def test_awkward_text_json_and_nulls_come_back_as_they_were_written(upload):
    rows = [
        {
            "list_import_id": upload.pk,
            "position": i,
            "action": text[:10],
            "problem": i % 2 == 0,
            "data": {"text": text, "list": [text, None, 1.5], "none": None},
            "draft": None if i % 3 == 0 else {"title": text},
        }
        for i, text in enumerate(AWKWARD)
    ]

    assert insert_rows(ListImportRow, rows) == len(AWKWARD)

    stored = ListImportRow.objects.filter(list_import=upload).order_by("position")
    assert [
        {
            "list_import_id": r.list_import_id,
            "position": r.position,
            "action": r.action,
            "problem": r.problem,
            "data": r.data,
            "draft": r.draft,
        }
        for r in stored
    ] == rows


def test_a_generator_of_more_rows_than_a_chunk_is_written_whole_and_in_order(upload):
    count = CHUNK_ROWS + 7
    rows = ((upload.pk, i, "create", False, {"n": i}, None) for i in range(count))

    stream_rows(
        ListImportRow, ("list_import_id", "position", "action", "problem", "data", "draft"), rows
    )

    stored = ListImportRow.objects.filter(list_import=upload).order_by("position")
    assert stored.count() == count
    assert list(stored.values_list("data", flat=True)[count - 3 :]) == [
        {"n": i} for i in range(count - 3, count)
    ]


def test_streamed_rows_take_the_defaults_of_the_fields_they_leave_out_and_are_counted(upload):
    shared = {"same": "object on every row"}
    rows = ((upload.pk, i, "create", shared) for i in range(CHUNK_ROWS + 3))

    written = stream_rows(ListImportRow, ("list_import_id", "position", "action", "data"), rows)

    assert written == CHUNK_ROWS + 3
    stored = ListImportRow.objects.filter(list_import=upload)
    assert stored.count() == written
    assert {
        (problem, data["same"], draft)
        for problem, data, draft in stored.values_list("problem", "data", "draft")
    } == {(False, "object on every row", None)}


def test_the_collector_is_paused_inside_an_import_and_resumed_after_even_on_failure():
    import gc

    from campaigns.services.import_steps.collecting import collector_paused

    seen = []

    @collector_paused()
    def step(fail: bool) -> None:
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError

    assert gc.isenabled()
    step(False)
    with pytest.raises(RuntimeError):
        step(True)
    with collector_paused():
        step(False)  # nested: the outer one turns it back on
        seen.append(gc.isenabled())

    assert seen == [False, False, False, False]
    assert gc.isenabled()


def test_a_json_column_is_encoded_as_the_json_encoder_writes_each_value():
    import datetime as dt
    from decimal import Decimal

    from campaigns.services.copying import _JSON, _json_texts

    values = [
        {"text": "tab\t “引号” \\N", "date": dt.date(2020, 6, 30), "n": Decimal("1.50")},
        [None, True, 1.5, {"nested": ["、"]}],
        "plain",
        None,
        0,
        {},
    ]

    assert _json_texts(values) == [_JSON.encode(value) for value in values]


def test_a_creation_event_records_the_task_as_it_was_written(campaign, coordinator):
    from campaigns.services.imports import tasklist_import
    from tasks.models import TaskEvent
    from tests.campaigns.conftest import sample

    report = tasklist_import(
        campaign=campaign, data=sample("reform-tasks.xlsx"), filename="r.xlsx", by=coordinator
    )

    events = TaskEvent.objects.filter(task__task_list=report.result.task_list)
    assert events.count() == 294
    for event in events.select_related("task").prefetch_related("task__supports"):
        task = event.task
        expected = {"code": task.code}
        for key, value in (
            ("title", task.title),
            ("category_id", task.category_id),
            ("lead_unit_id", task.lead_unit_id),
            ("deadline", task.deadline and task.deadline.isoformat()),
            ("deadline_text", task.deadline_text),
            ("ongoing", task.ongoing),
        ):
            if value:
                expected[key] = value
        supporting = sorted(s.unit_id for s in task.supports.all())
        if supporting:
            expected["supporting_unit_ids"] = supporting
        after = dict(event.after)
        after["supporting_unit_ids"] = sorted(after.get("supporting_unit_ids", []))
        if not supporting:
            del after["supporting_unit_ids"]
        assert (event.kind, event.actor_id, event.before, after) == (
            TaskEvent.Kind.IMPORTED,
            coordinator.pk,
            {},
            expected,
        )


def test_reserved_keys_are_distinct_and_never_handed_out_again(upload):
    """``reserve_ids`` takes its keys from the table's own sequence (PostgreSQL) or after its
    highest key (SQLite): a row inserted the ordinary way afterwards gets a key of its own."""
    from campaigns.services.bulk import reserve_ids

    keys = reserve_ids(ListImportRow, 1_500)

    assert len(keys) == len(set(keys)) == 1_500
    assert keys == sorted(keys)
    stream_rows(
        ListImportRow,
        ("id", "list_import_id", "position", "action"),
        ((key, upload.pk, i, "create") for i, key in enumerate(keys)),
    )
    later = ListImportRow.objects.create(list_import=upload, position=1_500, action="create")
    assert later.pk not in keys and later.pk > max(keys)
    assert reserve_ids(ListImportRow, 0) == []
