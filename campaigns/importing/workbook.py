"""Reading a workbook: .xlsx bytes → one grid of cleaned values per visible sheet.

``read_workbook`` first has ``safety.inspect_upload`` judge the bytes (zip bombs, entity
tricks, extents, passwords, old .xls), then reads the cached cell values with python-calamine
(a Rust reader, about ten times faster than openpyxl) and flattens each visible sheet to a
grid of cleaned values: cells merged down several rows are repeated on every row; rows merged
across the sheet are flagged, since they are titles or category headings. ``parse_workbook``
hands the grids to ``sheets.parse_sheets``. Nothing here touches the database.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any

import python_calamine
from django.utils.translation import gettext as _

from .rows import CellValue, ParsedSheet, SheetData
from .safety import DEFAULT_LIMITS, FileRefused, Inspection, Limits, inspect_upload
from .sheets import CleanSheetData, parse_sheets

__all__ = ["WorkbookError", "parse_workbook", "read_workbook"]

WorkbookSource = str | PathLike[str] | IO[bytes] | bytes

# A merged range counts as "across the sheet" when it covers this share of the used width.
_ACROSS_SHARE = 0.8
# Our exports escape cells that a spreadsheet would run (=, +, -, @, tab, CR) with a quote.
_ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")


class WorkbookError(FileRefused):
    """The file is not a readable .xlsx workbook (``message`` says why)."""


def _clean_value(value: Any) -> CellValue:
    """Strip strings (empty → None), undo our export's escaping, make integral floats ints."""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("'"):
            value = _ESCAPED.sub("", value)
        return value or None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _width(row: Sequence[CellValue]) -> int:
    """1 + the index of the last filled cell of a cleaned row (0 for an empty row)."""
    for index in range(len(row) - 1, -1, -1):
        if row[index] is not None:
            return index + 1
    return 0


def _read_bytes(source: WorkbookSource) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), ""
    if isinstance(source, str | PathLike):
        path = Path(fspath(source))
        return path.read_bytes(), path.name
    return source.read(), str(getattr(source, "name", "") or "")


def read_workbook(
    source: WorkbookSource, *, limits: Limits = DEFAULT_LIMITS, inspection: Inspection | None = None
) -> list[SheetData]:
    """Load every visible worksheet of an .xlsx file (path, bytes or binary file object).

    Raises WorkbookError with the reason when the file is refused or cannot be read. Pass the
    ``inspection`` of the same bytes to skip judging them a second time.
    """
    data, name = _read_bytes(source)
    try:
        if inspection is None:
            inspection = inspect_upload(data, name, limits=limits)
    except FileRefused as exc:
        raise WorkbookError(exc.message) from exc
    if inspection.kind != "xlsx":
        raise WorkbookError(_("The file is not an Excel workbook (.xlsx)."))
    scans = {scan.name: scan for scan in inspection.sheets}
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                continue
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            scan = scans.get(meta.name)
            sheets.append(
                _read_sheet(sheet, frozenset(scan.formula_cells) if scan else frozenset())
            )
        book.close()
    except (python_calamine.CalamineError, ValueError, OverflowError) as exc:
        raise WorkbookError(
            _(
                "The workbook cannot be read (%(reason)s). Open it in Excel, save it again and retry."
            )
            % {"reason": str(exc)[:200]}
        ) from exc
    return sheets


def _read_sheet(sheet: Any, formula_cells: frozenset[tuple[int, int]]) -> SheetData:
    """Flatten one calamine worksheet, resolving merged ranges."""
    grid = [_clean_cells(row) for row in sheet.to_python(skip_empty_area=False)]
    width = len(grid[0]) if grid else 0
    rectangular = len(set(map(len, grid))) <= 1
    used_width = _used_width(grid, width) if rectangular else max(map(_width, grid), default=0)
    merged_across: set[int] = set()
    merged_down = False
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        span = right - left + 1
        if used_width >= 2 and span >= 2 and span >= math.ceil(used_width * _ACROSS_SHARE):
            merged_across.add(top)
        elif bottom > top:
            for row_index in range(top + 1, min(bottom + 1, len(grid))):
                if left < len(grid[row_index]):
                    grid[row_index][left] = value
                    merged_down = True

    while grid and not _width(grid[-1]):
        grid.pop()
    merged_across = {index for index in merged_across if index < len(grid)}
    if not rectangular:
        width = max(map(_width, grid), default=0)
        grid = [
            row[:width] if len(row) >= width else row + [None] * (width - len(row)) for row in grid
        ]
    else:  # the rows popped were empty; a merged range's empty top-left may empty cells
        used_width = _used_width(grid, used_width) if merged_down else used_width
        grid = [row[:used_width] for row in grid] if used_width < width else grid
    return CleanSheetData(
        name=sheet.name, rows=grid, merged_across=merged_across, formula_cells=formula_cells
    )


def _clean_cells(values: Sequence[Any]) -> list[CellValue]:
    """``_clean_value`` of each value, text and numbers inline (a call a cell saved). A text
    starts with a quote when "'" <= text < "(" (compared, not sliced: no new string)."""
    return [
        ((value.strip() or None) if value < "'" or value >= "(" else _clean_value(value))
        if value.__class__ is str
        else (int(value) if value.is_integer() else value)
        if value.__class__ is float
        else _clean_value(value)
        for value in values
    ]


def _used_width(grid: list[list[CellValue]], width: int) -> int:
    """``max(map(_width, grid))`` for rows all at least ``width`` wide, column by column
    from the right (the first column tried usually has a value)."""
    for column in range(width - 1, -1, -1):
        cells = list(map(itemgetter(column), grid))
        if cells.count(None) != len(cells):
            return column + 1
    return 0


def parse_workbook(
    source: WorkbookSource,
    *,
    columns: Mapping[str, Mapping[int, str]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    inspection: Inspection | None = None,
) -> list[ParsedSheet]:
    """Parse every sheet that has a header row.

    ``columns`` holds corrected mappings by sheet name (see ``parse_sheet``). When several
    sheets share one header layout and none has categories of its own, the workbook is
    one-sheet-per-category: each sheet's name becomes its rows' category.
    """
    return parse_sheets(
        read_workbook(source, limits=limits, inspection=inspection), columns=columns
    )
