"""Imports through the pages: a ListImport from upload to done.

The upload is judged (a refused file leaves nothing behind), kept with the coordinator's
corrections (column mapping, decisions on unit names, the target list), checked into a
stored preview, and confirmed into the list exactly once. Files with more rows than
IMPORT_BACKGROUND_ROWS are checked and imported by the jobs in ``campaigns.jobs``, which
call the same functions; the page shows their progress from ``stage`` and ``progress``.
The pipeline itself is ``imports.py``; the confirm goes through its ``import_locked``,
as the command's does, and leaves a draft to publish or discard (``drafts.py``).
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from audit.models import AuditEvent
from audit.services import audit_record
from campaigns.importing.headers import FIELD_LABELS, IGNORE
from campaigns.importing.safety import Inspection
from campaigns.models import Campaign, ListImport, TaskList
from campaigns.services.drafts import RECORDED_FIELDS, import_recorded
from campaigns.services.import_steps.sizing import in_background, row_estimate
from campaigns.services.imports import (
    ImportPlan,
    import_inspect,
    import_locked,
    import_plan,
    import_read,
    plan_preview,
)
from config.errors import RuleViolation
from webhooks.events import IMPORT_CONFIRMED, webhook_emit

logger = logging.getLogger(__name__)


def _columns(list_import: ListImport) -> dict[str, dict[int, str]]:
    return {
        sheet: {int(column): fld for column, fld in columns.items()}
        for sheet, columns in (list_import.columns or {}).items()
    }


def _stage(list_import: ListImport, stage: str, percent: int) -> None:
    """Show progress on the page; written on its own, outside any transaction of the import."""
    list_import.stage, list_import.progress = stage, percent
    ListImport.objects.filter(pk=list_import.pk).update(stage=stage, progress=percent)


def list_import_create(
    *,
    campaign: Campaign,
    by: User,
    filename: str,
    data: bytes,
    task_list: TaskList | None = None,
    list_name: str = "",
    list_kind: str = "",
    background: bool | None = None,
) -> ListImport:
    """Keep an upload and check it (now, or in a background job for a large file).

    A refused file raises RuleViolation and leaves nothing behind.
    """
    if task_list is not None and task_list.campaign_id != campaign.pk:
        raise RuleViolation(_("That list belongs to another campaign."), field="task_list")
    inspection = import_inspect(data=data, filename=filename)
    list_import = ListImport.objects.create(
        campaign=campaign,
        task_list=task_list,
        list_name=(list_name or "").strip()[:200],
        list_kind=list_kind or "",
        created_by=by,
        source_name=(filename or _("pasted text"))[:255],
        source_kind=inspection.kind,
        source_size=len(data),
        source_sha256=hashlib.sha256(data).hexdigest(),
        source=data,
        row_estimate=row_estimate(inspection),
        stage=_("Waiting to be checked"),
    )
    if background is None:
        background = in_background(list_import)
    if background:
        _queue_check(list_import)
    else:
        list_import_check(list_import=list_import, inspection=inspection)
    return list_import


def _queue_check(list_import: ListImport) -> None:
    from campaigns.jobs import list_import_check_job

    pk = list_import.pk
    transaction.on_commit(lambda: list_import_check_job.delay(pk))


def list_import_check(
    *, list_import: ListImport, inspection: Inspection | None = None
) -> ListImport:
    """Read the stored file with the coordinator's corrections and store the preview."""
    _stage(list_import, _("Reading the file"), 10)
    try:
        source = import_read(
            data=bytes(list_import.source),
            filename=list_import.source_name,
            columns=_columns(list_import),
            inspection=inspection,
        )
    except RuleViolation as exc:
        list_import.status = ListImport.Status.REFUSED
        list_import.message = str(exc.message)
        list_import.stage, list_import.progress = "", 100
        return _store_result(list_import, ["status", "message", "stage", "progress"])
    _stage(list_import, _("Checking every row"), 35)
    plan = import_plan(
        source=source,
        campaign=list_import.campaign,
        task_list=list_import.task_list,
        list_name=list_import.list_name,
        list_kind=list_import.list_kind,
        unit_choices=list_import.unit_choices,
        deadlines_in_campaign_year=list_import.deadlines_in_campaign_year,
        progress=lambda stage, percent: _stage(list_import, stage, percent),
    )
    _stage(list_import, _("Preparing the preview"), 80)
    list_import.preview = plan_preview(plan)
    list_import.summary = plan.summary()
    list_import.list_name = plan.list_name
    list_import.list_kind = plan.list_kind
    list_import.status = ListImport.Status.READY
    list_import.message = ""
    list_import.stage, list_import.progress = "", 100
    return _store_result(
        list_import,
        ["preview", "summary", "list_name", "list_kind", "status", "message", "stage", "progress"],
    )


def _store_result(list_import: ListImport, fields: list[str]) -> ListImport:
    """Write what a check found, unless the upload was discarded while it ran (by its
    coordinator, or by housekeeping): a discarded upload stays discarded, file and preview
    gone, instead of coming back as ready to import."""
    with transaction.atomic():
        status = (
            ListImport.objects.select_for_update()
            .filter(pk=list_import.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status is None:  # deleted with its campaign meanwhile
            return list_import
        if status == ListImport.Status.DISCARDED:
            list_import.refresh_from_db()
            return list_import
        list_import.save(update_fields=fields)
    return list_import


def _recheck(list_import: ListImport) -> ListImport:
    if in_background(list_import):
        list_import.status = ListImport.Status.CHECKING
        list_import.stage, list_import.progress = _("Waiting to be checked"), 0
        list_import.save(update_fields=["status", "stage", "progress"])
        _queue_check(list_import)
        return list_import
    return list_import_check(list_import=list_import)


def _editable(list_import: ListImport) -> ListImport:
    """Lock the import; only a checked, not yet imported one can be changed."""
    locked = ListImport.objects.select_for_update().get(pk=list_import.pk)
    if locked.status not in (ListImport.Status.READY, ListImport.Status.REFUSED):
        raise RuleViolation(
            _("This import is %(status)s and can no longer be changed.")
            % {"status": locked.get_status_display()},
            code="stale",
        )
    return locked


@transaction.atomic
def list_import_set_columns(
    *, list_import: ListImport, by: User, sheet: str, columns: dict[int, str]
) -> ListImport:
    """Correct the column mapping of one sheet (column → field, "" extra, "-" ignore)."""
    locked = _editable(list_import)
    sheets = {s["name"]: s for s in (locked.preview or {}).get("sheets", [])}
    if sheet not in sheets:
        raise RuleViolation(
            _("The file has no sheet “%(sheet)s”.") % {"sheet": sheet}, field="sheet"
        )
    allowed = set(FIELD_LABELS) | {"", IGNORE}
    width = len(sheets[sheet]["columns"])
    clean = {}
    for column, fld in columns.items():
        if fld not in allowed or not 0 <= int(column) < width:
            raise RuleViolation(_("That is not a column the list can have."), field="columns")
        clean[str(int(column))] = fld
    chosen = [fld for fld in clean.values() if fld not in ("", IGNORE)]
    duplicate = next((fld for fld in chosen if chosen.count(fld) > 1), None)
    if duplicate:
        raise RuleViolation(
            _("Only one column can be “%(field)s”.") % {"field": FIELD_LABELS[duplicate]},
            field="columns",
        )
    locked.columns = {**(locked.columns or {}), sheet: clean}
    locked.save(update_fields=["columns"])
    return _recheck(locked)


@transaction.atomic
def list_import_set_units(
    *, list_import: ListImport, by: User, choices: dict[str, dict]
) -> ListImport:
    """Decide what unit names of the file stand for: a unit, a new unit, or nothing.

    A name given an existing unit is remembered as that unit's alias when the import is
    confirmed, so the next list that uses it needs no decision.
    """
    locked = _editable(list_import)
    ids = [int(choice["unit"]) for choice in choices.values() if choice.get("unit")]
    known = set(Unit.objects.filter(pk__in=ids, active=True).values_list("pk", flat=True))
    decided = dict(locked.unit_choices or {})
    for name, choice in choices.items():
        if choice.get("unit"):
            if int(choice["unit"]) not in known:
                raise RuleViolation(_("That unit does not exist."), field="units")
            decided[name] = {"unit": int(choice["unit"])}
        elif choice.get("create"):
            decided[name] = {"create": True}
        elif choice.get("ignore"):
            decided[name] = {"ignore": True}
        else:
            decided.pop(name, None)
    locked.unit_choices = decided
    locked.save(update_fields=["unit_choices"])
    return _recheck(locked)


@transaction.atomic
def list_import_set_deadlines(
    *, list_import: ListImport, by: User, in_campaign_year: bool
) -> ListImport:
    """Keep deadlines that lie before the campaign's start as written, or read them in the
    campaign's year (month and day kept)."""
    locked = _editable(list_import)
    locked.deadlines_in_campaign_year = in_campaign_year
    locked.save(update_fields=["deadlines_in_campaign_year"])
    return _recheck(locked)


@transaction.atomic
def list_import_set_target(
    *, list_import: ListImport, by: User, list_name: str, list_kind: str, task_list: TaskList | None
) -> ListImport:
    """Choose the list the file goes into: an existing one (a re-import) or a new one."""
    locked = _editable(list_import)
    if task_list is not None and task_list.campaign_id != locked.campaign_id:
        raise RuleViolation(_("That list belongs to another campaign."), field="task_list")
    locked.task_list = task_list
    locked.list_name = (task_list.name if task_list else list_name.strip())[:200]
    locked.list_kind = task_list.kind if task_list else list_kind
    locked.save(update_fields=["task_list", "list_name", "list_kind"])
    return _recheck(locked)


def list_import_confirm(*, list_import: ListImport, by: User) -> ListImport:
    """Import a checked file, as a draft: now, or in a background job for a large one."""
    with transaction.atomic():
        locked = (
            ListImport.objects.select_for_update().defer("source", "preview").get(pk=list_import.pk)
        )
        if locked.status in (
            ListImport.Status.IMPORTING,
            ListImport.Status.DRAFT,
            ListImport.Status.PUBLISHING,
            ListImport.Status.DONE,
        ):
            return locked  # a second click, or the job already running: nothing more to do
        if locked.status != ListImport.Status.READY:
            raise RuleViolation(_("This file cannot be imported."), code="stale")
        if locked.summary.get("errors"):
            raise RuleViolation(
                _("Correct the %(count)s errors first; nothing is imported while any remain.")
                % {"count": locked.summary["errors"]},
                code="import_errors",
            )
        locked.status = ListImport.Status.IMPORTING
        locked.stage, locked.progress = _("Waiting to be imported"), 0
        locked.save(update_fields=["status", "stage", "progress"])
        audit_record(
            kind=AuditEvent.Kind.IMPORT,
            by=by,
            target=f"import:{locked.pk} {locked.source_name}"[:200],
            detail={"campaign": list_import.campaign_id, "rows": locked.summary.get("tasks")},
        )
        background = in_background(locked)
        if background:
            from campaigns.jobs import list_import_run_job

            pk, user_id = locked.pk, by.pk
            transaction.on_commit(lambda: list_import_run_job.delay(pk, user_id))
    if background:
        return locked
    return list_import_run(list_import_id=locked.pk, by_id=by.pk) or locked


def list_import_run(*, list_import_id: int, by_id: int | None) -> ListImport | None:
    """Write a confirmed import as a draft, exactly once (the job's body; small files run it
    inline): a new list unpublished, a revision of a live list staged for review.

    The file is read again outside the transaction; then, with the import, the campaign and
    the list's tasks locked, it is compared once more with the database and written. If the
    list changed since the preview so that the file no longer fits, nothing is written and
    the import goes back to its preview with the new errors.
    """
    list_import = (
        ListImport.objects.filter(pk=list_import_id)
        .defer("preview")
        .select_related("campaign")
        .first()
    )
    if list_import is None or list_import.status != ListImport.Status.IMPORTING:
        return list_import
    by = User.objects.filter(pk=by_id).first() if by_id else None
    _stage(list_import, _("Reading the file"), 10)
    try:
        source = import_read(
            data=bytes(list_import.source),
            filename=list_import.source_name,
            columns=_columns(list_import),
        )
    except RuleViolation as exc:
        return _failed(list_import, str(exc.message))
    source.drafts(default_year=list_import.campaign.year)
    _stage(list_import, _("Writing the tasks"), 60)
    with transaction.atomic():
        locked = (
            ListImport.objects.select_for_update()
            .defer("source", "preview")
            .filter(pk=list_import.pk)
            .first()
        )
        if locked is None or locked.status != ListImport.Status.IMPORTING:
            return locked
        plan, result = import_locked(
            source=source,
            campaign=list_import.campaign,
            by=by,
            task_list=locked.task_list,
            list_name=locked.list_name,
            list_kind=locked.list_kind,
            unit_choices=locked.unit_choices,
            deadlines_in_campaign_year=locked.deadlines_in_campaign_year,
        )
        if result is not None:
            import_recorded(locked, plan, result)
            fields = (
                RECORDED_FIELDS if result.staged else [f for f in RECORDED_FIELDS if f != "preview"]
            )
            locked.save(update_fields=fields)
            webhook_emit(
                event=IMPORT_CONFIRMED,
                data={
                    "import": locked.pk,
                    "campaign": list_import.campaign.slug,
                    "task_list": locked.task_list_id,
                    "status": locked.status,
                    "summary": locked.summary,
                },
            )
            return locked
    return _no_longer_fits(list_import, plan)


def _no_longer_fits(list_import: ListImport, plan: ImportPlan) -> ListImport:
    """The list changed under the preview: show the new errors, write nothing."""
    list_import.preview = plan_preview(plan)
    list_import.summary = plan.summary()
    list_import.status = ListImport.Status.READY
    list_import.stage, list_import.progress = "", 100
    list_import.message = _(
        "The list or the unit directory changed since the preview, and the file no longer "
        "fits: nothing was imported. Check the errors below."
    )
    list_import.save(update_fields=["preview", "summary", "status", "stage", "progress", "message"])
    return list_import


def _failed(list_import: ListImport, message: str) -> ListImport:
    list_import.status = ListImport.Status.FAILED
    list_import.message = message
    list_import.stage, list_import.progress = "", 100
    list_import.finished_at = timezone.now()
    list_import.save(update_fields=["status", "message", "stage", "progress", "finished_at"])
    return list_import


def list_import_failed(*, list_import_id: int, message: str) -> None:
    """A job gave up (time limit, crash): say so on the page. A finished import stays finished."""
    list_import = ListImport.objects.filter(pk=list_import_id).defer("source", "preview").first()
    if list_import is not None and list_import.status in (
        ListImport.Status.CHECKING,
        ListImport.Status.IMPORTING,
    ):
        _failed(list_import, message)


def list_imports_prune(*, now: datetime.datetime, keep_days: int) -> int:
    """Discard uploads left unconfirmed for ``keep_days``: their files and previews go.

    Imported lists keep their file (it is the source document of the list). One UPDATE, so an
    import being confirmed at this moment (its row locked, its status changing) is left alone.
    """
    cutoff = now - datetime.timedelta(days=keep_days)
    count = ListImport.objects.filter(
        created_at__lt=cutoff,
        status__in=[
            ListImport.Status.CHECKING,
            ListImport.Status.READY,
            ListImport.Status.REFUSED,
            ListImport.Status.FAILED,
        ],
    ).update(
        status=ListImport.Status.DISCARDED,
        source=b"",
        preview={},
        stage="",
        message=_("Discarded after %(days)d days without being imported.") % {"days": keep_days},
        finished_at=now,
    )
    if count:
        logger.info("discarded %d list imports older than %d days", count, keep_days)
    return count
