"""Reading what the clients need out of the pages: links, and the hidden fields of a form
(the csrf token and the one-time form token every POST form carries, the task's version)."""

from __future__ import annotations

import html
import io
import re

HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTRIBUTE = re.compile(r"(name|value)=\"([^\"]*)\"")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r"action=\"([^\"]*)\"")


def links(page: str, pattern: str) -> list[str]:
    """Every distinct match of ``pattern`` (a regex with one group) in the page, in order."""
    seen: dict[str, None] = {}
    for match in re.finditer(pattern, page):
        seen.setdefault(match.group(1), None)
    return list(seen)


def form_fields(page: str, action: str) -> dict[str, str] | None:
    """The hidden fields of the first form posting to ``action`` ("": to the page itself;
    None: no such form)."""
    for match in FORM.finditer(page):
        target = ACTION.search(match.group(1))
        if html.unescape(target.group(1) if target else "") != action:
            continue
        fields = {}
        for tag in HIDDEN.findall(match.group(2)):
            attributes = dict(ATTRIBUTE.findall(tag))
            if "name" in attributes:
                fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
        return fields
    return None


def split(users: int) -> tuple[int, int, int]:
    """How many of ``users`` are unit staff, coordinators and leaders: 80 %, 15 %, 5 %."""
    staff = max(1, round(users * 0.80))
    coordinators = max(1, round(users * 0.15))
    return staff, coordinators, max(1, users - staff - coordinators)


def account_of(staff_number: int, accounts: int) -> str:
    """The prepared account the ``staff_number``-th staff user reports with."""
    return f"load{staff_number % accounts:02d}"


# The smallest file a report's evidence may be: a one-page PDF of a few hundred bytes.
EVIDENCE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# reporting/workbook.py's layout (the client does not load Django): title, what to do, header.
HEADER_ROW = 3
KEY = "填报编码"
TASK_IN_KEY = re.compile(r"^t(\d+)v")


def fill_owed(data: bytes, marker: str, rows: int, keep=lambda task_id: True):
    """The downloaded 本周应报送 sheet with its first ``rows`` rows not reported yet whose task
    ``keep`` accepts reported, each report's text carrying ``marker-N``; the markers written."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    names = {cell.value: cell.column for cell in sheet[HEADER_ROW] if isinstance(cell.value, str)}
    written: list[str] = []
    for number in range(HEADER_ROW + 1, sheet.max_row + 1):
        if len(written) >= rows:
            break
        key = TASK_IN_KEY.match(str(sheet.cell(row=number, column=names[KEY]).value or ""))
        if key is None or not keep(int(key.group(1))):
            continue
        if sheet.cell(row=number, column=names["本周进展"]).value:
            # Reported this round already (by this person's report form or an earlier
            # sheet): filling it again would edit that report, replacing the text whose
            # marker the checks look for. A person fills the rows still empty.
            continue
        text = f"{marker}-{len(written)}"
        sheet.cell(row=number, column=names["本周进展"]).value = f"本周推进顺利（{text}）"
        current = sheet.cell(row=number, column=names["当前进度（%）"]).value or 0
        sheet.cell(row=number, column=names["进度（%）"]).value = min(100, int(current) + 5)
        written.append(text)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), written
