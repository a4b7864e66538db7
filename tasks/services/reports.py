"""Progress reports: submitted by a unit, confirmed by its head where the campaign asks."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from config.prepared import PreparedObject
from notifications.models import Notification
from notifications.services import notify
from tasks import hooks, permissions
from tasks.models import ProgressReport, ReportTargetValue, Target, Task, TaskEvent
from tasks.services._common import check_files, require, store_files, task_url
from tasks.services.core import event_record, events_dated, service_atomic, task_update
from webhooks.events import REPORT_CREATED, webhook_emit

# The task under a row lock with its list and campaign (some sixty columns: compiling them
# was 1.5 ms of a report's CPU), compiled once per process; read in the report's transaction
# only (``service_atomic``: outside one, a compiled read would lock nothing).
_LOCKED = PreparedObject(
    lambda values: Task.objects.select_for_update(of=("self",))
    .select_related("task_list__campaign")
    .filter(pk=values["task"])
    .order_by()  # as get(): one row by its key
)


def _week_start(moment: datetime.datetime) -> datetime.date:
    day = timezone.localtime(moment).date()
    return day - datetime.timedelta(days=day.weekday())


@service_atomic
def report_submit(
    *,
    task: Task,
    by: User,
    text: str,
    percent: int,
    obstacles: str = "",
    next_steps: str = "",
    target_values: dict[int, Decimal] | None = None,
    files: Iterable = (),
    expected_version: int | None = None,
    submitted_at: datetime.datetime | None = None,
    notify_heads: bool = True,
    held: bool = False,
) -> ProgressReport:
    """A unit reports on a task. The lead unit's report is the task's report (it moves progress
    and target values, once confirmed where the campaign asks for it); a supporting unit's is a
    contribution the lead unit sees. ``notify_heads=False``: a caller writing many reports at
    once (一表填报) tells the unit heads once itself, rather than once per report. ``held``: that
    caller read ``task`` (with its list and campaign) under a row lock in this transaction,
    all the tasks at once, so it is current and is not read again."""
    require(permissions.can_report(by, task))
    if not held:
        task = _LOCKED.get(task=task.pk)
        if task is None:
            raise Task.DoesNotExist("the task was deleted")
        require(permissions.can_report(by, task))  # again: a transfer may have landed meanwhile
    values = target_values or {}
    report_check(
        by=by,
        task=task,
        text=text,
        percent=percent,
        expected_version=expected_version,
        values=values,
    )
    checked = check_files(files)

    dated_by_caller = submitted_at is not None
    dated, submitted_at = _history_date(task, submitted_at), submitted_at or timezone.now()
    confirmed = not permissions.report_needs_confirmation(by, task)
    assert by.unit_id is not None, "can_report lets only members of a unit report"
    report = ProgressReport.objects.create(
        task=task,
        unit_id=by.unit_id,
        period_start=_week_start(submitted_at),
        text=text.strip(),
        percent=percent,
        obstacles=obstacles.strip(),
        next_steps=next_steps.strip(),
        submitted_by=by,
        submitted_at=submitted_at,
        confirmed_by=by if confirmed else None,
        confirmed_at=submitted_at if confirmed else None,
    )
    ReportTargetValue.objects.bulk_create(
        [
            ReportTargetValue(report=report, target_id=pk, value=value)
            for pk, value in values.items()
        ]
    )
    store_files(checked, report=report)
    hooks.reports_written([report])
    # A report given its date (typed in from paper) writes its history at that date too.
    with events_dated(dated):
        event_record(
            task=task,
            by=by,
            kind=TaskEvent.Kind.REPORT_SUBMITTED,
            after={
                "report_id": report.pk,
                "unit_id": by.unit_id,
                "percent": percent,
                "files": [c.original_name for c in checked],
                "target_values": {str(k): str(v) for k, v in values.items()},
                "confirmed": confirmed,
            },
        )
        if confirmed:
            # Submitted now under the task's lock, it is the latest report: no need to look.
            _apply(report=report, task=task, by=by, written=None if dated_by_caller else values)
    webhook_emit(event=REPORT_CREATED, data=report_created_data(report, task, by))
    if not confirmed and notify_heads:
        heads = permissions.unit_heads(by.unit_id)
        notify(
            recipients=heads,
            kind=Notification.Kind.REPORT_TO_CONFIRM,
            title=_("A report on %(code)s %(title)s waits for your confirmation")
            % {"code": task.code, "title": task.title[:40]},
            url=task_url(task),
            campaign=task.task_list.campaign,
        )
    return report


def report_check(
    *,
    by: User,
    task: Task,
    text: str,
    percent: int | None,
    expected_version: int | None,
    values: dict[int, Decimal],
    target_ids: set[int] | None = None,
) -> None:
    """The rules a new report keeps (``report_submit``, and ``reports_submit_held`` for many):
    something said, a percent 0–100, a current copy of the task for the lead unit, target values
    only from the lead unit and only for the task's own targets (``target_ids``: read here
    when not given)."""
    is_lead = by.unit_id == task.lead_unit_id
    if not text or not text.strip():
        raise RuleViolation(_("Say what was done."), field="text")
    if percent is None or not 0 <= percent <= 100:
        raise RuleViolation(_("Percent complete must be between 0 and 100."), field="percent")
    if is_lead and expected_version is not None and task.version != expected_version:
        raise RuleViolation(
            _(
                "Someone else changed this task after you opened it. "
                "Reload the page to see their change, then submit again."
            ),
            code="stale",
        )
    if values and not is_lead:
        raise RuleViolation(_("Only the lead unit reports target values."), field="targets")
    if values and target_ids is None:
        target_ids = set(Target.objects.filter(task=task).values_list("pk", flat=True))
    if values and set(values) - (target_ids or set()):
        raise RuleViolation(_("A target value belongs to another task."), field="targets")


def _history_date(task: Task, submitted_at: datetime.datetime | None) -> datetime.datetime | None:
    """The date a report given its own date writes its history at: that date, unless the task's
    history already goes further (then now: history stays in the order it was written, so
    that reading it "as at" a moment agrees with what the task holds)."""
    if submitted_at is None or TaskEvent.objects.filter(task=task, at__gt=submitted_at).exists():
        return None
    return submitted_at


def _apply(
    *,
    report: ProgressReport,
    task: Task,
    by: User,
    written: dict[int, Decimal] | None = None,
    held: bool = True,
) -> None:
    """The latest confirmed lead-unit report of an open task becomes the task's progress and
    its targets' values. An older report confirmed late, a contribution, or a report on a
    closed task moves nothing. ``written``: the report was just written now, under the task's
    lock, with these target values, so it is the latest and they need no reading. ``held``:
    ``task`` was read under lock in this transaction (the services that take the lock)."""
    if report.unit_id != task.lead_unit_id or report.confirmed_at is None:
        return
    if task.status not in permissions.OPEN_FOR_WORK:
        return
    if written is None:
        latest = (
            ProgressReport.objects.filter(
                task=task, unit_id=task.lead_unit_id, confirmed_at__isnull=False
            )
            .order_by("-submitted_at", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        if latest != report.pk:
            return
        written = {row.target_id: row.value for row in report.target_values.all()}
    for target_id, value in written.items():
        Target.objects.filter(pk=target_id).update(current_value=value)
    if report.percent != task.progress:
        task_update(task=task, by=by, progress=report.percent, held=held)


@service_atomic
def report_confirm(
    *, report: ProgressReport, by: User, notify_submitter: bool = True
) -> ProgressReport:
    """The unit head confirms a report; a lead-unit report then counts. ``notify_submitter=False``:
    a caller confirming many at once tells each submitter once itself."""
    report = ProgressReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if report.confirmed_at is not None:
        raise RuleViolation(_("This report has already been confirmed."), code="already")
    if report.locked_at is not None:
        raise RuleViolation(
            _("The month of this report has been certified; it can no longer be changed."),
            code="locked",
        )
    require(permissions.can_confirm_report(by, report))
    report.confirmed_by = by
    report.confirmed_at = timezone.now()
    report.save(update_fields=["confirmed_by", "confirmed_at"])
    task = Task.objects.select_for_update(of=("self",)).get(pk=report.task_id)
    event_record(
        task=task, by=by, kind=TaskEvent.Kind.REPORT_CONFIRMED, after={"report_id": report.pk}
    )
    _apply(report=report, task=task, by=by)
    if not notify_submitter:
        return report
    notify(
        recipients=[report.submitted_by],
        kind=Notification.Kind.REPORT_CONFIRMED,
        title=_("Your report on %(code)s %(title)s was confirmed")
        % {"code": task.code, "title": task.title[:40]},
        url=task_url(task),
        campaign=task.task_list.campaign,
    )
    return report


def report_record(
    *,
    task: Task,
    by: User,
    unit,
    text: str,
    percent: int,
    obstacles: str = "",
    next_steps: str = "",
    submitted_at: datetime.datetime | None = None,
) -> ProgressReport:
    """A report written by the system on a unit's behalf (demo history, imports): no permission
    check, always confirmed. With ``submitted_at``, the history it writes (the report, the
    progress it moves) is dated then too."""
    with transaction.atomic(), events_dated(_history_date(task, submitted_at)):
        report = ProgressReport.objects.create(
            task=task,
            unit=unit,
            period_start=_week_start(submitted_at or timezone.now()),
            text=text,
            percent=percent,
            obstacles=obstacles,
            next_steps=next_steps,
            submitted_by=by,
            submitted_at=submitted_at or timezone.now(),
            confirmed_by=by,
            confirmed_at=submitted_at or timezone.now(),
        )
        hooks.reports_written([report])
        event_record(
            task=task,
            by=by,
            kind=TaskEvent.Kind.REPORT_SUBMITTED,
            after={"report_id": report.pk, "percent": percent, "unit_id": unit.pk},
        )
        _apply(report=report, task=task, by=by, held=False)  # the caller's copy of the task
        return report


@service_atomic
def report_edit(
    *,
    report: ProgressReport,
    by: User,
    text: str,
    percent: int,
    obstacles: str = "",
    next_steps: str = "",
    target_values: dict[int, Decimal] | None = None,
    expected_version: int | None = None,
    notify_heads: bool = True,
) -> ProgressReport:
    """Correct a report. Refused once the month is certified (一月一认定 locks it).

    ``target_values`` replaces the values the report gave (None leaves them as they are)."""
    report = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("task")
        .get(pk=report.pk)
    )
    if report.locked_at is not None:
        raise RuleViolation(
            _("The month of this report has been certified; it can no longer be changed."),
            code="locked",
        )
    require(permissions.can_edit_report(by, report))
    if expected_version is not None and report.version != expected_version:
        raise RuleViolation(
            _("Someone else changed this report after you opened it. Reload the page."),
            code="stale",
        )
    if not text or not text.strip():
        raise RuleViolation(_("Say what was done."), field="text")
    if percent is None or not 0 <= percent <= 100:
        raise RuleViolation(_("Percent complete must be between 0 and 100."), field="percent")
    fields = ("text", "percent", "obstacles", "next_steps")
    before = {name: getattr(report, name) for name in fields}
    report.text, report.percent = text.strip(), percent
    report.obstacles, report.next_steps = obstacles.strip(), next_steps.strip()
    after = {name: getattr(report, name) for name in fields}
    values_before, values_after = _target_values_change(report, target_values)
    if before == after and values_before == values_after:
        return report
    report.edited_at = timezone.now()
    report.version += 1
    # Where heads confirm reports, a staff member's correction needs confirming again:
    # otherwise editing a confirmed report would get round the head.
    reconfirm = report.confirmed_at is not None and permissions.report_needs_confirmation(
        by, Task.objects.select_related("task_list__campaign").get(pk=report.task_id)
    )
    if reconfirm:
        report.confirmed_at = report.confirmed_by = None
    report.save(update_fields=[*fields, "edited_at", "version", "confirmed_at", "confirmed_by"])
    changed = [name for name in fields if before[name] != after[name]]
    event_before = {"report_id": report.pk, **{k: before[k] for k in changed}}
    event_after = {"report_id": report.pk, **{k: after[k] for k in changed}}
    if values_before != values_after:
        event_before["target_values"], event_after["target_values"] = values_before, values_after
    event_record(
        task=report.task,
        by=by,
        kind=TaskEvent.Kind.REPORT_EDITED,
        before=event_before,
        after=event_after,
    )
    task = Task.objects.select_for_update(of=("self",)).get(pk=report.task_id)
    if reconfirm and notify_heads:
        notify(
            recipients=permissions.unit_heads(report.unit_id),
            kind=Notification.Kind.REPORT_TO_CONFIRM,
            title=_("A corrected report on %(code)s %(title)s waits for your confirmation")
            % {"code": task.code, "title": task.title[:40]},
            url=task_url(task),
            campaign=task.task_list.campaign,
        )
    _apply(report=report, task=task, by=by)
    return report


def _target_values_change(
    report: ProgressReport, values: dict[int, Decimal] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The report's target values before and after a correction (as text, for the history),
    having written the new ones. ``values`` None: the values stay as they are."""
    rows = {row.target_id: row.value for row in report.target_values.all()}
    before = {str(k): str(v) for k, v in sorted(rows.items())}
    if values is None:
        return before, before
    if values and report.unit_id != report.task.lead_unit_id:
        raise RuleViolation(_("Only the lead unit reports target values."), field="targets")
    known = set(Target.objects.filter(task_id=report.task_id).values_list("pk", flat=True))
    if set(values) - known:
        raise RuleViolation(_("A target value belongs to another task."), field="targets")
    after = {str(k): str(v) for k, v in sorted(values.items())}
    if {k: Decimal(v) for k, v in before.items()} != {str(k): v for k, v in values.items()}:
        ReportTargetValue.objects.filter(report=report).delete()
        ReportTargetValue.objects.bulk_create(
            [ReportTargetValue(report=report, target_id=k, value=v) for k, v in values.items()]
        )
        return before, after
    return before, before


def report_created_data(report: ProgressReport, task: Task, by: User) -> dict:
    """What the report.created webhook tells (ids and a few fields, no text or files)."""
    return {
        "report": report.pk,
        "task": task.pk,
        "task_code": task.code,
        "campaign": task.task_list.campaign.slug,
        "unit": by.unit_id,
        "lead_unit": task.lead_unit_id == by.unit_id,
        "percent": report.percent,
        "confirmed": report.confirmed_at is not None,
        "submitted_at": report.submitted_at,
    }
