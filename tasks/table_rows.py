"""A task table's rows (tasks/_task_table.html, drawn by ``{% task_rows %}``) read as plain
column values instead of model instances: the second step of a page
(``config.pages.two_step_page(..., rows=task_table_rows(today))``).

A 50-row page read as models built some 370 of them (each task with its list, campaign,
category and lead unit by ``select_related``, each supporting unit by a prefetch through its
own queryset), and the table reads a dozen values of each. Here the page is one ``.values()``
query with the same columns (``tasks.selectors.with_list_columns``: light, last report, open
instructions) and the names it shows joined in, and its supporting units one query more, as
the prefetch was: the same queries, the same markup, a fraction of the objects.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import QuerySet

from config.prepared import Slot, Statement, among_slot, prepares
from tasks.models import Task, TaskSupport
from tasks.my_work import awaiting_percent
from tasks.selectors import TaskFilters, with_list_columns

# What the table reads of a task (and of its list, campaign, category and lead unit).
VALUES = (
    "id",
    "task_list_id",
    "category_id",
    "code",
    "title",
    "lead_unit_id",
    "deadline",
    "deadline_text",
    "ongoing",
    "status",
    "progress",
    "handed_over_at",
    "acknowledged_at",
    "light_value",
    "last_report_at",
    "open_instructions",
    "task_list__name",
    "task_list__campaign_id",
    "task_list__campaign__name",
    "task_list__campaign__acknowledge_within_hours",
    "category__name",
    "lead_unit__name",
)


class Named:
    """A list, campaign, category or unit as the table names it: its ``name`` (``str``),
    with the few other values it reads (a list's ``campaign``, a campaign's hours to
    acknowledge within)."""

    __slots__ = ("pk", "name", "campaign", "acknowledge_within_hours")

    def __init__(self, pk, name, campaign=None, acknowledge_within_hours=None):
        self.pk, self.name = pk, name
        self.campaign, self.acknowledge_within_hours = campaign, acknowledge_within_hours

    def __str__(self) -> str:
        return self.name


class TaskRow:
    """What a task table reads of a task, under the same names as ``Task``'s; the flag of its
    acknowledgement is ``Task``'s own rule (``Task.acknowledgement_state``), not a copy."""

    Status = Task.Status
    awaiting_acknowledgement = Task.awaiting_acknowledgement
    acknowledgement_state = Task.acknowledgement_state
    get_status_display = Task.get_status_display

    def __init__(self, values: dict, lists: dict, names: dict, supports: list[str]):
        self.__dict__.update(values)
        self.pk = values["id"]
        self.task_list = lists[values["task_list_id"]]
        self.category = names.get(("category", values["category_id"]))
        self.lead_unit = names[("unit", values["lead_unit_id"])]
        self.support_names = supports


def _named(kind: str, pk, name, cache: dict):
    key = (kind, pk)
    if pk is not None and key not in cache:
        cache[key] = Named(pk, name)
    return cache.get(key)


def _lists(values: dict, lists: dict, names: dict) -> None:
    """The row's list and campaign, one object each however many rows share them."""
    if values["task_list_id"] in lists:
        return
    campaign = names.setdefault(
        ("campaign", values["task_list__campaign_id"]),
        Named(
            values["task_list__campaign_id"],
            values["task_list__campaign__name"],
            acknowledge_within_hours=values["task_list__campaign__acknowledge_within_hours"],
        ),
    )
    lists[values["task_list_id"]] = Named(
        values["task_list_id"], values["task_list__name"], campaign=campaign
    )


def support_names(ids: Iterable[int]) -> dict[int, list[str]]:
    """The supporting units' names of each task, in the order they were added."""
    names: dict[int, list[str]] = defaultdict(list)
    found: Iterable[tuple]
    if prepares():
        found = _supports_statement().rows({"ids": list(ids)})
    else:
        found = _supports(TaskSupport.objects.filter(task_id__in=ids))
    for task_id, name in found:
        names[task_id].append(name)
    return names


def _supports(qs: QuerySet[TaskSupport]) -> QuerySet:
    return qs.order_by("id").values_list("task_id", "unit__name")


@functools.lru_cache(maxsize=1)
def _supports_statement() -> Statement:
    """``support_names``' query compiled once per process (``config.prepared``)."""
    return Statement.of(_supports(TaskSupport.objects.filter(among_slot("task_id", Slot("ids")))))


def filtered_columns(qs: QuerySet[Task], filters: TaskFilters, today: datetime.date):
    """``qs`` with the list pages' columns (``with_list_columns``) only where ``filters`` ask
    about one (the light, open instructions): a page's keys are then chosen without building
    the others, which the rows (``task_table_rows``) read. The same tasks, the same order."""
    if filters.light or filters.open_instructions:
        return with_list_columns(qs, today=today)
    return qs


@functools.lru_cache(maxsize=8)
def _table_values(today: datetime.date, awaiting: bool) -> QuerySet:
    """The rows' query before whose rows: built once a day per process and cloned for each
    page (as ``tasks.selectors.table_of_mine`` is), not its subqueries built again for
    each. Never evaluated itself."""
    query = (
        with_list_columns(Task.objects.all(), today=today)
        .select_related(None)
        .prefetch_related(None)
        .order_by()
    )
    if awaiting:
        return query.annotate(awaiting_percent=awaiting_percent()).values(
            *VALUES, "awaiting_percent"
        )
    return query.values(*VALUES)


@functools.lru_cache(maxsize=8)
def _rows_statement(today: datetime.date, awaiting: bool) -> Statement:
    """The rows' query of a list of keys compiled once a day per process
    (``config.prepared``): each page runs its SQL with its keys, not the ORM's compiling of
    the light's, last report's and open instructions' subqueries again (about 1 ms)."""
    return Statement.of(_table_values(today, awaiting).filter(among_slot("pk", Slot("ids"))))


def table_values(today: datetime.date, ids: list[int], *, awaiting: bool = False) -> list[dict]:
    """The table's values of the tasks ``ids`` (in no order)."""
    if prepares():
        return _rows_statement(today, awaiting).dicts({"ids": ids})
    return list(_table_values(today, awaiting).filter(pk__in=ids))


def task_table_rows(
    today: datetime.date, *, awaiting: bool = False
) -> Callable[[list[int]], dict[int, TaskRow]]:
    """The rows of the tasks ``ids`` (a page's keys) as ``{% task_rows %}`` draws them: two
    queries, whatever the number of rows. ``awaiting``: with the percent of the lead unit's
    report that waits for the head's confirmation (我的任务's progress cell)."""

    def rows(ids: list[int]) -> dict[int, TaskRow]:
        if not ids:
            return {}
        lists: dict = {}
        names: dict = {}
        found = table_values(today, ids, awaiting=awaiting)
        supports = support_names(ids)
        result = {}
        for values in found:
            _lists(values, lists, names)
            _named("category", values["category_id"], values["category__name"], names)
            _named("unit", values["lead_unit_id"], values["lead_unit__name"], names)
            result[values["id"]] = TaskRow(values, lists, names, supports.get(values["id"], []))
        return result

    return rows
