"""Storing a preview: the small document on the ListImport and one ListImportRow per row.

The rows of a preview are written in one statement (``bulk.insert_rows``: COPY on
PostgreSQL), after the import's previous rows are deleted in one; a page of the preview then
reads its 100 rows by index and its figures come from one aggregate
(``campaigns.selectors.import_preview``).
"""

from __future__ import annotations

from django.db import transaction

from campaigns.models import ListImport, ListImportRow
from campaigns.services.bulk import insert_rows
from campaigns.services.import_steps.comparing import ImportPlan
from campaigns.services.import_steps.preview import plan_preview, preview_rows


@transaction.atomic(savepoint=False)
def preview_store(list_import: ListImport, plan: ImportPlan) -> None:
    """Set the import's preview document (saved by the caller) and write its rows (now)."""
    list_import.preview = plan_preview(plan)
    if list_import.pk is None:  # recorded by the command in one go: saved again by the caller
        list_import.save()
    preview_rows_clear([list_import.pk])
    rows = [
        {
            "list_import_id": list_import.pk,
            "position": position,
            "action": data["action"],
            "problem": data["action"] == "error" or bool(data["issues"]),
            "data": data,
        }
        for position, data in enumerate(preview_rows(plan))
    ]
    insert_rows(ListImportRow, rows)


def preview_rows_clear(list_import_ids: list[int]) -> None:
    """Delete the stored rows of these imports' previews (one DELETE)."""
    ListImportRow.objects.filter(list_import_id__in=list_import_ids).delete()
