"""Reading a Word document: .docx bytes → its text, or its tables as sheets (SheetData).

The file has been judged by ``safety.inspect_upload``; the XML is parsed with defusedxml all
the same. Nothing here touches the database.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from .rows import CellValue, SheetData
from .safety import DEFAULT_LIMITS, ROW_HEADROOM, FileRefused, Limits

__all__ = ["docx_tables", "docx_text"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ANNEX = re.compile(r"^附\s*件\s*\d*\s*[:：]?$")  # "附件1" above an annexed table is no title


class _Continued:
    """A cell merged down from the one above."""


_CONTINUED = _Continued()
_Cell = CellValue | _Continued


def _paragraph_text(paragraph: Element) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append(" ")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_root(data: bytes) -> Element:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return SafeET.fromstring(archive.read("word/document.xml"), forbid_dtd=True)
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, DefusedXmlException) as exc:
        raise FileRefused(_("The Word document cannot be read; save it again as .docx.")) from exc


def docx_text(data: bytes) -> str:
    """The paragraphs of a .docx (those in tables too), one per line."""
    return "\n".join(_paragraph_text(p) for p in _docx_root(data).iter(f"{_W}p"))


def docx_tables(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[SheetData]:
    """The tables of a .docx as sheets: lists are often sent as a table in a Word document.

    Cells spanning several columns leave the others empty; cells merged down repeat the
    value above (as in a workbook); a row that is one cell across the table is flagged like
    a row merged across a sheet. The document's first short paragraph is the title. A table
    wider or longer than the limits is refused, as a sheet would be.
    """
    root = _docx_root(data)
    sheets = []
    for number, table in enumerate(root.iter(f"{_W}tbl"), start=1):
        rows, spans = _table_rows(table, limits)
        grid, merged_across = _grid(rows, spans)
        if grid:
            sheets.append(SheetData(name=f"表格{number}", rows=grid, merged_across=merged_across))
    title = _title(root)
    if sheets and title:
        sheets[0] = SheetData(
            name=sheets[0].name,
            rows=[[title] + [None] * (len(sheets[0].rows[0]) - 1), *sheets[0].rows],
            merged_across={0} | {index + 1 for index in sheets[0].merged_across},
        )
    return sheets


def _title(root: Element) -> str:
    for paragraph in root.iter(f"{_W}p"):
        text = _paragraph_text(paragraph).strip()
        if 0 < len(text) <= 80 and not _ANNEX.match(text):
            return text
    return ""


def _too_big(limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "A table of the document is larger than %(rows)s rows or %(columns)s columns; at "
            "most %(limit)s tasks can be imported at once."
        )
        % {
            "rows": f"{limits.max_rows + ROW_HEADROOM:,}",
            "columns": limits.max_columns,
            "limit": f"{limits.max_rows:,}",
        }
    )


def _table_rows(table: Element, limits: Limits) -> tuple[list[list[_Cell]], list[int]]:
    """The cells of each row (a span filled with empty cells) and each row's widest span."""
    rows: list[list[_Cell]] = []
    spans: list[int] = []
    for tr in table.findall(f"{_W}tr"):
        row: list[_Cell] = []
        widest = 0
        for tc in tr.findall(f"{_W}tc"):
            value, span = _cell(tc)
            if span > limits.max_columns:
                raise _too_big(limits)
            row.append(value)
            row.extend([None] * (span - 1))
            widest = max(widest, span)
            if len(row) > limits.max_columns:
                raise _too_big(limits)
        rows.append(row)
        spans.append(widest)
        if len(rows) > limits.max_rows + ROW_HEADROOM:
            raise _too_big(limits)
    return rows, spans


def _cell(tc: Element) -> tuple[_Cell, int]:
    """A cell's text (or _CONTINUED when merged down) and how many columns it spans."""
    properties = tc.find(f"{_W}tcPr")
    span, continued = 1, False
    if properties is not None:
        grid_span = properties.find(f"{_W}gridSpan")
        value = grid_span.get(f"{_W}val") or "" if grid_span is not None else ""
        if value.isdigit():
            span = max(1, int(value))
        v_merge = properties.find(f"{_W}vMerge")
        continued = v_merge is not None and v_merge.get(f"{_W}val") in (None, "continue")
    if continued:
        return _CONTINUED, span
    text = "\n".join(_paragraph_text(p) for p in tc.findall(f"{_W}p")).strip()
    return text or None, span


def _grid(rows: list[list[_Cell]], spans: list[int]) -> tuple[list[list[CellValue]], set[int]]:
    """Rows padded to one width, merged-down cells filled, rows across the table flagged."""
    width = max((len(row) for row in rows), default=0)
    grid: list[list[CellValue]] = []
    merged_across = set()
    for index, cells in enumerate(rows):
        row: list[CellValue] = []
        for column, value in enumerate(cells + [None] * (width - len(cells))):
            if isinstance(value, _Continued):
                row.append(grid[index - 1][column] if index else None)
            else:
                row.append(value)
        if width >= 2 and spans[index] >= max(2, int(width * 0.8)):
            merged_across.add(index)
        grid.append(row)
    return grid, merged_across
