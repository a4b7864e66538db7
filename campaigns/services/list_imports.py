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

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from campaigns.importing.safety import Inspection
from campaigns.models import Campaign, ListImport, TaskList
from campaigns.services.drafts import RECORDED_FIELDS, import_recorded
from campaigns.services.import_steps.collecting import collector_paused
from campaigns.services.import_steps.sizing import in_background, row_estimate
from campaigns.services.import_steps.storing import (
    checked_stored,
    preview_rows_clear,
    preview_store,
)
from campaigns.services.imports import (
    ImportPlan,
    import_inspect,
    import_locked,
    import_plan,
    import_read,
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
        queue_check(list_import)
    else:
        list_import_check(list_import=list_import, inspection=inspection)
    return list_import


def queue_check(list_import: ListImport) -> None:
    from campaigns.jobs import list_import_check_job

    pk = list_import.pk
    transaction.on_commit(lambda: list_import_check_job.delay(pk))


@collector_paused()
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
    list_import.summary = plan.summary()
    list_import.list_name = plan.list_name
    list_import.list_kind = plan.list_kind
    list_import.status = ListImport.Status.READY
    list_import.message = ""
    list_import.stage, list_import.progress = "", 100
    return _store_result(
        list_import,
        ["preview", "summary", "list_name", "list_kind", "status", "message", "stage", "progress"],
        plan,
    )


def _store_result(
    list_import: ListImport, fields: list[str], plan: ImportPlan | None = None
) -> ListImport:
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
        if plan is not None:
            preview_store(list_import, plan)
        list_import.save(update_fields=fields)
    return list_import


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


@collector_paused()
def list_import_run(*, list_import_id: int, by_id: int | None) -> ListImport | None:
    """Write a confirmed import as a draft, exactly once (the job's body; small files run it
    inline): a new list unpublished, a revision of a live list staged for review.

    The file is not read again: the check stored it read and checked (``checked.py``; the
    file is read only when that cannot stand for it). Then, with the import, the campaign and
    the list's tasks locked, it is compared once more with the database — the unit directory
    and the list are what can have changed — and written. If the file no longer fits,
    nothing is written and the import goes back to its preview with the new errors.
    """
    list_import = (
        ListImport.objects.filter(pk=list_import_id)
        .defer("source", "preview")
        .select_related("campaign")
        .first()
    )
    if list_import is None or list_import.status != ListImport.Status.IMPORTING:
        return list_import
    by = User.objects.filter(pk=by_id).first() if by_id else None
    _stage(list_import, _("Reading the file"), 10)
    year = list_import.campaign.year
    source = checked_stored(list_import, year)
    if source is None:
        try:
            source = import_read(
                data=bytes(list_import.source),
                filename=list_import.source_name,
                columns=_columns(list_import),
            )
        except RuleViolation as exc:
            return _failed(list_import, str(exc.message))
        source.drafts(default_year=year)
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


@transaction.atomic
def _no_longer_fits(list_import: ListImport, plan: ImportPlan) -> ListImport:
    """The list changed under the preview: show the new errors, write nothing (the new
    preview's rows and its document, with their counts, in one transaction)."""
    preview_store(list_import, plan)
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

    Imported lists keep their file (it is the source document of the list). The stale imports
    are locked, skipping any locked at this moment (being confirmed, its status changing: it
    is left alone), then their preview rows go in one DELETE and they in one UPDATE.
    """
    cutoff = now - datetime.timedelta(days=keep_days)
    stale = ListImport.objects.filter(
        created_at__lt=cutoff,
        status__in=[
            ListImport.Status.CHECKING,
            ListImport.Status.READY,
            ListImport.Status.REFUSED,
            ListImport.Status.FAILED,
        ],
    )
    with transaction.atomic():
        ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        preview_rows_clear(ids)
        count = stale.filter(pk__in=ids).update(
            status=ListImport.Status.DISCARDED,
            source=b"",
            preview={},
            stage="",
            message=_("Discarded after %(days)d days without being imported.")
            % {"days": keep_days},
            finished_at=now,
        )
    if count:
        logger.info("discarded %d list imports older than %d days", count, keep_days)
    return count
