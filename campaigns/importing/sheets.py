"""Mapping a sheet: a grid (SheetData) → its header, its columns' fields, categorised rows.

``parse_sheet`` finds the header row, maps the columns to canonical fields (or takes a
corrected mapping) and walks the data rows, tracking categories; ``parse_sheets`` does every
sheet and notices a workbook with one sheet per category. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .headers import (
    HeaderMapping,
    extra_keys,
    find_header_row,
    header_text,
    map_headers,
    mapping_from_columns,
    match_header,
    normalise_header,
)
from .rows import CellValue, HeaderNotFoundError, ParsedCategory, ParsedRow, ParsedSheet, SheetData

__all__ = ["CleanSheetData", "clean_category", "heading_number", "parse_sheet", "parse_sheets"]

# Values shown per column when the coordinator checks the mapping, from this many rows.
_SAMPLES = 3
_SAMPLE_ROWS = 20

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


@dataclass(frozen=True)
class CleanSheetData(SheetData):
    """A grid as ``workbook.read_workbook`` makes it: every row as wide as the others, every
    text stripped and never empty (an empty cell is None). Its rows are walked without
    stripping each cell again."""


def _is_empty(value: CellValue) -> bool:
    return value is None or (type(value) is str and not value.strip())


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
    merged down over both rows do). A lone numbered heading is a category, never a header,
    even when its words name a field (一、政务服务方面 holds 方面, a synonym of the category)."""
    if _looks_like_category(_non_empty(row)):
        return False
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
        value for value in row if value is not None and (type(value) is not str or value.strip())
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
    header_row, first_data = _header(sheet.rows, header_index)
    detected = map_headers(header_row)
    mapping = mapping_from_columns(header_row, columns) if columns is not None else detected
    walk = _Walk(mapping, header_row, sheet.merged_across)
    take = walk.take_clean if isinstance(sheet, CleanSheetData) else walk.take
    for index in range(first_data, len(sheet.rows)):
        if not take(index, sheet.rows[index]):
            break
    return ParsedSheet(
        name=sheet.name,
        header_row_index=header_index,
        mapping=mapping,
        headers=walk.headers,
        categories=walk.categories,
        rows=walk.rows,
        title_rows=[
            " ".join(str(value).strip() for value in row if not _is_empty(value))
            for row in sheet.rows[:header_index]
            if _non_empty(row)
        ],
        formula_cells=sheet.formula_cells,
        category_style=walk.category_style(),
        detected=detected,
        samples=walk.samples,
    )


def _header(rows: list[list[CellValue]], index: int) -> tuple[list[CellValue], int]:
    """The header row (two rows merged into one when a second names the columns) and the
    index of the first data row."""
    header_row = rows[index]
    below = rows[index + 1] if index + 1 < len(rows) else None
    if below is not None and _is_sub_header(header_row, below):
        # Two header rows (责任单位 over 牵头单位 | 配合单位): the lower row names the columns.
        merged = [
            low if not _is_empty(low) else high for high, low in zip(header_row, below, strict=True)
        ]
        return merged, index + 2
    return header_row, index + 1


@dataclass
class _Walk:
    """One walk down a sheet's data rows: the rows, categories and samples found so far."""

    mapping: HeaderMapping
    header_row: list[CellValue]
    merged_across: set[int]
    categories: list[ParsedCategory] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    samples: dict[int, list[str]] = field(default_factory=dict)
    current: str | None = None  # the category of the rows under the last heading row
    from_rows: bool = False

    def __post_init__(self) -> None:
        self.headers = [header_text(cell) for cell in self.header_row]
        self.header_probe = next((i for i, text in enumerate(self.headers) if text), 0)
        self.category_column = self.mapping.fields.get("category")
        self.field_columns = list(self.mapping.fields.items())
        keys = extra_keys(self.mapping)
        self.extra_columns = [(keys[column], column) for column in self.mapping.extra]
        self.known: set[str] = set()

    def take(self, index: int, row: list[CellValue]) -> bool:
        """Read one row; False when it ends the table (a note)."""
        filled = _non_empty(row)
        if not filled:
            return True
        if _is_note(filled):
            return False
        if index in self.merged_across or _looks_like_category(filled):
            self._heading(index, str(filled[0]).strip())
        elif not self._repeats_header(row, filled):
            self._data(index, row)
        return True

    def take_clean(self, index: int, row: list[CellValue]) -> bool:
        """``take`` for a row of a CleanSheetData (its empty cells are None, its rows as wide
        as the header), in one call: the filled cells are counted, not collected."""
        filled = len(row) - row.count(None)
        if not filled:
            return True
        first = row[0] if row[0] is not None else next(v for v in row if v is not None)
        if first.__class__ is str and _is_note([first]):
            return False
        if index in self.merged_across or (filled == 1 and _looks_like_category([first])):
            self._heading(index, str(first).strip())
            return True
        probe = self.header_probe
        if (
            filled >= 3
            and row[probe] == self.header_row[probe]
            and [header_text(cell) for cell in row] == self.headers
        ):
            return True  # the header again (printed on every page)
        values: dict[str, CellValue] = {
            fld: value for fld, column in self.field_columns if (value := row[column]) is not None
        }
        if "title" not in values and ("code" not in values or len(values) == 1):
            return True
        extra: dict[str, CellValue] = {
            key: value for key, column in self.extra_columns if (value := row[column]) is not None
        }
        self._add_row(index, row, values, extra)
        return True

    def category_style(self) -> str:
        if self.from_rows:
            return "rows"
        return "column" if self.category_column is not None and self.categories else ""

    def _add_category(self, code: str | None, name: str, numbering: str) -> None:
        if name not in self.known:
            self.known.add(name)
            self.categories.append(
                ParsedCategory(
                    code=code, name=name, order=len(self.categories), numbering=numbering
                )
            )

    def _heading(self, index: int, text: str) -> None:
        arabic = index in self.merged_across
        code, name = clean_category(text, allow_arabic=arabic)
        self._add_category(code, name, heading_number(text, allow_arabic=arabic))
        self.current = name
        self.from_rows = True

    def _repeats_header(self, row: list[CellValue], filled: list[CellValue]) -> bool:
        """The header again (printed on every page)."""
        probe = self.header_probe
        return (
            len(filled) >= 3
            and row[probe] == self.header_row[probe]
            and [header_text(cell) for cell in row] == self.headers
        )

    def _data(self, index: int, row: list[CellValue]) -> None:
        width = len(row)
        values: dict[str, CellValue] = {  # not _is_empty(value), inline: ten calls a row saved
            fld: value
            for fld, column in self.field_columns
            if column < width
            and (value := row[column]) is not None
            and (type(value) is not str or value.strip())
        }
        if "title" not in values and ("code" not in values or len(values) == 1):
            return
        extra = {
            key: row[column]
            for key, column in self.extra_columns
            if column < width and not _is_empty(row[column])
        }
        self._add_row(index, row, values, extra)

    def _add_row(
        self,
        index: int,
        row: list[CellValue],
        values: dict[str, CellValue],
        extra: dict[str, CellValue],
    ) -> None:
        category = self.current
        if self.category_column is not None and "category" in values:
            text = str(values["category"])
            code, category = clean_category(text)
            self._add_category(code, category, heading_number(text))
        self.rows.append(ParsedRow(index + 1, category, values, extra))
        if len(self.rows) <= _SAMPLE_ROWS:
            self._sample(row)

    def _sample(self, row: list[CellValue]) -> None:
        for column, value in enumerate(row):
            if value is not None and len(self.samples.setdefault(column, [])) < _SAMPLES:
                self.samples[column].append(str(value)[:40])


def parse_sheets(
    sheets: Sequence[SheetData], *, columns: Mapping[str, Mapping[int, str]] | None = None
) -> list[ParsedSheet]:
    """Parse the sheets that have a header row (see ``parse_workbook``)."""
    columns = columns or {}
    parsed: list[ParsedSheet] = []
    for data in sheets:
        try:
            parsed.append(parse_sheet(data, columns=columns.get(data.name)))
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
