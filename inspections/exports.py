"""A round's matrix as .xlsx. Cells a spreadsheet would run as formulas are escaped."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns.exporting import escape_cell
from inspections.models import Value
from inspections.selectors import Matrix


def _sheet(workbook: Workbook, title: str, header: list, rows) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append([escape_cell(value) for value in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([escape_cell(value) for value in row])


def matrix_workbook(matrix: Matrix) -> bytes:
    labels = dict(Value.choices)
    workbook = Workbook()
    workbook.remove(workbook.active)
    units = [figures.unit.name for figures in matrix.units]
    _sheet(
        workbook,
        _("Answers"),
        [_("Number"), _("Question"), *units, _("No"), _("No, verified"), _("No before")],
        [
            [
                row.question.code,
                row.question.title,
                *[
                    (str(labels[cell.value]) + ("✓" if cell.verified else ""))
                    if cell and cell.value
                    else ("" if cell else "—")
                    for cell in row.cells
                ],
                row.no,
                row.no_verified,
                row.previous_no,
            ]
            for row in matrix.rows
        ],
    )
    _sheet(
        workbook,
        _("Units"),
        [
            _("Unit"),
            _("Questions"),
            _("Answered"),
            _("Yes"),
            _("No"),
            _("Not applicable"),
            _("Verified"),
            _("Overturned"),
            _("Yes rate %"),
            _("Yes rate before %"),
        ],
        [
            [
                f.unit.name or _("All units"),
                f.asked,
                f.answered,
                f.yes,
                f.no,
                f.na,
                f.verified,
                f.overturned,
                f.yes_rate,
                f.previous_rate,
            ]
            for f in [*matrix.units, matrix.totals]
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
