"""A small .xlsx writer for one styled table, written as the sheet's XML text.

openpyxl builds a cell object per cell, looks its style up in indexed lists and writes it
through lxml: for 本周应报送 (a busy unit owes 280 tasks, 7,000 cells, every one filled grey or
white) that was two-thirds of the download's CPU. This writes the same workbook parts Excel,
WPS, openpyxl and calamine read (content types, workbook, styles, shared strings, one sheet with
column widths, a hidden column, merged cells, frozen panes, a row height and a whole-number
validation), as strings: a style is an index chosen once per column, a string an index into the
shared strings. Only what the sheets of this project need; anything else stays with openpyxl.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

# Characters XML 1.0 does not allow (openpyxl refuses them with IllegalCharacterError).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Style:
    """A cell's look: font (bold, size), fill colour (ARGB or RGB hex) and wrapping."""

    bold: bool = False
    size: int | None = None
    fill: str | None = None
    wrap: bool = False
    top: bool = False


@functools.cache
def column_letter(number: int) -> str:
    """1 → A, 27 → AA (worked out once per column and process: a sheet asks it per cell)."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


class SheetWriter:
    """One sheet: ``row`` appends a row of values (str, int, float or None) with a style per
    cell; ``save`` returns the workbook's bytes."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._styles: dict[Style, int] = {Style(): 0}
        self._strings: dict[str, int] = {}
        self._rows: list[str] = []
        self._widths: dict[int, tuple[float, bool]] = {}
        self._merged: list[str] = []
        self._validations: list[str] = []
        self._freeze: tuple[int, int] | None = None

    def style(self, style: Style) -> int:
        """The index of ``style`` among the workbook's cell formats (added once)."""
        return self._styles.setdefault(style, len(self._styles))

    def column(self, number: int, width: float, *, hidden: bool = False) -> None:
        self._widths[number] = (width, hidden)

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        self._merged.append(
            f"{column_letter(first_column)}{first_row}:{column_letter(last_column)}{last_row}"
        )

    def freeze(self, row: int, column: int) -> None:
        """Freeze the rows above ``row`` and the columns left of ``column`` (both 1-based)."""
        self._freeze = (row, column)

    def whole_number_between(self, cells: str, low: int, high: int, *, title: str, error: str):
        """A validation on ``cells`` (e.g. "L4:L283"): a whole number from low to high, blank
        allowed, with an error message."""
        self._validations.append(
            f'<dataValidation type="whole" operator="between" allowBlank="1" '
            f'showErrorMessage="1" errorTitle="{_text(title)}" error="{_text(error)}" '
            f'sqref="{cells}"><formula1>{low}</formula1><formula2>{high}</formula2>'
            "</dataValidation>"
        )

    def row(
        self, values: Sequence[Any], styles: Sequence[int] | int = 0, *, height: float | None = None
    ) -> None:
        number = len(self._rows) + 1
        if isinstance(styles, int):
            styles = [styles] * len(values)
        strings = self._strings
        cells = []
        for index, (value, style) in enumerate(zip(values, styles, strict=True)):
            ref = f"{column_letter(index + 1)}{number}"
            s = f' s="{style}"' if style else ""
            if value is None or value == "":  # an empty text is an empty cell, as in openpyxl
                if style:
                    cells.append(f'<c r="{ref}"{s}/>')
            elif isinstance(value, str):
                at = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}"{s} t="s"><v>{at}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"{s}><v>{value!r}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")
        tall = f' ht="{height}" customHeight="1"' if height is not None else ""
        self._rows.append(f'<row r="{number}"{tall}>{"".join(cells)}</row>')

    def save(self) -> bytes:
        """The workbook's bytes, deflated at level 1: a busy unit's sheet (220 KB of XML) is
        29 KB at zlib's default level 6 and 34 KB at 1, for 2.2 ms of CPU against 0.6 ms on
        each download (an intranet carries the 5 KB; the server's cores are what is short)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
            book.writestr("[Content_Types].xml", _content_types())
            book.writestr("_rels/.rels", _root_rels())
            book.writestr("xl/workbook.xml", _workbook(self.title))
            book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels())
            book.writestr("xl/styles.xml", _stylesheet(self._styles))
            book.writestr("xl/sharedStrings.xml", _shared_strings(self._strings))
            book.writestr("xl/worksheets/sheet1.xml", self._sheet())
        return buffer.getvalue()

    def _sheet(self) -> str:
        parts = [_XML, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">', self._view()]
        if self._widths:
            parts.append("<cols>")
            for number in sorted(self._widths):
                width, hidden = self._widths[number]
                hide = ' hidden="1"' if hidden else ""
                parts.append(
                    f'<col min="{number}" max="{number}" width="{width}" customWidth="1"{hide}/>'
                )
            parts.append("</cols>")
        parts += ["<sheetData>", *self._rows, "</sheetData>"]
        if self._merged:
            merged = "".join(f'<mergeCell ref="{ref}"/>' for ref in self._merged)
            parts.append(f'<mergeCells count="{len(self._merged)}">{merged}</mergeCells>')
        if self._validations:
            parts.append(
                f'<dataValidations count="{len(self._validations)}">'
                f"{''.join(self._validations)}</dataValidations>"
            )
        parts.append("</worksheet>")
        return "".join(parts)

    def _view(self) -> str:
        if self._freeze is None:
            return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        row, column = self._freeze
        corner = f"{column_letter(column)}{row}"
        split = ""
        if column > 1:
            split += f' xSplit="{column - 1}"'
        if row > 1:
            split += f' ySplit="{row - 1}"'
        pane = {(True, True): "bottomRight", (True, False): "topRight"}.get(
            (column > 1, row > 1), "bottomLeft"
        )
        return (
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane{split} topLeftCell="{corner}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{corner}" sqref="{corner}"/>'
            "</sheetView></sheetViews>"
        )


def _content_types() -> str:
    parts = [
        ("/xl/workbook.xml", f"{_TYPE}.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{_TYPE}.worksheet+xml"),
        ("/xl/styles.xml", f"{_TYPE}.styles+xml"),
        ("/xl/sharedStrings.xml", f"{_TYPE}.sharedStrings+xml"),
    ]
    overrides = "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in parts)
    return (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )


def _root_rels() -> str:
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )


def _workbook(title: str) -> str:
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        f'<sheets><sheet name="{_text(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _workbook_rels() -> str:
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )


def _argb(colour: str) -> str:
    return colour if len(colour) == 8 else f"FF{colour}"


def _stylesheet(styles: dict[Style, int]) -> str:
    """Fonts, fills and cell formats for ``styles`` (in their index order)."""
    fonts: dict[tuple[bool, int | None], int] = {(False, None): 0}
    fills: dict[str | None, int] = {
        None: 0
    }  # 0 none, 1 gray125: the two fills every workbook starts with
    formats = []
    for style in sorted(styles, key=styles.__getitem__):
        font = fonts.setdefault((style.bold, style.size), len(fonts))
        fill = fills.setdefault(style.fill, len(fills) + 1) if style.fill else 0
        align = ""
        if style.wrap or style.top:
            wrap = ' wrapText="1"' if style.wrap else ""
            top = ' vertical="top"' if style.top else ""
            align = f"<alignment{wrap}{top}/>"
        applied = (
            (' applyFont="1"' if font else "")
            + (' applyFill="1"' if fill else "")
            + (' applyAlignment="1"' if align else "")
        )
        formats.append(
            f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{applied}>'
            f"{align}</xf>"
            if align
            else f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
            f"{applied}/>"
        )
    # The default font in full; the others name only what they change, as openpyxl's
    # Font(bold=True) does (Excel takes the rest from the default).
    font_xml = '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' + "".join(
        "<font>" + ("<b/>" if bold else "") + (f'<sz val="{size}"/>' if size else "") + "</font>"
        for bold, size in list(fonts)[1:]
    )
    fill_xml = '<fill><patternFill patternType="none"/></fill>'
    fill_xml += '<fill><patternFill patternType="gray125"/></fill>'
    fill_xml += "".join(
        f'<fill><patternFill patternType="solid"><fgColor rgb="{_argb(colour)}"/>'
        f'<bgColor indexed="64"/></patternFill></fill>'
        for colour in fills
        if colour is not None
    )
    return (
        f'{_XML}<styleSheet xmlns="{_MAIN}">'
        f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
        f'<fills count="{len(fills) + 1}">{fill_xml}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(formats)}">{"".join(formats)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _shared_strings(strings: dict[str, int]) -> str:
    items: Iterable[str] = (
        f'<si><t xml:space="preserve">{_text(text)}</t></si>' for text in strings
    )
    return (
        f'{_XML}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        f"{''.join(items)}</sst>"
    )
