"""The shapes every reader produces: a sheet's grid (SheetData) and its parsed rows (ParsedSheet).

A workbook (workbook.py), a Word document's tables (docx.py) and a plan's text (plan.py) all
end as ParsedSheets, so that the checks after them (checking.py) treat every source alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .headers import HeaderMapping

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


class HeaderNotFoundError(ValueError):
    """No header row was recognised in the first rows of a sheet."""


@dataclass(frozen=True)
class SheetData:
    """One sheet as a grid of cleaned values (row/column indexes match Excel, 0-based)."""

    name: str
    rows: list[list[CellValue]]
    merged_across: set[int] = field(default_factory=set)
    # 0-based (row, column) of cells that hold a formula (their cached value is in ``rows``).
    formula_cells: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class ParsedCategory:
    """A category heading: ``code`` is its number (一), ``order`` its position.

    ``numbering`` is the number as printed, brackets kept (一 / （一） / 第一部分), so that a
    list with two levels of headings can be written back as it came in.
    """

    code: str | None
    name: str
    order: int
    numbering: str = ""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One data row: ``values`` holds non-empty mapped cells, ``extra`` other non-empty cells."""

    row_number: int
    category: str | None
    values: dict[str, CellValue]
    extra: dict[str, CellValue]
    # What the reader noticed about the row (a plan's ambiguous deadline …), in words.
    warnings: tuple[str, ...] = ()
    # Shown with its warnings but not imported (a plan's paragraph that only looks like a task).
    skipped: bool = False


@dataclass(frozen=True)
class ParsedSheet:
    """A sheet with its header located and its rows split into categories."""

    name: str
    header_row_index: int
    mapping: HeaderMapping
    headers: list[str]
    categories: list[ParsedCategory]
    rows: list[ParsedRow]
    # Rows above the header (the list's title, 填报单位 …), as text, for the export.
    title_rows: list[str] = field(default_factory=list)
    formula_cells: frozenset[tuple[int, int]] = frozenset()
    # How categories were given: "rows" (heading rows), "column", "sheet" or "" (none).
    category_style: str = ""
    # The mapping found from the headers, before any correction by the coordinator.
    detected: HeaderMapping | None = None
    # "sheet" for a spreadsheet, "text" for a plan's text (rows are then its lines).
    source: str = "sheet"
    # A few values of every column (0-based) from the first data rows, to help map them.
    samples: dict[int, list[str]] = field(default_factory=dict)
