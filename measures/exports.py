"""The register as .xlsx (cells a spreadsheet would run as formulas are escaped)."""

import io

from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from campaigns.exporting import escape_cell


def register_bytes(campaign, applications) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Measures register")[:31]
    sheet.append(
        [
            _("Month"),
            _("Measure"),
            _("Kind"),
            _("Unit"),
            _("Person"),
            _("Grounds"),
            _("Tasks"),
            _("Status"),
            _("Origin"),
            _("Decided by"),
            _("Decided at"),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for a in applications:
        row = [
            f"{a.month:%Y-%m}" if a.month else "",
            a.measure.line.title,
            a.measure.get_kind_display(),
            a.unit.name,
            str(a.person) if a.person else "",
            a.grounds,
            "、".join(t.code for t in a.tasks.all()),
            a.get_status_display(),
            a.get_origin_display(),
            str(a.decided_by) if a.decided_by else "",
            localtime(a.decided_at).strftime("%Y-%m-%d %H:%M") if a.decided_at else "",
        ]
        sheet.append([escape_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
