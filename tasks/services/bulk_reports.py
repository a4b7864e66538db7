"""Many new reports by one person at once (一表填报): the rules of ``report_submit`` for each,
written with a fixed number of queries whatever their number.

``report_submit`` writes one report in about five statements (the report, its target values,
its history, the task's new progress and that history); 500 of them cost 2,700 round trips.
Here each report is checked by the same rule (``report_check``) first, then all are written
in bulk: the reports, their target values, the targets' new values, the tasks' new progress
and versions, and every history row, in one statement each (SQLite splits a long insert in
batches of its own).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Value, When

from accounts.models import User
from config.errors import RuleViolation
from tasks import hooks, permissions
from tasks.models import ProgressReport, ReportTargetValue, Target, Task, TaskEvent
from tasks.services._common import require
from tasks.services.core import _check_deadline, history_now, snapshot
from tasks.services.reports import _week_start, report_check, report_created_data
from webhooks.events import REPORT_CREATED, webhook_batch, webhook_emit


@dataclass
class NewReport:
    """One report to write: ``task`` was read under a row lock in the caller's transaction
    (with its list and campaign)."""

    task: Task
    text: str
    percent: int
    obstacles: str = ""
    next_steps: str = ""
    target_values: dict[int, Decimal] = field(default_factory=dict)
    expected_version: int | None = None


class ReportRefused(Exception):
    """The report at ``index`` of the batch was refused (``refusal``: the RuleViolation of
    ``report_check``, or PermissionDenied): nothing was written."""

    def __init__(self, index: int, refusal: RuleViolation | PermissionDenied):
        super().__init__(str(refusal))
        self.index = index
        self.refusal = refusal


def reports_submit_held(*, by: User, items: list[NewReport]) -> list[ProgressReport]:
    """Write a report for each item, as ``report_submit(held=True, notify_heads=False)`` would
    one by one: the same checks, the same rows and history, but one statement per table. The
    first refusal raises ``ReportRefused`` before anything is written;
    the caller's transaction holds the tasks' locks. Telling the unit heads is the caller's."""
    if not items:
        return []
    target_ids: dict[int, set[int]] = {}
    for task_id, pk in Target.objects.filter(
        task_id__in=[item.task.pk for item in items]
    ).values_list("task_id", "pk"):
        target_ids.setdefault(task_id, set()).add(pk)
    for index, item in enumerate(items):
        try:
            require(permissions.can_report(by, item.task))
            report_check(
                by=by,
                task=item.task,
                text=item.text,
                percent=item.percent,
                expected_version=item.expected_version,
                values=item.target_values,
                target_ids=target_ids.get(item.task.pk, set()),
            )
        except (RuleViolation, PermissionDenied) as refusal:
            raise ReportRefused(index, refusal) from refusal
    at = history_now()
    reports = _reports(by, items, at)
    hooks.reports_written(reports)
    _apply_all(by, items, reports, at)
    with webhook_batch():  # the subscriptions read once for the whole sheet
        for item, report in zip(items, reports, strict=True):
            webhook_emit(event=REPORT_CREATED, data=report_created_data(report, item.task, by))
    return reports


def _reports(by: User, items: list[NewReport], at) -> list[ProgressReport]:
    assert by.unit_id is not None, "can_report lets only members of a unit report"
    confirmed = [not permissions.report_needs_confirmation(by, item.task) for item in items]
    reports = ProgressReport.objects.bulk_create(
        [
            ProgressReport(
                task=item.task,
                unit_id=by.unit_id,
                period_start=_week_start(at),
                text=item.text.strip(),
                percent=item.percent,
                obstacles=item.obstacles.strip(),
                next_steps=item.next_steps.strip(),
                submitted_by=by,
                submitted_at=at,
                confirmed_by=by if ok else None,
                confirmed_at=at if ok else None,
            )
            for item, ok in zip(items, confirmed, strict=True)
        ]
    )
    ReportTargetValue.objects.bulk_create(
        [
            ReportTargetValue(report=report, target_id=pk, value=value)
            for item, report in zip(items, reports, strict=True)
            for pk, value in item.target_values.items()
        ]
    )
    return reports


def _apply_all(by: User, items: list[NewReport], reports: list[ProgressReport], at) -> None:
    """The history of each report and, for a confirmed lead-unit report on an open task, its
    targets' values and the task's progress (``_apply`` and ``task_update``, for all)."""
    events: list[TaskEvent] = []
    targets: list[Target] = []
    moved: list[Task] = []
    for item, report in zip(items, reports, strict=True):
        task, confirmed = item.task, report.confirmed_at is not None
        events.append(_submitted_event(task, by, report, item, at))
        is_lead = report.unit_id == task.lead_unit_id
        if not (confirmed and is_lead and task.status in permissions.OPEN_FOR_WORK):
            continue
        targets += [Target(pk=pk, current_value=v) for pk, v in item.target_values.items()]
        if report.percent == task.progress:
            continue
        before = snapshot(task, ["progress"])
        task.progress = report.percent
        _check_deadline(deadline=task.deadline, ongoing=task.ongoing)
        task.version += 1  # exact: the rows are locked until the transaction ends
        task.updated_at = at
        moved.append(task)
        events.append(
            TaskEvent(
                task=task,
                actor=by,
                kind=TaskEvent.Kind.UPDATED,
                before=before,
                after=snapshot(task, ["progress"]),
                at=at,
            )
        )
    _set_by_value(Target, "current_value", {t.pk: t.current_value for t in targets})
    _set_by_value(
        Task,
        "progress",
        {t.pk: t.progress for t in moved},
        version=F("version") + 1,  # as each copy says: the rows are locked
        updated_at=at,
    )
    TaskEvent.objects.bulk_create(events)


def _set_by_value(model, name: str, values: dict, **same) -> None:
    """One UPDATE giving each row its value of ``name`` (and ``same`` to all): rows grouped by
    value, ``CASE WHEN pk IN (…) THEN value …``. Cheaper to build than ``bulk_update``'s one
    WHEN per row, as reports repeat few values (percentages, target values)."""
    if not values:
        return
    by_value: dict = {}
    for pk, value in values.items():
        by_value.setdefault(value, []).append(pk)
    output = model._meta.get_field(name)
    model.objects.filter(pk__in=list(values)).update(
        **{
            name: Case(
                *(
                    When(pk__in=pks, then=Value(v, output_field=output))
                    for v, pks in by_value.items()
                ),
                output_field=output,
            )
        },
        **same,
    )


def _submitted_event(task: Task, by: User, report: ProgressReport, item: NewReport, at):
    return TaskEvent(
        task=task,
        actor=by,
        kind=TaskEvent.Kind.REPORT_SUBMITTED,
        before={},
        after={
            "report_id": report.pk,
            "unit_id": by.unit_id,
            "percent": report.percent,
            "files": [],
            "target_values": {str(k): str(v) for k, v in item.target_values.items()},
            "confirmed": report.confirmed_at is not None,
        },
        at=at,
        note="",
    )
