"""The simulated person filling the downloaded 本周应报送 sheet, as a few edits of its XML.

A real person fills the sheet in Excel on their own computer; the load generator shares the
two cores with the server it measures, and filling it with openpyxl (the whole workbook read
into cell objects and written again) cost it about 25 ms of CPU a sheet, nine tenths of
Locust's own CPU in a run. Here only the cells written change: the sheet's XML and its shared
strings are edited as text and every other part of the file is copied as it is. The result is
an ordinary workbook (the strings shared, each cell keeping its style), read by openpyxl and
by the server's reader alike (tests/test_load_benchmark.py on small sheets,
tests/reporting/test_bulk.py on the samples' sheet as the server writes it)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable

# reporting/workbook.py's layout (the client does not load Django): title, what to do, header.
HEADER_ROW = 3
KEY = "填报编码"
TEXT = "本周进展"
PERCENT = "进度（%）"
CURRENT = "当前进度（%）"
TASK_IN_KEY = re.compile(r"^t(\d+)v")

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', re.S)
CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
STYLE = re.compile(r'\ss="(\d+)"')
VALUE = re.compile(r"<v>(.*?)</v>", re.S)
ITEM = re.compile(r"<si>(.*?)</si>", re.S)
PIECE = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
COUNTS = re.compile(r'\s(count|uniqueCount)="(\d+)"')


def fill_owed(
    data: bytes, marker: str, rows: int, keep: Callable[[int], bool] = lambda task_id: True
) -> tuple[bytes, list[str]]:
    """The downloaded sheet with its first ``rows`` rows not reported yet whose task ``keep``
    accepts reported, each report's text carrying ``marker-N``; the markers written."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        infos = book.infolist()
        parts = {info.filename: book.read(info) for info in infos}
    # Our sheet shares its strings, as Excel does; openpyxl's own workbooks write them inline.
    shared = parts[STRINGS].decode() if STRINGS in parts else None
    strings = [html.unescape("".join(PIECE.findall(item))) for item in ITEM.findall(shared or "")]
    sheet = parts[SHEET].decode()
    edits: dict[int, str] = {}  # row number → its new XML
    added: list[str] = []
    written: list[str] = []
    names: dict[str, str] = {}
    for match in ROW.finditer(sheet):
        if len(written) >= rows:
            break  # the rows after are copied as they are
        number = int(match.group(1))
        if number < HEADER_ROW:
            continue
        cells = _cells(match.group(2) or "", strings)
        if number == HEADER_ROW:
            names = {value: letter for letter, (_xml, value) in cells.items() if value}
            continue
        key = TASK_IN_KEY.match(cells.get(names[KEY], ("", ""))[1])
        if key is None or not keep(int(key.group(1))):
            continue
        if cells.get(names[TEXT], ("", ""))[1]:
            # Reported this round already (by this person's report form or an earlier
            # sheet): filling it again would edit that report, replacing the text whose
            # marker the checks look for. A person fills the rows still empty.
            continue
        text = f"{marker}-{len(written)}"
        added.append(f"本周推进顺利（{text}）")
        current = float(cells.get(names[CURRENT], ("", ""))[1] or 0)
        inline = f'<is><t xml:space="preserve">{html.escape(added[-1])}</t></is>'
        values = {
            names[TEXT]: f't="s"><v>{len(strings) + len(added) - 1}</v></c>'
            if shared is not None
            else f't="inlineStr">{inline}</c>',
            names[PERCENT]: f"><v>{min(100, int(current) + 5)}</v></c>",
        }
        edits[number] = _row_with(match.group(0), number, cells, values)
        written.append(text)
    parts[SHEET] = ROW.sub(lambda m: edits.get(int(m.group(1)), m.group(0)), sheet).encode()
    if shared is not None:
        parts[STRINGS] = _strings_with(shared, added).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in infos:
            out.writestr(info.filename, parts[info.filename])
    return buffer.getvalue(), written


def _cells(xml: str, strings: list[str]) -> dict[str, tuple[str, str]]:
    """Column letter → (the cell's XML, its value as text) of one row."""
    cells = {}
    for match in CELL.finditer(xml):
        attributes, inner = match.group(3), match.group(4) or ""
        value = VALUE.search(inner)
        if 't="s"' in attributes and value:
            text = strings[int(value.group(1))]
        elif 't="inlineStr"' in attributes:
            text = html.unescape("".join(PIECE.findall(inner)))
        else:
            text = html.unescape(value.group(1)) if value else ""
        cells[match.group(1)] = (match.group(0), text)
    return cells


def _row_with(row: str, number: int, cells: dict[str, tuple[str, str]], values: dict) -> str:
    """``row``'s XML with the cells of ``values`` (letter → what follows the cell's attributes)
    written, each keeping its style; the cells stay in column order."""
    mine = {letter: xml for letter, (xml, _text) in cells.items()}
    for letter, rest in values.items():
        style = STYLE.search(mine.get(letter, ""))
        s = f' s="{style.group(1)}"' if style else ""
        mine[letter] = f'<c r="{letter}{number}"{s} {rest}'
    ordered = "".join(mine[letter] for letter in sorted(mine, key=lambda a: (len(a), a)))
    opening = re.match(r"<row\b[^>]*?(?=/?>)", row)
    assert opening is not None
    return f"{opening.group(0)}>{ordered}</row>"


def _strings_with(shared: str, added: list[str]) -> str:
    """The shared strings with ``added`` at their end (each used once: both counts grow)."""
    items = "".join(f'<si><t xml:space="preserve">{html.escape(text)}</t></si>' for text in added)
    shared = COUNTS.sub(lambda m: f' {m.group(1)}="{int(m.group(2)) + len(added)}"', shared, 2)
    if shared.rstrip().endswith("/>"):  # an empty table: <sst .../>
        return shared.rstrip()[:-2] + f">{items}</sst>"
    return shared.replace("</sst>", f"{items}</sst>")
