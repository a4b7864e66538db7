"""The owed tasks as 本周应报送's sheet writes them (``owed_tasks(sheet=True)``), read as plain
values: as models, each of a busy unit's 300 rows was five objects (round item, task, list,
campaign, category) and its last report a sixth, which was most of the download's CPU. The
same queries; the rows give ``reporting.workbook`` the attributes it reads, under the models'
names (tests/reporting/test_bulk.py compares the sheets)."""

from typing import Any, NamedTuple

from config.prepared import among, prepared
from reporting.owed_rows import OwedRow, ReportValues
from tasks.models import ProgressReport, ReportTargetValue, Target

#: What the sheet reads of a task besides the pages' columns.
TASK_COLUMNS = ("task__version",)
#: What it reads of the last report (its version names the row's key).
REPORT_COLUMNS = (
    "task_id",
    "unit_id",
    "version",
    "text",
    "percent",
    "obstacles",
    "next_steps",
    "submitted_at",
    "confirmed_at",
    "locked_at",
)


class SheetTask(OwedRow):
    """``OwedRow`` and the task's version (the row's key)."""

    __slots__ = ("version",)

    def __init__(self, values: dict, lists: dict):
        super().__init__(values, lists)
        self.version = values["task__version"]


class SheetTarget(NamedTuple):
    pk: int
    task_id: int
    metric: str
    unit_of_measure: str
    target_value: Any
    current_value: Any


class GivenValue(NamedTuple):
    target_id: int
    value: Any


class _Given(list):
    """A report's target values, read as ``report.target_values.all()`` reads them."""

    def all(self) -> "_Given":
        return self


class SheetReport(ReportValues):
    """``ReportValues`` with the report's target values."""

    target_values: "_Given"


@prepared(maxsize=1)
def _reports(values):
    return ProgressReport.objects.filter(among("pk", values["ids"])).values("pk", *REPORT_COLUMNS)


@prepared(maxsize=1)
def report_values(values):
    """The target values of the reports ``ids``: (report, target, value), by target (the
    sheet's and the check's, ``reporting.checking``)."""
    return (
        ReportTargetValue.objects.filter(among("report_id", values["ids"]))
        .order_by("target_id")
        .values_list("report_id", "target_id", "value")
    )


@prepared(maxsize=1)
def _targets(values):
    return (
        Target.objects.filter(among("task_id", values["ids"]))
        .order_by("task_id", "order", "id")
        .values_list(*SheetTarget._fields)
    )


# The three statements are compiled once per process (``config.prepared``), each list of keys
# sent as one array: a busy unit's 300 keys were 300 parameters to write into each statement.


def sheet_reports(report_ids: list[int]) -> dict[int, SheetReport]:
    """The last reports with their target values (two queries, as a prefetch made them; the
    second only when there is a report; none for no report, as ``pk__in=[]``)."""
    if not report_ids:
        return {}
    reports = {values["pk"]: SheetReport(values) for values in _reports.rows(ids=report_ids)}
    for report in reports.values():
        report.target_values = _Given()
    if reports:
        for report_id, target_id, value in report_values.rows(ids=list(reports)):
            reports[report_id].target_values.append(GivenValue(target_id, value))
    return reports


def sheet_targets(task_ids: list[int]) -> dict[int, list[SheetTarget]]:
    """Each task's targets in their order (``reporting.selectors._targets``)."""
    by_task: dict[int, list[SheetTarget]] = {}
    for row in _targets.rows(ids=task_ids) if task_ids else ():
        by_task.setdefault(row[1], []).append(SheetTarget._make(row))
    return by_task
