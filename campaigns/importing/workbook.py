"""Read task-list workbooks into plain rows, then into categorised task rows.

``read_workbook`` first has ``safety.inspect_upload`` judge the bytes (zip bombs, entity
tricks, extents, passwords, old .xls), then reads the cached cell values with python-calamine
(a Rust reader, about ten times faster than openpyxl) and flattens each visible sheet to a
grid of cleaned values: cells merged down several rows are repeated on every row; rows merged
across the sheet are flagged, since they are titles or category headings.  ``parse_sheet``
finds the header row, maps the columns to canonical fields (or takes a corrected mapping) and
walks the data rows, tracking categories.  Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any

import python_calamine
from django.utils.translation import gettext as _

from .headers import (
    HeaderMapping,
    find_header_row,
    header_text,
    map_headers,
    mapping_from_columns,
    match_header,
    normalise_header,
)
from .safety import DEFAULT_LIMITS, FileRefused, Inspection, Limits, inspect_upload

__all__ = [
    "HeaderNotFoundError",
    "ParsedCategory",
    "ParsedRow",
    "ParsedSheet",
    "SheetData",
    "WorkbookError",
    "clean_category",
    "heading_number",
    "parse_sheet",
    "parse_sheets",
    "parse_workbook",
    "read_workbook",
]

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
WorkbookSource = str | PathLike[str] | IO[bytes] | bytes

# Values shown per column when the coordinator checks the mapping, from this many rows.
_SAMPLES = 3
_SAMPLE_ROWS = 20
# A merged range counts as "across the sheet" when it covers this share of the used width.
_ACROSS_SHARE = 0.8

_NOTE_PREFIX = re.compile(r"^(?:注|备注|说明|附注)\s*\d*\s*[:：]")
_CN_NUM = "一二三四五六七八九十百零〇两"
# Numbered headings that make a lone cell a category row.
_CATEGORY_PREFIXES: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^第\s*([{_CN_NUM}\d]+)\s*(?:部分|章|节|篇|类|方面)\s*[、.．:：]?\s*"),
    re.compile(rf"^[（(]\s*([{_CN_NUM}]+|\d+)\s*[）)]\s*[、.．]?\s*"),
    re.compile(rf"^([{_CN_NUM}]+)(?:\s*[、.．]|\s+)\s*"),
)
# Arabic numbering ("1、xxx") is only trusted on rows merged across the sheet.
_ARABIC_PREFIX = re.compile(r"^(\d+)\s*[、.．]\s*(?!\d)")
_TRAILING_COUNT = re.compile(r"\s*[（(]\s*共?\s*\d+\s*(?:项|条|个|件|类)?\s*[）)]\s*$")
_TRAILING_PUNCT = re.compile(r"[\s:：。;；,，]+$")
# Our exports escape cells that a spreadsheet would run (=, +, -, @, tab, CR) with a quote.
_ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")


class WorkbookError(FileRefused):
    """The file is not a readable .xlsx workbook (``message`` says why)."""


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


@dataclass(frozen=True)
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


def _is_empty(value: CellValue) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


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
    # Most cells are text: strip them inline, and call _clean_value for the rest.
    grid: list[list[CellValue]] = [
        [
            (value.strip() or None if value[:1] != "'" else _clean_value(value))
            if value.__class__ is str
            else _clean_value(value)
            for value in row
        ]
        for row in sheet.to_python(skip_empty_area=False)
    ]
    used_width = max(map(_width, grid), default=0)
    merged_across: set[int] = set()
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        width = right - left + 1
        if used_width >= 2 and width >= 2 and width >= math.ceil(used_width * _ACROSS_SHARE):
            merged_across.add(top)
        elif bottom > top:
            for row_index in range(top + 1, min(bottom + 1, len(grid))):
                if left < len(grid[row_index]):
                    grid[row_index][left] = value

    while grid and not _width(grid[-1]):
        grid.pop()
    merged_across = {index for index in merged_across if index < len(grid)}
    width = max(map(_width, grid), default=0)
    rows = [row[:width] if len(row) >= width else row + [None] * (width - len(row)) for row in grid]
    return SheetData(
        name=sheet.name, rows=rows, merged_across=merged_across, formula_cells=formula_cells
    )


def _split_category(text: str, *, allow_arabic: bool) -> tuple[str | None, str] | None:
    """Return (code, rest) when ``text`` starts with a heading number."""
    patterns = (*_CATEGORY_PREFIXES, _ARABIC_PREFIX) if allow_arabic else _CATEGORY_PREFIXES
    for pattern in patterns:
        match = pattern.match(text)
        if match and text[match.end() :].strip():
            return match[1], text[match.end() :]
    return None


def clean_category(text: str, *, allow_arabic: bool = True) -> tuple[str | None, str]:
    """Split a category heading into (code, name): 一、深化改革（14项） → ('一', '深化改革')."""
    text = text.strip()
    split = _split_category(text, allow_arabic=allow_arabic)
    code, name = split if split else (None, text)
    name = _TRAILING_PUNCT.sub("", name)
    name = _TRAILING_COUNT.sub("", name)
    name = _TRAILING_PUNCT.sub("", name).strip()
    return code, name or text


def heading_number(text: str, *, allow_arabic: bool = True) -> str:
    """The number of a heading as printed, brackets kept: （一）xx → （一）, 一、xx → 一."""
    text = unicodedata.normalize("NFKC", text.strip())
    patterns = (*_CATEGORY_PREFIXES, _ARABIC_PREFIX) if allow_arabic else _CATEGORY_PREFIXES
    for pattern in patterns:
        match = pattern.match(text)
        if match and text[match.end() :].strip():
            printed = re.sub(r"[\s、.．:：]+$", "", match[0].strip())
            return printed.replace("(", "（").replace(")", "）")
    return ""


def _is_sub_header(header: Sequence[CellValue], row: Sequence[CellValue]) -> bool:
    """A second header row: it names a field where the row above says something else, and
    holds no data (every filled cell is a header word or repeats the cell above, as cells
    merged down over both rows do)."""
    names_a_field = False
    for high, low in zip(header, row, strict=True):
        if _is_empty(low) or low == high:
            continue
        if not isinstance(low, str) or match_header(low) is None:
            return False
        names_a_field = True
    return names_a_field


def _non_empty(row: Sequence[CellValue]) -> list[CellValue]:
    return [
        value
        for value in row
        if value is not None and (value.__class__ is not str or value.strip())
    ]


def _looks_like_category(filled: Sequence[CellValue]) -> bool:
    """A lone numbered heading such as 一、xxx / （一）xxx / 第一部分 xxx (filled cells given)."""
    if len(filled) != 1 or not isinstance(filled[0], str):
        return False
    return _split_category(filled[0].strip(), allow_arabic=False) is not None


def _is_note(filled: Sequence[CellValue]) -> bool:
    """Notes below the table (注：/备注：/说明：) end the data (filled cells given)."""
    if not filled or not isinstance(filled[0], str):
        return False
    return bool(_NOTE_PREFIX.match(unicodedata.normalize("NFKC", filled[0]).strip()))


def _cell(row: Sequence[CellValue], column: int) -> CellValue:
    return row[column] if column < len(row) else None


def _extra_keys(mapping: HeaderMapping) -> dict[int, str]:
    """Unique display names for the unmapped columns (duplicates get a #n suffix)."""
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for column, text in sorted(mapping.extra.items()):
        seen[text] = seen.get(text, 0) + 1
        keys[column] = text if seen[text] == 1 else f"{text}#{seen[text]}"
    return keys


def parse_sheet(sheet: SheetData, *, columns: Mapping[int, str] | None = None) -> ParsedSheet:
    """Locate the header, map columns and collect categorised data rows.

    ``columns`` is a corrected mapping (column → field, "" keeps the column as an extra
    column, "-" ignores it) that replaces the one found from the headers.
    Rows without a title and a code are skipped (as are rows holding only a code, such as
    pre-numbered empty template rows); a note row (注：…) ends the table.
    Raises HeaderNotFoundError when no header row is recognised.
    """
    header_index = find_header_row(sheet.rows)
    if header_index is None:
        raise HeaderNotFoundError(f"no header row found in sheet {sheet.name!r}")
    header_row = sheet.rows[header_index]
    first_data = header_index + 1
    below = sheet.rows[first_data] if first_data < len(sheet.rows) else None
    if below is not None and _is_sub_header(header_row, below):
        # Two header rows (责任单位 over 牵头单位 | 配合单位): the lower row names the columns.
        header_row = [
            low if not _is_empty(low) else high for high, low in zip(header_row, below, strict=True)
        ]
        first_data += 1
    detected = map_headers(header_row)
    mapping = mapping_from_columns(header_row, columns) if columns is not None else detected
    headers = [header_text(cell) for cell in header_row]
    header_probe = next((i for i, text in enumerate(headers) if text), 0)
    extra_keys = _extra_keys(mapping)
    category_column = mapping.fields.get("category")
    title_rows = [
        " ".join(str(value).strip() for value in row if not _is_empty(value))
        for row in sheet.rows[:header_index]
        if _non_empty(row)
    ]

    categories: list[ParsedCategory] = []
    known: set[str] = set()
    current: str | None = None
    from_rows = False

    def add_category(code: str | None, name: str, numbering: str) -> None:
        if name not in known:
            known.add(name)
            categories.append(
                ParsedCategory(code=code, name=name, order=len(categories), numbering=numbering)
            )

    field_columns = list(mapping.fields.items())
    extra_columns = [(extra_keys[column], column) for column in mapping.extra]
    rows: list[ParsedRow] = []
    samples: dict[int, list[str]] = {}
    for index in range(first_data, len(sheet.rows)):
        row = sheet.rows[index]
        filled = _non_empty(row)
        if not filled:
            continue
        if _is_note(filled):
            break
        if index in sheet.merged_across or _looks_like_category(filled):
            text = str(filled[0]).strip()
            arabic = index in sheet.merged_across
            code, name = clean_category(text, allow_arabic=arabic)
            add_category(code, name, heading_number(text, allow_arabic=arabic))
            current = name
            from_rows = True
            continue
        if (
            len(filled) >= 3
            and row[header_probe] == header_row[header_probe]
            and [header_text(cell) for cell in row] == headers
        ):
            continue  # header repeated (e.g. printed on every page)

        values = {
            fld: row[column]
            for fld, column in field_columns
            if column < len(row) and not _is_empty(row[column])
        }
        if "title" not in values and ("code" not in values or len(values) == 1):
            continue
        category = current
        if category_column is not None and "category" in values:
            text = str(values["category"])
            code, category = clean_category(text)
            add_category(code, category, heading_number(text))
        extra = {
            key: row[column]
            for key, column in extra_columns
            if column < len(row) and not _is_empty(row[column])
        }
        rows.append(ParsedRow(index + 1, category, values, extra))
        if len(rows) <= _SAMPLE_ROWS:
            for column, value in enumerate(row):
                if value is not None and len(samples.setdefault(column, [])) < _SAMPLES:
                    samples[column].append(str(value)[:40])

    style = (
        "rows" if from_rows else ("column" if category_column is not None and categories else "")
    )
    return ParsedSheet(
        name=sheet.name,
        header_row_index=header_index,
        mapping=mapping,
        headers=headers,
        categories=categories,
        rows=rows,
        title_rows=title_rows,
        formula_cells=sheet.formula_cells,
        category_style=style,
        detected=detected,
        samples=samples,
    )


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


def parse_sheets(
    sheets: Sequence[SheetData], *, columns: Mapping[str, Mapping[int, str]] | None = None
) -> list[ParsedSheet]:
    """Parse the sheets that have a header row (see ``parse_workbook``)."""
    columns = columns or {}
    parsed: list[ParsedSheet] = []
    for sheet in sheets:
        try:
            parsed.append(parse_sheet(sheet, columns=columns.get(sheet.name)))
        except HeaderNotFoundError:
            continue

    layouts: dict[tuple[str, ...], list[int]] = {}
    for position, sheet in enumerate(parsed):
        layout = [normalise_header(text) for text in sheet.headers]
        while layout and not layout[-1]:
            layout.pop()
        layouts.setdefault(tuple(layout), []).append(position)
    for positions in layouts.values():
        if len(positions) < 2 or any(parsed[p].categories for p in positions):
            continue
        for order, position in enumerate(positions):
            sheet = parsed[position]
            name = sheet.name.strip()
            parsed[position] = replace(
                sheet,
                categories=[ParsedCategory(code=None, name=name, order=order)],
                rows=[replace(row, category=name) for row in sheet.rows],
                category_style="sheet",
            )
    return parsed
