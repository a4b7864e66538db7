"""Whether an upload is checked in the request or by a background job."""

from django.conf import settings

from campaigns.importing.uploads import Inspection
from campaigns.models import ListImport


def row_estimate(inspection: Inspection) -> int:
    """How many rows an upload holds, told without parsing it."""
    if inspection.kind == "xlsx":
        return sum(scan.rows for scan in inspection.sheets if scan.visible)
    if inspection.kind == "text":  # at most one task a line
        return sum(1 for line in inspection.text.splitlines() if line.strip())
    return 0


def in_background(list_import: ListImport) -> bool:
    """A large file is checked by a job, never inside the web request: by its rows, and a
    plan (text or Word) also by its size, since reading a plan costs more per byte."""
    return list_import.row_estimate > settings.IMPORT_BACKGROUND_ROWS or (
        list_import.source_kind != "xlsx"
        and list_import.source_size > settings.IMPORT_BACKGROUND_TEXT_BYTES
    )
