"""Small helpers every app's pages share: a download of a workbook, the query of a pager, and
text a spreadsheet will not run as a formula."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A workbook as a download named ``filename`` (any characters: RFC 6266 encodes them)."""
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def query_without_page(request: HttpRequest) -> str:
    """The page's filters as a query string, for the pager's links to add ``page=`` to."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# A cell beginning with one of these runs as a formula in Excel or WPS (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_text_read(value: Any) -> Any:
    """Take off the apostrophe ``spreadsheet_text`` put in front (re-importing an export)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class FormulaSafeExport:
    """For django-import-export resources (the admin's exports): every exported text is
    passed through ``spreadsheet_text``."""

    def export_field(self, field, instance, **kwargs):
        return spreadsheet_text(super().export_field(field, instance, **kwargs))
