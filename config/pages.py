"""Small helpers every app's pages share: a download of a workbook, the query of a pager, a
view that only takes a form, a form's save through a service, text a spreadsheet will not run
as a formula, and the addresses and labels of tables drawn in Python."""

import html
from collections.abc import Callable
from functools import cached_property, lru_cache, wraps
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page as DjangoPage
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Window
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.base import render_value_in_context
from django.urls import reverse

from config.errors import RuleViolation
from config.prepared import Slots, Statement, prepares

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(filename: str, fallback: str = "download") -> str:
    """A Content-Disposition for a download named ``filename`` in any script: the name as
    ``filename*=UTF-8''…`` (RFC 6266 / 5987, which every current browser reads, so a Chinese
    name arrives as it is), and ``fallback`` (ASCII) for any client that reads only
    ``filename``."""
    ascii_name = filename if filename.isascii() else fallback
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(data: bytes, filename: str, fallback: str = "download.xlsx") -> HttpResponse:
    """A workbook as a download named ``filename`` (any characters: see ``attachment``)."""
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = attachment(filename, fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def query_without_page(request: HttpRequest) -> str:
    """The page's filters as a query string, for the pager's links to add ``page=`` to."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


Page = str | Callable[..., str]


def post_only(page: Page, *, anchor: str = ""):
    """A view that only takes a form. Opened by address (a bookmark, a reload after the
    browser forgot the form, a link pasted into a chat) it does not answer a bare 405: it
    returns to the page the form is on.

    ``page`` is a URL name reversed with the view's own arguments, or a function of the
    request and those arguments that returns the address (and raises 404 where the person
    may not see the object, as the view itself would). ``anchor`` is added to it.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["POST"])
            url = page(request, **kwargs) if callable(page) else reverse(page, kwargs=kwargs)
            return HttpResponseRedirect(url + anchor)

        return wrapped

    return decorator


T = TypeVar("T")


def save_form(
    request: HttpRequest,
    form: BaseForm,
    service: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: str | Callable[[T], str],
) -> HttpResponse | None:
    """A form sent to a service: when ``form`` is valid, ``service()`` (the view's one service
    call, reading ``form.cleaned_data``); then the ``success`` message and a redirect to the
    address ``then``. Each of the two may instead be a function of what ``service`` returned
    (the object it made).

    None where the form is not valid (an unbound form is not) or the service refused it with
    a ``RuleViolation`` (put on the form, beside its field): the view renders its page again,
    the form keeping what was typed, e.g. ``return save_form(...) or page(..., status=400)``.
    """
    if not form.is_valid():
        return None
    try:
        result = service()
    except RuleViolation as refusal:
        refusal.add_to(form)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return HttpResponseRedirect(then(result) if callable(then) else then)


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


def two_step_page(
    queryset: QuerySet | None,
    number: Any,
    per_page: int,
    *,
    keys: Any = None,
    rows: Callable[[list], dict] | None = None,
    counted: bool = False,
) -> DjangoPage:
    """A page of ``queryset`` in two steps: the page's primary keys first (narrow rows: the
    database sorts and skips keys, not whole rows with their joins and subqueries), then the
    rows of those keys with everything they show, put back in the page's order. Same count
    query as a plain Paginator; one query more, but neither reads more than the page.
    ``keys``: the keys in the page's order another way (anything with ``count()`` and
    slicing, e.g. ``cycles.selectors.ReviewKeys``); by default ``queryset``'s.
    ``rows``: the rows of a list of keys another way (keyed by them, in any order; e.g.
    ``tasks.table_rows.task_table_rows``, plain values where the page needs no model); by
    default ``queryset``'s objects of those keys (its filters asked again). ``queryset`` may
    be None when both are given.
    ``counted``: the count read with the page's keys (``CountedKeys``): one query less."""
    if keys is None:
        assert queryset is not None
        keys = (
            CountedKeys(queryset, number, per_page)
            if counted
            else queryset.values_list("pk", flat=True)
        )
    page = Paginator(keys, per_page).get_page(number)
    ids = list(page.object_list)
    if rows is None:
        assert queryset is not None
        found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    else:
        found = rows(ids)
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


def _counted(queryset: QuerySet) -> QuerySet:
    """``queryset``'s keys, each with the count of every row its conditions keep."""
    return queryset.annotate(page_total=Window(Count("pk"))).values_list("pk", "page_total")


def _first_row(number: Any, per_page: int) -> int | None:
    """The first row of the page ``number`` as the Paginator reads it (not an integer: the
    first page); None below the first."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        guess = int(number)
    except (TypeError, ValueError):
        guess = 1
    return (guess - 1) * per_page if guess >= 1 else None


class CountedKeys:
    """A page's keys and the count of every key in one read, for ``Paginator``: the keys of
    the page asked for with ``COUNT(*) OVER ()`` beside them (a window over every row the
    conditions keep, worked out before the ``LIMIT``), where a plain page counts, then reads
    its keys. The Paginator asks the count first, then the page's slice: the page is guessed
    from ``number`` as the Paginator reads it (not an integer: the first) and its slice read
    with the count. Past the last page, below the first (the Paginator shows the last) or on
    a ``DISTINCT`` query, the count and the keys are asked apart, as a plain page does."""

    def __init__(self, queryset: QuerySet, number: Any, per_page: int):
        self.queryset = queryset
        self.keys = queryset.values_list("pk", flat=True)
        self.ordered = self.keys.ordered
        self.per_page = per_page
        self.read: list | None = None
        self.start = None if queryset.query.distinct else _first_row(number, per_page)

    def _window(self, start: int, end: int) -> list[tuple[int, int]]:
        return list(_counted(self.queryset)[start:end])

    def count(self) -> int:
        if self.start is not None:
            found = self._window(self.start, self.start + self.per_page)
            if found:
                self.read = [pk for pk, _ in found]
                return found[0][1]
            if self.start == 0:  # nothing at all
                self.read = []
                return 0
        return self.keys.count()

    def __getitem__(self, index):
        if isinstance(index, slice) and self.read is not None and index.start == self.start:
            return self.read[: index.stop - index.start]
        return self.keys[index]


class PreparedWindow:
    """``CountedKeys``' read compiled once per key and process (``config.prepared``), for a
    page opened thousands of times a morning: ``build(*key, values)`` its queryset (ordered,
    not ``DISTINCT``), its page's keys and count one statement whose parameters are the
    values, the limit and the offset. ``keys(…)``: what ``two_step_page`` takes as ``keys``;
    off PostgreSQL, ``CountedKeys`` of the queryset built with the values."""

    def __init__(self, build: Callable[..., QuerySet], maxsize: int = 64):
        self.build = build
        self.statement = lru_cache(maxsize=maxsize)(self._compile)

    def _compile(self, *key) -> Statement | None:
        queryset = self.build(*key, Slots())
        assert queryset.ordered and not queryset.query.distinct, "an ordered page, no DISTINCT"
        try:
            return Statement.of(_counted(queryset), tail=" LIMIT %s OFFSET %s")
        except EmptyResultSet:  # conditions nothing meets (``pk__in=[]``): no query, no rows
            return None

    def keys(self, key: tuple, values: dict, number: Any, per_page: int) -> CountedKeys:
        if not prepares():
            return CountedKeys(self.build(*key, values), number, per_page)
        return _PreparedKeys(self, key, values, number, per_page)


class _PreparedKeys(CountedKeys):
    """``CountedKeys`` whose page comes from ``PreparedWindow``'s statement; the queryset is
    built with the values only where the plain reads are needed (past the last page)."""

    def __init__(self, window: PreparedWindow, key: tuple, values: dict, number, per_page):
        self.window, self.key, self.values = window, key, values
        self.ordered = True
        self.per_page = per_page
        self.read = None
        self.start = _first_row(number, per_page)

    @cached_property
    def queryset(self) -> QuerySet:  # type: ignore[override]
        return self.window.build(*self.key, self.values)

    @cached_property
    def keys(self) -> QuerySet:  # type: ignore[override]
        return self.queryset.values_list("pk", flat=True)

    def _window(self, start: int, end: int) -> list[tuple[int, int]]:
        statement = self.window.statement(*self.key)
        return statement.rows(self.values, extra=(end - start, start)) if statement else []


#: An id no row has, reversed in an address to find where the id goes.
_ADDRESS_MARK = 918273645546372819


def address_of(viewname: str) -> str:
    """The address of ``viewname`` (one integer argument) with ``{}`` in the argument's
    place: reversed once and formatted for each row of a long page, where a ``reverse`` per
    row was a tenth of the page's CPU."""
    return reverse(viewname, args=[_ADDRESS_MARK]).replace(str(_ADDRESS_MARK), "{}")


def escaped_labels(words: dict[str, str]) -> dict[str, str]:
    """The labels of a table drawn in Python, each escaped as ``{{ label }}`` would print it
    (``html.escape``, without Django's lazy wrapper): key → text."""
    return {key: html.escape(str(value)) for key, value in words.items()}


def rendered(value, context) -> str:
    """``{{ value }}`` in a table drawn in Python: ``render_value_in_context`` in one call for
    what such tables hold most, an int (``localize`` prints it as ``str`` unless the settings
    ask for a thousands separator) or a plain text (escaped, the context autoescaping); any
    other value the template's way. A bulletin or a campaign's page writes thousands."""
    kind = type(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    if kind is str and context.autoescape:
        return html.escape(value)
    return render_value_in_context(value, context)
