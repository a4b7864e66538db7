"""The pages' path at the row level: what the confirm rebuilds from the stored check, how the
rows are counted as COPY takes them, and how the upload's file is stored."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Unit
from benchmarks.generate import UNITS, reform_workbook
from campaigns.models import ListImport, ListImportRow
from campaigns.services.bulk import stream_rows
from campaigns.services.copying import CHUNK_ROWS
from campaigns.services.import_steps.storing import checked_stored
from campaigns.services.list_imports import list_import_create
from tests.campaigns.conftest import sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_units(directory):
    for name in UNITS:
        Unit.objects.get_or_create(name=name)


@pytest.mark.parametrize("count", [0, 1, CHUNK_ROWS, CHUNK_ROWS + 1])
def test_streamed_rows_are_counted_exactly_whatever_their_number(campaign, count):
    upload = ListImport.objects.create(
        campaign=campaign,
        source_name="a.xlsx",
        source_kind="xlsx",
        source_size=0,
        source_sha256="",
        source=b"",
    )
    rows = ((upload.pk, i, "create") for i in range(count))

    written = stream_rows(ListImportRow, ("list_import_id", "position", "action"), rows)

    assert written == count == ListImportRow.objects.filter(list_import=upload).count()


def test_the_rebuilt_tasks_share_what_their_rows_repeat(
    campaign, coordinator, bench_units, settings
):
    """The confirm rebuilds every task from its stored row: the texts rows repeat (sheet, lead
    unit, deadline as written …), their supporting units and the sheet's headers are one
    object each, as the check had them (at 50,000 rows copies would cost some 100 MB)."""
    settings.IMPORT_BACKGROUND_ROWS = 10**6
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="a.xlsx", data=reform_workbook(300)
    )
    assert list_import.status == ListImport.Status.READY, list_import.message

    source = checked_stored(list_import, campaign.year)

    assert source is not None
    tasks = source.drafts(default_year=campaign.year).tasks
    assert len(tasks) == 300
    assert len({id(task.columns) for task in tasks}) == 1
    assert len({id(task.sheet) for task in tasks}) == 1
    for attribute in ("lead", "deadline_text", "supporting"):
        values = [getattr(task, attribute) for task in tasks]
        assert len({id(value) for value in values}) == len(set(values)) < 300, attribute
    assert all(isinstance(task.supporting, tuple) for task in tasks)


def test_a_row_naming_other_headers_than_its_sheets_keeps_its_own(
    campaign, coordinator, bench_units, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 10**6
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="a.xlsx", data=sample("campaign-targets.xlsx")
    )
    list_import.refresh_from_db()
    fields = list_import.preview["checked"]["fields"]
    first = ListImportRow.objects.filter(list_import=list_import).order_by("position").first()
    own = {"title": "任务（另一种写法）"}
    first.draft[fields.index("columns")] = own
    first.save(update_fields=["draft"])

    source = checked_stored(list_import, campaign.year)

    tasks = source.drafts(default_year=campaign.year).tasks
    assert tasks[0].columns == own
    assert all(
        task.columns == list_import.preview["checked"]["columns"][task.sheet] for task in tasks[1:]
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_the_uploaded_file_is_not_compressed_again_by_postgresql():
    """An .xlsx or .docx is a zip: PostgreSQL's compression only cost time (campaigns 0009)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'campaigns_listimport'::regclass "
            "AND attname = 'source'"
        )
        assert cursor.fetchone() == ("e",)


def test_the_confirm_leaves_its_rows_to_reference_counting_not_to_the_collector(
    campaign, coordinator, bench_units, settings
):
    """Once the confirm returns, nothing holds its rebuilt tasks: none waits in a reference
    cycle for the cyclic collector (a caught exception's traceback, holding the confirm's
    frames, once kept every row and the plan alive that way: 50,000 objects at 10,000 rows)."""
    import gc

    from campaigns.importing.drafts import DraftTask
    from campaigns.services.list_imports import list_import_confirm

    settings.IMPORT_BACKGROUND_ROWS = 10**6
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="a.xlsx", data=reform_workbook(300)
    )
    assert list_import.status == ListImport.Status.READY, list_import.message
    gc.collect()
    gc.disable()
    try:
        confirmed = list_import_confirm(list_import=list_import, by=coordinator)
        alive = sum(type(o) is DraftTask for o in gc.get_objects())
    finally:
        gc.enable()

    assert confirmed.status == ListImport.Status.DRAFT, confirmed.message
    assert alive == 0
