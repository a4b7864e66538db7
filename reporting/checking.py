"""Each row of a filled-in sheet against the database: what it becomes (a new report, a
correction of the round's report, nothing) and every error by row and column.

The rules are those of a single report: each row's values go through the task page's own
``ReportForm`` (text required, percent a whole number 0–100, target values numbers), who may
report is ``tasks.permissions`` (lead unit only here, task in progress), and the version check
is the report service's (a task changed since the sheet was made is refused, as a page opened
before someone else's change is). Confirming runs the report service itself on every row, so
whatever changed between preview and confirm is still refused there. Five queries for any
number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.models import User
from config.prepared import PreparedModels, among
from reporting.selectors import current_rounds
from reporting.sheet_rows import report_values
from reporting.workbook import FILLED, KEY, SheetRow, target_headers
from tasks import permissions
from tasks.forms import SheetReportForm
from tasks.models import ProgressReport, Target, Task

CREATE, EDIT, UNCHANGED, EMPTY, ERROR = "create", "edit", "unchanged", "empty", "error"
# The columns a report's fields are filled in (for errors of the form and of the service).
FIELD_COLUMNS = dict(FILLED)


@dataclass
class Context:
    """What the rows are checked against, read in a fixed number of queries."""

    by: User
    tasks: dict[int, Task] = field(default_factory=dict)
    targets: dict[int, dict[int, Target]] = field(default_factory=dict)
    rounds: dict[int, Any] = field(default_factory=dict)  # campaign id → current round
    # Task id → the lead unit's latest report on it (any round, any unit member).
    latest: dict[int, ProgressReport] = field(default_factory=dict)
    # Report id → its target values (target id as text → value).
    given: dict[int, dict[str, Decimal]] = field(default_factory=dict)


# What the check reads of a task, its list and campaign (who may report, the key's version,
# the round): not the rest of the three rows (texts, JSON), read and decoded for 300 rows.
CHECKED_COLUMNS = (
    *("code", "title", "progress", "status", "version", "lead_unit_id", "task_list_id"),
    *("task_list__kind", "task_list__campaign_id", "task_list__campaign__status"),
)


def _tasks(values):
    latest = (
        ProgressReport.objects.filter(task=OuterRef("pk"), unit_id=OuterRef("lead_unit_id"))
        .order_by("-submitted_at", "-id")
        .values("pk")[:1]
    )
    return (
        Task.objects.filter(among("pk", values["ids"]))
        .select_related("task_list__campaign")
        .only(*CHECKED_COLUMNS)
        .annotate(latest_report_id=Subquery(latest))
    )


def _rounds(values):
    return (
        current_rounds(now=values["now"])
        .filter(among("campaign_id", values["campaigns"]))
        .order_by("-week_start")
    )


# Compiled once per process (``config.prepared``): building and compiling these cost more
# CPU than the rest of a check, on every upload and again on its confirm.
TASKS = PreparedModels(_tasks, maxsize=1)
TARGETS = PreparedModels(lambda values: Target.objects.filter(among("task_id", values["ids"])), 1)
ROUNDS = PreparedModels(_rounds, maxsize=1)
REPORTS = PreparedModels(
    lambda values: ProgressReport.objects.filter(among("pk", values["ids"])), 1
)


def load(*, rows: list[SheetRow], by: User, now: datetime.datetime) -> Context:
    """The tasks, targets, rounds and latest reports (with their target values) of the rows
    that say something: a row left empty is not checked (a unit's sheet lists every task it
    owes, 300 for a busy one, of which a person fills a few)."""
    ids = sorted({row.key.task_id for row in rows if row.key and not row.empty})
    context = Context(by=by)
    latest_ids: dict[int, int] = {}
    for task in TASKS.objects(ids=ids):
        context.tasks[task.pk] = task
        if task.latest_report_id:
            latest_ids[task.pk] = task.latest_report_id
    for target in TARGETS.objects(ids=ids):
        context.targets.setdefault(target.task_id, {})[target.pk] = target
    campaigns = sorted({task.task_list.campaign_id for task in context.tasks.values()})
    for round_ in ROUNDS.objects(now=now, campaigns=campaigns):
        context.rounds.setdefault(round_.campaign_id, round_)
    report_ids = sorted(set(latest_ids.values()))
    reports = {report.pk: report for report in REPORTS.objects(ids=report_ids)}
    for report in reports.values():
        report.task = context.tasks[report.task_id]  # the same task: not read twice
        context.given[report.pk] = {}
    if report_ids:
        for report_id, target_id, value in report_values.rows(ids=report_ids):
            context.given[report_id][str(target_id)] = value
    context.latest = {task_id: reports[pk] for task_id, pk in latest_ids.items()}
    return context


def rows_that_say_something(upload) -> list[dict]:
    """The checked rows of an upload that write something or are refused: not those
    unchanged or left empty (the upload's page lists those only when asked)."""
    return [row for row in upload.rows if row.get("action") not in (UNCHANGED, EMPTY)]


def check_rows(*, rows: list[SheetRow], by: User, now: datetime.datetime) -> list[dict]:
    """Every row as it would be written, with its errors (JSON, stored on the upload)."""
    context = load(rows=rows, by=by, now=now)
    seen: dict[int, int] = {}
    checked = []
    for row in rows:
        entry = _entry(row)
        if row.key is None:
            _error(
                entry,
                row,
                KEY,
                _(
                    "This row names no task of the sheet: do not change the hidden column %(key)s or add rows."
                )
                % {"key": f"“{KEY}”"},
            )
        elif row.key.task_id in seen:
            _error(
                entry,
                row,
                "编号",
                _("The same task is on row %(row)d already.") % {"row": seen[row.key.task_id]},
            )
        elif row.empty:
            entry["action"] = EMPTY
        else:
            seen[row.key.task_id] = row.number
            _check(entry, row, context)
        checked.append(entry)
    return checked


def _entry(row: SheetRow) -> dict:
    return {
        "row": row.number,
        "task_id": row.key.task_id if row.key else None,
        "code": row.code,
        "title": row.title,
        "key": row.key.encode() if row.key else "",
        "action": ERROR,
        "errors": [],
    }


def _error(entry: dict, row: SheetRow, column: str, message: Any) -> None:
    entry["action"] = ERROR
    entry["errors"].append(
        {"column": column, "letter": row.letters.get(column, ""), "message": str(message)}
    )


def _check(entry: dict, row: SheetRow, context: Context) -> None:
    assert row.key is not None
    task = context.tasks.get(row.key.task_id)
    by = context.by
    if task is None or not permissions.is_lead_member(by, task):
        _error(
            entry,
            row,
            "编号",
            _(
                "Only the lead unit reports in its sheet: your unit does not lead this task (any more)."
            ),
        )
        return
    entry.update(code=task.code, title=task.title, progress=task.progress)
    if not permissions.can_report(by, task):
        _error(
            entry, row, "编号", _("This task is no longer in progress: it cannot be reported on.")
        )
        return
    values = _form_values(entry, row, task, context)
    if values is None:
        return
    entry.update(values)
    _decide(entry, row, task, context)


def _form_values(entry: dict, row: SheetRow, task: Task, context: Context) -> dict | None:
    """The row through the report form of the task page; None (with the errors) if refused."""
    assert row.key is not None
    known = context.targets.get(task.pk, {})
    slots = {}
    for slot, target_id in enumerate(row.key.target_ids, start=1):
        if target_id not in known:
            _error(
                entry,
                row,
                target_headers(slot)[3],
                _("The task's targets changed after the sheet was downloaded: download it again."),
            )
        elif slot in row.targets:
            slots[target_id] = slot
    if entry["errors"]:
        return None
    data = {**row.values, "version": str(row.key.task_version)}
    data |= {f"target_{target_id}": row.targets[slot] for target_id, slot in slots.items()}
    form = SheetReportForm(data, targets=[known[target_id] for target_id in slots])
    if not form.is_valid():
        for name, messages in form.errors.items():
            column = FIELD_COLUMNS.get(name, KEY)
            if name.startswith("target_"):
                column = target_headers(slots[int(name.removeprefix("target_"))])[3]
            for message in messages:
                _error(entry, row, column, message)
        return None
    clean = form.cleaned_data
    return {
        "text": clean["text"].strip(),
        "percent": clean["percent"],
        "obstacles": clean["obstacles"].strip(),
        "next_steps": clean["next_steps"].strip(),
        "targets": {str(pk): str(value) for pk, value in form.target_values().items()},
        "target_labels": [
            [known[pk].metric, str(value)] for pk, value in form.target_values().items()
        ],
    }


def same_report(entry: dict, report: ProgressReport, given: dict[str, Decimal]) -> bool:
    """The row says exactly what ``report`` says (target values included: ``given``)."""
    return (
        entry["text"] == report.text
        and entry["percent"] == report.percent
        and entry["obstacles"] == report.obstacles
        and entry["next_steps"] == report.next_steps
        and {k: Decimal(v) for k, v in entry["targets"].items()} == given
    )


def _decide(entry: dict, row: SheetRow, task: Task, context: Context) -> None:
    """New report, correction of the round's report, or nothing: and whether the sheet is stale."""
    key = row.key
    assert key is not None
    round_ = context.rounds.get(task.task_list.campaign_id)
    if round_ is None or round_.pk != key.round_id:
        _error(
            entry,
            row,
            "",
            _(
                "This sheet belongs to a dispatch round that has ended: download this week's sheet again."
            ),
        )
        return
    latest = context.latest.get(task.pk)
    in_round = latest if latest is not None and latest.submitted_at >= round_.opens_at else None
    if in_round is not None and same_report(entry, in_round, context.given[in_round.pk]):
        entry.update(action=UNCHANGED, report_id=in_round.pk)
    elif in_round is None and key.report_id is None:
        if task.version != key.task_version:
            _error(
                entry,
                row,
                "",
                _(
                    "The task changed after the sheet was downloaded (someone reported or edited it): download the sheet again."
                ),
            )
        else:
            entry.update(action=CREATE, version=key.task_version)
    elif in_round is None or in_round.pk != key.report_id:
        _error(
            entry,
            row,
            "",
            _(
                "Your unit reported on this task after the sheet was downloaded: download the sheet again to correct that report."
            ),
        )
    elif in_round.locked_at is not None:
        _error(
            entry,
            row,
            "",
            _("The month of this report has been certified; it can no longer be changed."),
        )
    elif in_round.version != key.report_version or not permissions.can_edit_report(
        context.by, in_round
    ):
        _error(
            entry,
            row,
            "",
            _(
                "This week's report changed after the sheet was downloaded: download the sheet again."
            ),
        )
    else:
        entry.update(action=EDIT, report_id=in_round.pk, report_version=key.report_version)
