"""Small helpers every app's pages share: a download of a workbook, the query of a pager."""

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
