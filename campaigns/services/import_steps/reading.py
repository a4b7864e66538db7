"""Reading: an upload's bytes → what the file says (an ImportSource), before any query."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from campaigns.importing.checking import build_drafts
from campaigns.importing.docx import docx_tables, docx_text
from campaigns.importing.drafts import Drafts, list_title
from campaigns.importing.headers import IGNORE, HeaderMapping
from campaigns.importing.plan import parse_plan
from campaigns.importing.rows import ParsedSheet
from campaigns.importing.safety import FileRefused, Inspection, Limits, inspect_upload
from campaigns.importing.sheets import parse_sheets
from campaigns.importing.workbook import WorkbookError, parse_workbook
from config.errors import RuleViolation

#: Corrected column mappings: sheet name → column → field ("" extra column, "-" ignored).
Columns = dict[str, dict[int, str]]


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_columns=settings.IMPORT_MAX_COLUMNS,
        max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
        max_entries=settings.IMPORT_MAX_ZIP_ENTRIES,
        max_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
    )


@dataclass
class ImportSource:
    """What an upload says, before anything is compared with the database."""

    filename: str
    kind: str  # ListImport.SourceKind
    sheets: list[ParsedSheet]
    inspection: Inspection | None = None
    # Rebuilt from a stored check (``checked.py``), the sheets hold no rows: their sizes then.
    sizes: dict[str, tuple[int, int]] | None = None
    _drafts: dict[int, Drafts] = field(default_factory=dict, repr=False)

    def size(self, sheet: ParsedSheet) -> tuple[int, int]:
        """(rows, categories) of one of its sheets."""
        if self.sizes is not None and sheet.name in self.sizes:
            return self.sizes[sheet.name]
        return len(sheet.rows), len(sheet.categories)

    @property
    def title(self) -> str:
        return list_title(self.sheets) or PurePath(self.filename).stem[:200]

    def drafts(self, *, default_year: int) -> Drafts:
        """The checked rows (deadlines such as 6月底前 need the year, the campaign's).

        Once checked, the parsed rows are let go (the drafts say all they said, and a 50,000-row
        file's rows are tens of MB): the sheets keep their layout, ``sizes`` their counts.
        """
        if default_year not in self._drafts:
            if self._drafts or self.sizes is not None:
                raise ValueError("this file was checked for another year: read it again")
            self._drafts[default_year] = build_drafts(
                self.sheets, default_year=default_year, max_rows=settings.IMPORT_MAX_ROWS
            )
            self.sizes = {sheet.name: self.size(sheet) for sheet in self.sheets}
            self.sheets = [replace(sheet, rows=[]) for sheet in self.sheets]
        return self._drafts[default_year]


def import_inspect(*, data: bytes, filename: str) -> Inspection:
    """Judge an upload; raises RuleViolation with the reason when it is refused."""
    try:
        return inspect_upload(data, filename, limits=import_limits())
    except FileRefused as exc:
        raise RuleViolation(exc.message, field="file", code="refused") from exc


def import_read(
    *,
    data: bytes,
    filename: str,
    columns: Columns | None = None,
    inspection: Inspection | None = None,
) -> ImportSource:
    """Read an upload (an .xlsx, a .docx or plan text). Raises RuleViolation when refused."""
    inspection = inspection or import_inspect(data=data, filename=filename)
    try:
        sheets = _read_sheets(data, filename, inspection, columns)
    except (WorkbookError, FileRefused) as exc:
        raise RuleViolation(exc.message, field="file", code="refused") from exc
    return ImportSource(
        filename=filename, kind=inspection.kind, sheets=sheets, inspection=inspection
    )


def _read_sheets(
    data: bytes, filename: str, inspection: Inspection, columns: Columns | None
) -> list[ParsedSheet]:
    if inspection.kind == "xlsx":
        return parse_workbook(data, columns=columns, limits=import_limits(), inspection=inspection)
    stem = (PurePath(filename).stem or _("Plan"))[:31]
    if inspection.kind == "docx":
        # A list sent as a table in a Word document reads like a sheet; else the text.
        sheets = parse_sheets(docx_tables(data, limits=import_limits()), columns=columns)
        return sheets or [_with_columns(parse_plan(docx_text(data), name=stem), columns)]
    return [_with_columns(parse_plan(inspection.text, name=stem), columns)]


def _with_columns(sheet: ParsedSheet, columns: Columns | None) -> ParsedSheet:
    """A plan's columns are fixed; a correction can only move or drop them."""
    if not columns or sheet.name not in columns:
        return sheet
    original = {column: fld for fld, column in sheet.mapping.fields.items()}
    fields: dict[str, int] = {}
    for column, fld in sorted(columns[sheet.name].items()):
        if fld and fld != IGNORE and column in original:
            fields[fld] = column
    remapped = [
        replace(
            row,
            values={
                fld: row.values[original[column]]
                for fld, column in fields.items()
                if original[column] in row.values
            },
        )
        for row in sheet.rows
    ]
    return replace(sheet, mapping=HeaderMapping(fields=fields, extra={}), rows=remapped)
