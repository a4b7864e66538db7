"""一表填报: upload a filled-in 本周应报送 sheet (checked, nothing written), then confirm it
(every report written through the report service, in one transaction, or none)."""

import datetime
import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from campaigns.importing.safety import FileRefused
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify
from reporting import permissions
from reporting.checking import CREATE, EDIT, EMPTY, ERROR, FIELD_COLUMNS, check_rows
from reporting.models import ReportUpload
from reporting.workbook import RowKey, SheetRow, read_sheet, target_headers
from tasks import permissions as task_permissions
from tasks.models import ProgressReport, Task
from tasks.services import (
    NewReport,
    ReportRefused,
    one_transaction,
    report_edit,
    reports_submit_held,
)

logger = logging.getLogger(__name__)


@dataclass
class Uploaded:
    upload: ReportUpload
    # The same file was confirmed before: nothing was checked or stored again.
    already: bool = False


def upload_check(
    *, by: User, filename: str, data: bytes, now: datetime.datetime | None = None
) -> Uploaded:
    """Read and check a filled-in sheet and keep it for the preview; writes no report."""
    if not permissions.can_report_in_bulk(by) or by.unit_id is None:
        raise PermissionDenied
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise RuleViolation(_("The file is too large."), field="file")
    digest = hashlib.sha256(data).hexdigest()
    done = ReportUpload.objects.filter(
        unit_id=by.unit_id, sha256=digest, status=ReportUpload.Status.CONFIRMED
    ).first()
    if done is not None:
        return Uploaded(upload=done, already=True)
    try:
        rows = read_sheet(data, filename)
    except FileRefused as refused:
        raise RuleViolation(refused.message, field="file") from refused
    if not rows:
        raise RuleViolation(_("The sheet has no rows."), field="file")
    upload = ReportUpload.objects.create(
        unit_id=by.unit_id,
        uploaded_by=by,
        filename=filename[:255],
        sha256=digest,
        rows=check_rows(rows=rows, by=by, now=now or timezone.now()),
        letters=rows[0].letters,
    )
    return Uploaded(upload=upload)


def _checked_again(upload: ReportUpload, by: User, now: datetime.datetime) -> list[dict]:
    """The upload's rows checked again against the database as it is now. Those left empty
    are kept as checked: what they became depended on the sheet alone (an upload with an
    error cannot be confirmed), and a busy unit's sheet has 300 of them for a few filled."""
    said = [entry for entry in upload.rows if entry["action"] != EMPTY]
    checked = iter(check_rows(rows=_sheet_rows(said, upload.letters), by=by, now=now))
    return [entry if entry["action"] == EMPTY else next(checked) for entry in upload.rows]


def _sheet_rows(entries: list[dict], letters: dict[str, str]) -> list[SheetRow]:
    """Stored rows as the sheet gave them, to check them again at confirmation."""
    rows = []
    for entry in entries:
        key = RowKey.decode(entry.get("key"))
        values = {name: str(entry.get(name, "") or "") for name in FIELD_COLUMNS}
        if entry.get("percent") is not None:
            values["percent"] = str(entry["percent"])
        slots = {target_id: slot for slot, target_id in enumerate(key.target_ids, 1)} if key else {}
        targets = {slots[int(pk)]: value for pk, value in entry.get("targets", {}).items()}
        row = SheetRow(number=entry["row"], key=key, code=entry["code"], title=entry["title"])
        row.values, row.targets, row.letters = values, targets, letters
        rows.append(row)
    return rows


class _Refused(Exception):
    """Some row was refused while writing: undo every report written so far."""


@transaction.atomic
def upload_confirm(*, upload: ReportUpload, by: User, now: datetime.datetime | None = None) -> int:
    """Write every report of a checked upload, or none: the rows are checked again against the
    database as it is now, then each is written by the report service (new report, or the
    correction of the round's report). Any refusal undoes them all and is kept on the upload
    by row and column. Confirming twice (a double click, the same file uploaded again) writes
    once. Returns the number of reports written."""
    upload = ReportUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.uploaded_by_id != by.pk or not permissions.can_report_in_bulk(by):
        raise PermissionDenied
    if upload.status == ReportUpload.Status.CONFIRMED:
        return 0
    now = now or timezone.now()
    if any(entry["action"] == ERROR for entry in upload.rows):
        raise RuleViolation(_("Correct the errors in the sheet and upload it again."))
    rows = _checked_again(upload, by, now)
    if any(entry["action"] == ERROR for entry in rows):
        upload.rows = rows
        upload.save(update_fields=["rows"])
        return 0
    try:
        with transaction.atomic():
            upload.status, upload.confirmed_at = ReportUpload.Status.CONFIRMED, now
            upload.rows = rows
            _save_confirmed(upload)
            written = _write(rows, by, upload.letters)
            if any(entry["action"] == ERROR for entry in rows):
                raise _Refused
    except _Refused:
        for entry in rows:  # what was written before the refusal is undone
            entry.pop("awaiting", None)
            if entry["action"] == CREATE:
                entry.pop("report_id", None)
        upload.status, upload.confirmed_at = ReportUpload.Status.CHECKED, None
        upload.rows = rows
        upload.save(update_fields=["status", "confirmed_at", "rows"])
        return 0
    upload.written = written
    upload.save(update_fields=["written", "rows"])  # each row now names its report
    _tell_heads(upload, by)
    return written


def _save_confirmed(upload: ReportUpload) -> None:
    """The upload marked confirmed (its rows are saved once written, naming their reports)."""
    try:
        with transaction.atomic():
            upload.save(update_fields=["status", "confirmed_at"])
    except IntegrityError as clash:  # the same file confirmed meanwhile for this unit
        raise RuleViolation(
            _("The same file was confirmed for your unit already: nothing was written twice.")
        ) from clash


def _write(rows: list[dict], by: User, letters: dict[str, str]) -> int:
    """Every new report at once through ``reports_submit_held`` (the report service's rules
    for each, a fixed number of statements for all), then each correction of this week's
    report through ``report_edit``; in one transaction without a savepoint per report
    (``one_transaction``). The first refusal is kept on its row and ends the writing, and the
    caller undoes everything."""
    creates = [e for e in rows if e["action"] == CREATE]
    edits = [e for e in rows if e["action"] == EDIT]
    reports = ProgressReport.objects.in_bulk([e["report_id"] for e in edits])
    try:
        with one_transaction():
            _write_new(creates, by)
            for entry in edits:
                _edit_row(entry, by, reports)
    except ReportRefused as refused:
        _refused(creates[refused.index], refused.refusal, letters)
    except (RuleViolation, PermissionDenied) as refusal:
        refused_row = next(entry for entry in edits if entry.pop("writing", False))
        _refused(refused_row, refusal, letters)
    return len(creates) + len(edits)


def _fields(entry: dict) -> dict:
    return {
        "text": entry["text"],
        "percent": entry["percent"],
        "obstacles": entry["obstacles"],
        "next_steps": entry["next_steps"],
        "target_values": {int(pk): Decimal(v) for pk, v in entry["targets"].items()},
    }


def _write_new(creates: list[dict], by: User) -> None:
    """The new reports: every task reported on is locked and read at once, and handed over
    as held (``reports_submit_held`` reads none of them again)."""
    tasks = {
        task.pk: task
        for task in Task.objects.select_for_update(of=("self",))
        .select_related("task_list__campaign")
        .filter(pk__in=[e["task_id"] for e in creates])
        .order_by("pk")
    }
    for index, entry in enumerate(creates):
        if entry["task_id"] not in tasks:  # deleted since the check
            raise ReportRefused(index, PermissionDenied())
    written = reports_submit_held(
        by=by,
        items=[
            NewReport(task=tasks[e["task_id"]], expected_version=e["version"], **_fields(e))
            for e in creates
        ],
    )
    for entry, report in zip(creates, written, strict=True):
        entry["report_id"] = report.pk
        entry["awaiting"] = report.confirmed_at is None


def _edit_row(entry: dict, by: User, reports: dict) -> None:
    entry["writing"] = True
    report = report_edit(
        report=reports[entry["report_id"]],
        expected_version=entry["report_version"],
        by=by,
        notify_heads=False,
        **_fields(entry),
    )
    del entry["writing"]
    entry["report_id"] = report.pk
    entry["awaiting"] = report.confirmed_at is None


def _refused(entry: dict, refusal: Exception, letters: dict[str, str]) -> None:
    if isinstance(refusal, RuleViolation):
        column = FIELD_COLUMNS.get(refusal.field or "", "")
        if refusal.field == "targets":
            column = target_headers(1)[3]
        message = str(refusal.message)
    else:
        column, message = "", _("You may not report on this task.")
    entry["action"] = ERROR
    entry["errors"].append(
        {"column": column, "letter": letters.get(column, ""), "message": message}
    )


def _tell_heads(upload: ReportUpload, by: User) -> None:
    """One notice to the unit heads for every report of the upload that waits for them."""
    waiting = sum(1 for entry in upload.rows if entry.get("awaiting"))
    if not waiting:
        return
    notify(
        recipients=task_permissions.unit_heads(by.unit_id),
        kind=Notification.Kind.REPORT_TO_CONFIRM,
        title=ngettext(
            "%(person)s reported on %(n)d task by bulk upload: it waits for your confirmation",
            "%(person)s reported on %(n)d tasks by bulk upload: they wait for your confirmation",
            waiting,
        )
        % {"person": str(by), "n": waiting},
        url=reverse("tasks:mine") + "#to-confirm",
    )


def report_uploads_prune(*, now: datetime.datetime, keep_days: int) -> int:
    """Forget uploads left unconfirmed for ``keep_days`` (their checked rows hold the unit's
    report texts; the sheet's round has long ended, so confirming it would be refused anyway).
    One DELETE of unconfirmed rows: an upload being confirmed at this moment holds its row and,
    once confirmed, no longer matches. Confirmed uploads stay: their hash stops the same file
    being written twice."""
    cutoff = now - datetime.timedelta(days=keep_days)
    count, _by_model = ReportUpload.objects.filter(
        status=ReportUpload.Status.CHECKED, uploaded_at__lt=cutoff
    ).delete()
    if count:
        logger.info("forgot %d unconfirmed report uploads older than %d days", count, keep_days)
    return count
