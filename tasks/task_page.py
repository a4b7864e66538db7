"""The task page's read: one task with everything its page shows, in a fixed number of
queries (the access check reads it with ``task_detail_queryset``, then ``task_detail_rest``
reads the rare relations it has)."""

from collections.abc import Callable

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import Http404

from accounts.models import User
from config.prepared import PreparedModels, among
from tasks.models import (
    Evidence,
    Followup,
    Instruction,
    Milestone,
    ProgressReport,
    ReportTargetValue,
    Target,
    Task,
    TaskEvent,
    TaskRequest,
    TaskSupport,
)
from tasks.permissions import reader_key, reader_values, visible_q


def task_detail(*, task: Task) -> Task:
    """One task with everything its page shows, in a fixed number of queries at most."""
    return task_detail_rest(task_detail_queryset().get(pk=task.pk))


class VisibleTaskRead:
    """``access_task(user, task_id, queryset=build())``, its query compiled once per process
    and shape of person (their role answers, whether they have a unit; their id, unit and
    the task are its parameters). The same rule (``visible_tasks_q``), the same task; 404
    where the person may not read it."""

    def __init__(self, build: Callable[[], QuerySet[Task]]):
        self.build = build
        self.prepared = PreparedModels(self._read)

    def _read(self, answers: tuple[bool, ...], unit: bool, values) -> QuerySet[Task]:
        # One row by its key: no ORDER BY (as ``access_task``).
        return (
            self.build().filter(visible_q(answers, unit, values), pk=values["task"]).order_by()[:1]
        )

    def __call__(self, user: User, task_id: int) -> Task:
        if not user.is_authenticated or not user.is_active:
            raise Http404
        found = self.prepared.objects(*reader_key(user), **reader_values(user), task=task_id)
        if not found:
            raise Http404
        return found[0]


def access_task_page(user: User, task_id: int, *, all_reports: bool = False) -> Task:
    """``access_task(user, task_id, queryset=task_detail_queryset())`` then
    ``task_detail_rest``, every query compiled once per process (``VisibleTaskRead``,
    ``_read_parts``): building and compiling them was a third of the task page's CPU."""
    task = _PAGE_READ(user, task_id)
    _read_parts(task, all_reports=all_reports)
    return task_detail_rest(task)


def task_detail_queryset() -> QuerySet[Task]:
    """Tasks with everything the task page shows but what ``task_detail_rest`` adds; for
    ``access_task(..., queryset=...)``, which then reads the task once, not twice."""
    return _task_row().prefetch_related(
        Prefetch("supports", queryset=_SUPPORTS),
        Prefetch(
            "reports",
            queryset=_REPORTS.prefetch_related(
                Prefetch("evidence", queryset=_EVIDENCE),
                Prefetch("target_values", queryset=_TARGET_VALUES),
            ),
        ),
    )


def _task_row() -> QuerySet[Task]:
    return (
        Task.objects.select_related(
            "task_list__campaign", "category", "lead_unit", "acknowledged_by"
        )
        .defer(*_not_shown("acknowledged_by"))
        .annotate(
            **{
                f"has_{name}": Exists(model._default_manager.filter(task=OuterRef("pk")))
                for name, model in _RARE_MODELS.items()
            },
            reports_total=_reports_total(),
        )
    )


def _reports_total() -> Subquery:
    """How many reports the task has (counted on their index), for the "show all" link."""
    rows = ProgressReport.objects.filter(task=OuterRef("pk")).order_by().values("task")
    return Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


#: What the task page shows of a person (who acknowledged, reported, acted): the name.
USER_SHOWN = ("id", "username", "first_name", "last_name", "display_name")


def _not_shown(path: str) -> list[str]:
    """The columns of the person at ``path`` the page does not show (their password hash,
    second factor, contact fields ...): not read, nor made into attributes, for each person."""
    return [f"{path}__{f.attname}" for f in User._meta.concrete_fields if f.name not in USER_SHOWN]


# What most tasks have none of (targets, milestones, instructions, requests, follow-ups): the
# task's query says whether each has any (an EXISTS), and only those are read. A prefetch
# query costs the web process more than the EXISTS, even when it finds nothing.
_RARE_MODELS = {
    "targets": Target,
    "milestones": Milestone,
    "instructions": Instruction,
    "requests": TaskRequest,
    "followups": Followup,
}


# What the task page reads of its task's supports and reports (with their evidence and target
# values): ``task_detail_queryset``'s prefetches, and ``access_task_page``'s statements
# compiled once per process; its history when asked (``task_history``).
_SUPPORTS = TaskSupport.objects.select_related("unit")
_REPORTS = (
    ProgressReport.objects.select_related("unit", "submitted_by", "confirmed_by")
    .defer(*_not_shown("submitted_by"), *_not_shown("confirmed_by"))
    .order_by("-submitted_at", "-id")
)
_EVENTS = TaskEvent.objects.select_related("actor").defer(*_not_shown("actor"))
_EVIDENCE = Evidence.objects.order_by("id")
_TARGET_VALUES = ReportTargetValue.objects.select_related("target")


def _rare_lookups() -> dict[str, Prefetch]:
    evidence = Evidence.objects.order_by("id")
    return {
        "targets": Prefetch("targets"),
        "milestones": Prefetch("milestones"),
        "instructions": Prefetch(
            "instructions", queryset=Instruction.objects.select_related("given_by", "answered_by")
        ),
        "requests": Prefetch(
            "requests",
            queryset=TaskRequest.objects.select_related(
                "requested_by", "decided_by", "proposed_unit"
            ).prefetch_related(Prefetch("evidence", queryset=evidence)),
        ),
        "followups": Prefetch("followups", queryset=Followup.objects.select_related("checked_by")),
    }


def task_detail_rest(task: Task) -> Task:
    """Read the rare relations ``task`` has (``task_detail_queryset``'s flags); the others
    are set empty, as a prefetch finding nothing would leave them."""
    lookups = _rare_lookups()
    prefetch_related_objects(
        [task], *[lookups[name] for name in _RARE_MODELS if getattr(task, f"has_{name}")]
    )
    cache = task.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, model in _RARE_MODELS.items():
        if not getattr(task, f"has_{name}"):
            empty = model._default_manager.none()
            empty._result_cache = []  # read: nothing (not even the query Django would build)
            cache[name] = empty
    return task


_PAGE_READ = VisibleTaskRead(_task_row)


def _of_task(queryset: QuerySet) -> PreparedModels:
    return PreparedModels(lambda values: queryset.filter(task_id=values["task"]))


def _of_reports(queryset: QuerySet) -> PreparedModels:
    def build(values) -> QuerySet:
        return queryset.filter(among("report_id", values["reports"]))

    return PreparedModels(build)


# ``task_detail_queryset``'s prefetches: (relation, its link back, its queryset, the read).
# Not the history (``events``): the page loads it when its section is opened (``task_history``).
_TASK_PARTS = [
    (name, "task", queryset, _of_task(queryset))
    for name, queryset in (("supports", _SUPPORTS), ("reports", _REPORTS))
]
_HISTORY = _of_task(_EVENTS)
#: The reports the page shows unless asked for all (``?reports=all``): the newest, as a task
#: reported on weekly for a year has fifty, drawn whole with every view of its page.
REPORTS_SHOWN = 10
_NEWEST_REPORTS = PreparedModels(
    lambda values: _REPORTS.filter(task_id=values["task"])[: REPORTS_SHOWN + 1]
)


def _rows_of(task: Task, name: str, read: PreparedModels, *, all_reports: bool) -> list:
    """The rows of ``task``'s relation ``name``; of its reports, the newest ``REPORTS_SHOWN``
    unless ``all_reports`` (``task.reports_more``: there are more)."""
    if name != "reports" or all_reports:
        return read.objects(task=task.pk)
    rows = _NEWEST_REPORTS.objects(task=task.pk)
    task.__dict__["reports_more"] = len(rows) > REPORTS_SHOWN
    return rows[:REPORTS_SHOWN]


def task_history(task: Task) -> list[TaskEvent]:
    """The task's history (its events, with their actors), for its page's history section:
    read when asked for, not with every view of the page (a task reported on weekly for a
    year has a hundred events, which were most of its page's CPU)."""
    return _HISTORY.objects(task=task.pk)


_REPORT_PARTS = [
    (name, "report", queryset, _of_reports(queryset))
    for name, queryset in (("evidence", _EVIDENCE), ("target_values", _TARGET_VALUES))
]


def series_reports(task: Task) -> list[ProgressReport] | None:
    """Every confirmed report of the lead unit with its target values, for the targets'
    series, where the page holds only the newest reports of a task with targets (two
    queries then); None where the reports it holds are all."""
    if not getattr(task, "reports_more", False) or not task.targets.all():
        return None
    return list(
        ProgressReport.objects.filter(
            task=task, unit_id=task.lead_unit_id, confirmed_at__isnull=False
        )
        .only("task_id", "unit_id", "submitted_at", "confirmed_at")
        .prefetch_related("target_values")
    )


def _read_parts(task: Task, *, all_reports: bool) -> None:
    """What ``task_detail_queryset``'s prefetches read, left as ``prefetch_related`` leaves
    it (each relation's manager holding its rows, each row linked back), in the same
    queries, compiled once per process; the newest ``REPORTS_SHOWN`` reports unless
    ``all_reports`` (``task.reports_more``: there are more)."""
    for name, link, queryset, read in _TASK_PARTS:
        _attach(task, name, link, queryset, _rows_of(task, name, read, all_reports=all_reports))
    reports = list(task.reports.all())
    if not reports:
        return
    for part, back, of_report, read_part in _REPORT_PARTS:
        by_report: dict[int, list] = {report.pk: [] for report in reports}
        for row in read_part.objects(reports=list(by_report)):
            by_report[row.report_id].append(row)
        for report in reports:
            _attach(report, part, back, of_report, by_report[report.pk])


def _attach(obj, name: str, link: str, queryset: QuerySet, rows: list) -> None:
    """As ``django.db.models.query.prefetch_one_level`` leaves ``obj``'s relation ``name``
    read with ``queryset`` (a leaf lookup): the rows linked back to ``obj``, the manager's
    queryset holding them."""
    for row in rows:
        setattr(row, link, obj)
    # A clone: Django's manager writes its hints and a flag into the queryset it is given,
    # and this one is the module's, shared by every thread of the process.
    held = getattr(obj, name)._apply_rel_filters(queryset.all())
    held._result_cache = rows
    held._prefetch_done = True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[name] = held
