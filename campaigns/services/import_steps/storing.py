"""Storing a preview: the small document on the ListImport and one ListImportRow per row.

The rows of a preview are written in one statement (``bulk.stream_rows``: COPY on
PostgreSQL), after the import's previous rows are deleted in one, and counted as they are
written (the document's ``counts``); a page of the preview then reads its 100 rows by index
and shows those counts (``campaigns.selectors.import_preview``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, QuerySet, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast
from django.db.models.sql.constants import MULTI

from campaigns.models import ListImport, ListImportRow
from campaigns.services.bulk import stream_rows
from campaigns.services.copying import copy_rows
from campaigns.services.import_steps.checked import checked_drafts, checked_source
from campaigns.services.import_steps.comparing import ImportPlan
from campaigns.services.import_steps.preview import plan_preview, preview_row_data
from campaigns.services.import_steps.reading import ImportSource
from campaigns.services.import_steps.rowtexts import preview_texts

_COLUMNS = ("list_import_id", "position", "action", "problem", "change", "data", "draft")

#: The preview's figures, counted as its rows are written (the document's ``counts``).
COUNTED = ("tasks", "created", "updated", "unchanged", "problems")
_CHANGES = ("create", "update")


@transaction.atomic(savepoint=False)
def preview_store(list_import: ListImport, plan: ImportPlan) -> None:
    """Set the import's preview document (saved by the caller, in the same transaction) and
    write its rows (now); the document's ``counts`` are those of the rows written."""
    checked, drafts = checked_drafts(plan.source, plan.campaign.year)
    list_import.preview = {**plan_preview(plan), "checked": checked}
    if list_import.pk is None:  # recorded by the command in one go: saved again by the caller
        list_import.save()
    preview_rows_clear([list_import.pk])
    counts = dict.fromkeys(COUNTED, 0)
    connection = connections[router.db_for_write(ListImportRow)]
    if connection.vendor == "postgresql":  # each row's documents written as text at once
        texts = preview_texts(list_import.pk, plan, checked, drafts, counts)
        copy_rows(connection, ListImportRow._meta.db_table, _text_fields(), texts)
    else:
        stream_rows(ListImportRow, _COLUMNS, _rows(list_import.pk, plan, drafts, counts))
    list_import.preview["counts"] = counts


def _text_fields() -> list[Field]:
    """``_COLUMNS``' fields for COPY, the two documents given as their JSON text."""
    fields: list[Any] = [ListImportRow._meta.get_field(name) for name in _COLUMNS[:-2]]
    for name in _COLUMNS[-2:]:
        text: Field = TextField()
        text.set_attributes_from_name(name)
        fields.append(text)
    return fields


def _rows(
    list_import_id: int, plan: ImportPlan, drafts: Iterator[list], counts: dict[str, int]
) -> Iterator[tuple]:
    """The preview's rows as COPY takes them, counted as they go (each row's page document
    and draft made by a function mapped over the rows: one generator for the three)."""
    actions = {"create": "created", "update": "updated", "unchanged": "unchanged"}
    rows = map(preview_row_data(plan), plan.rows)
    for position, (data, draft) in enumerate(zip(rows, drafts, strict=True)):
        action = data["action"]
        problem = action == "error" or bool(data["issues"])
        counts["tasks"] += 1
        if action in actions:
            counts[actions[action]] += 1
        if problem:
            counts["problems"] += 1
        yield (list_import_id, position, action, problem, action in _CHANGES, data, draft)


def checked_stored(list_import: ListImport, year: int) -> ImportSource | None:
    """The file as the check stored it (read and checked), or None: read it again then."""
    # The key named as an expression, not as a lookup (``"preview__checked"``): Django
    # resolves such a lookup by trying it as a relation first and keeping the FieldError it
    # catches, whose traceback holds this call's frames, and through them the caller's — the
    # rebuilt rows and the plan, kept in a reference cycle after the confirm returns, for the
    # cyclic collector to find (50,000 objects and 25 ms at 10,000 rows) instead of freed.
    document = (
        ListImport.objects.filter(pk=list_import.pk)
        .values_list(KeyTransform("checked", "preview"), flat=True)
        .first()
    )
    if not document:
        return None
    # As text, decoded here: the ORM's JSON converter costs more than the decoding itself.
    texts = (
        ListImportRow.objects.filter(list_import=list_import)
        .order_by("position")
        .annotate(text=Cast("draft", TextField()))
        .values_list("text")
    )
    return checked_source(document, chain.from_iterable(_decoded(texts)), year)


def _decoded(texts: QuerySet, batch: int = 2_000) -> Iterator[list]:
    """The stored drafts decoded, a batch at a time in one call (one array of their texts),
    fetched a batch at a time as the ORM's ``iterator`` fetches them (a server-side cursor
    unless the settings turn those off), but handed over a batch at a time: no two Python
    calls a row to make each text."""
    connection = connections[texts.db]
    chunked = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    compiler = texts.query.get_compiler(using=texts.db)
    for rows in compiler.execute_sql(MULTI, chunked_fetch=chunked, chunk_size=batch):
        chunk = [row[0] for row in rows]
        if None in chunk:  # stored before the rows kept their tasks: the file is read again
            yield [None if text is None else json.loads(text) for text in chunk]
        else:
            yield json.loads("[" + ",".join(chunk) + "]")


def preview_rows_clear(list_import_ids: list[int]) -> None:
    """Delete the stored rows of these imports' previews (one DELETE)."""
    ListImportRow.objects.filter(list_import_id__in=list_import_ids).delete()
