"""The auditor's download of the trail, as .xlsx (texts escaped: no cell runs as a formula)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from audit.models import AuditEvent
from config.pages import spreadsheet_text

# An export is a filtered view, not a backup: the database is the record.
MAX_ROWS = 100_000


def audit_workbook_bytes(events) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail"))
    sheet.append(
        [
            _("No."),
            _("At"),
            _("Kind"),
            _("Outcome"),
            _("Who"),
            _("Name"),
            _("Address"),
            _("Method"),
            _("Path"),
            _("What"),
            _("Detail"),
            _("Hash"),
        ]
    )
    kinds, outcomes = dict(AuditEvent.Kind.choices), dict(AuditEvent.Outcome.choices)
    for event in events[:MAX_ROWS]:
        sheet.append(
            [
                event.pk,
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                str(kinds.get(event.kind, event.kind)),
                str(outcomes.get(event.outcome, event.outcome)),
                spreadsheet_text(event.username),
                spreadsheet_text(str(event.actor) if event.actor else ""),
                event.ip or "",
                event.method,
                spreadsheet_text(event.path),
                spreadsheet_text(event.target),
                spreadsheet_text(str(event.detail) if event.detail else ""),
                event.hash,
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
