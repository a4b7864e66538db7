"""Drafts: what a confirmed import becomes before anyone but the coordinators sees it.

A confirmed import is a draft (``ListImport.Status.DRAFT``), kept on its ListImport:

* **a new list** is written at once, as a draft list (``TaskList.published_at`` empty, its
  tasks in status draft). Its coordinators review it like any list; nobody else sees it, and
  nothing counts it (``Task.objects.work()``, ``tasks.permissions.visible_tasks_q``).
  ``task_list_publish`` makes it live; discarding removes every row the import made.
* **a revision of a live list** writes nothing: the file and the coordinator's decisions stay
  on the ListImport, with the preview of every change and its digest. Publishing compares
  the file with the list once more, under lock, and applies it only if that still gives
  the reviewed changes (``import_locked(expected_digest=…)``); discarding drops it.

Publishing happens exactly once: the list (or the ListImport) is locked and a second publish
is refused.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.merging import unit_references
from accounts.models import Unit, UnitAlias, User
from campaigns.models import Campaign, CampaignEvent, ListImport, TaskList
from campaigns.services.bulk import stream_rows
from campaigns.services.import_steps.applying import ImportResult
from campaigns.services.import_steps.collecting import collector_paused
from campaigns.services.import_steps.comparing import ImportPlan
from campaigns.services.import_steps.locking import import_locked
from campaigns.services.import_steps.preview import plan_digest
from campaigns.services.import_steps.reading import ImportSource, import_read
from campaigns.services.import_steps.resolving import UnitChoice
from campaigns.services.import_steps.storing import preview_rows_clear, preview_store
from config.errors import RuleViolation
from tasks.models import Task, TaskEvent
from tasks.services import history_now

logger = logging.getLogger(__name__)


def plan_choices(plan: ImportPlan) -> dict[str, UnitChoice]:
    """The decisions on unit names a plan took (the command's options included), as a
    ListImport keeps them, so that publishing a revision decides the same way."""
    choices: dict[str, UnitChoice] = {}
    for unit in plan.units.values():
        if unit.how in ("chosen", "suggested") and unit.unit_id is not None:
            choices[unit.name] = {"unit": unit.unit_id}
        elif unit.how == "create":
            choices[unit.name] = {"create": True}
        elif unit.how == "ignore":
            choices[unit.name] = {"ignore": True}
    return choices


def import_recorded(list_import: ListImport, plan: ImportPlan, result: ImportResult) -> None:
    """A confirmed import on its (locked) ListImport: a draft to review and publish."""
    list_import.task_list = result.task_list
    list_import.status = ListImport.Status.DRAFT
    list_import.summary = {
        **plan.summary(),
        "units_created": result.units_created,
        "aliases_created": result.aliases_created,
    }
    list_import.made = {} if result.staged else result.made()
    list_import.digest = plan_digest(plan) if result.staged else ""
    if result.staged:
        preview_store(list_import, plan)  # what the revision changes, as reviewed
    list_import.list_name = plan.list_name
    list_import.list_kind = plan.list_kind
    list_import.stage, list_import.progress = "", 100
    list_import.finished_at = timezone.now()
    list_import.message = ""


RECORDED_FIELDS = [
    "task_list",
    "status",
    "summary",
    "made",
    "digest",
    "preview",
    "list_name",
    "list_kind",
    "stage",
    "progress",
    "finished_at",
    "message",
]


def list_import_record(
    *,
    source: ImportSource,
    data: bytes,
    campaign: Campaign,
    by: User | None,
    plan: ImportPlan,
    result: ImportResult,
    deadlines_in_campaign_year: bool = False,
) -> ListImport:
    """The ListImport of an import confirmed in one go (the command, the demo, tests), so
    that its draft is reviewed, published or discarded like one made on the pages."""
    list_import = ListImport(
        campaign=campaign,
        created_by=by,
        source_name=source.filename[:255],
        source_kind=source.kind,
        source_size=len(data),
        source_sha256=hashlib.sha256(data).hexdigest(),
        source=data,
        unit_choices=plan_choices(plan),
        deadlines_in_campaign_year=deadlines_in_campaign_year,
    )
    import_recorded(list_import, plan, result)
    list_import.save()
    return list_import


# --- publishing ------------------------------------------------------------------------------


@transaction.atomic
def task_list_publish(*, task_list: TaskList, by: User | None) -> TaskList:
    """Make a draft list live, exactly once: its tasks start (draft → in progress, each with a
    TaskEvent) and reach their lead units, which are to acknowledge them (签收); rounds,
    reviews, lights and the units' pages count them from now on, and the import that made it
    is marked published. A list already live is refused."""
    locked = TaskList.objects.select_for_update().get(pk=task_list.pk)
    if locked.published_at is not None:
        raise RuleViolation(
            _("The list “%(name)s” is already published.") % {"name": locked.name}, code="stale"
        )
    now = history_now()
    drafts = Task.objects.filter(task_list=locked, status=Task.Status.DRAFT)
    ids = list(drafts.order_by("pk").values_list("pk", flat=True))
    # Work reaches its lead units now, which are to acknowledge it (签收) from now on.
    handover = {"handed_over_at": now} if locked.is_work else {}
    drafts.update(
        status=Task.Status.IN_PROGRESS, version=F("version") + 1, updated_at=now, **handover
    )
    note = _("Published with the list “%(name)s”") % {"name": locked.name}
    before, after = {"status": Task.Status.DRAFT}, {"status": Task.Status.IN_PROGRESS}
    actor = by.pk if by else None
    kind = TaskEvent.Kind.STATUS_CHANGED
    stream_rows(
        TaskEvent,
        ("task_id", "actor_id", "at", "kind", "before", "after", "note"),
        ((pk, actor, now, kind, before, after, note) for pk in ids),
    )
    locked.published_at, locked.published_by = now, by
    locked.save(update_fields=["published_at", "published_by"])
    _record(locked.campaign_id, by, CampaignEvent.Kind.LIST_PUBLISHED, locked, tasks=len(ids))
    ListImport.objects.filter(task_list=locked, status=ListImport.Status.DRAFT).update(
        status=ListImport.Status.DONE, published_at=now, published_by=by
    )
    task_list.published_at, task_list.published_by = now, by
    return locked


def _record(campaign_id: int, by: User | None, kind: str, task_list, **after) -> None:
    """The campaign's history (CampaignEvent): a draft published or discarded, with its list."""
    CampaignEvent.objects.create(
        campaign_id=campaign_id,
        actor=by,
        kind=kind,
        at=history_now(),
        after={"list": task_list.name if task_list else "", **after},
    )


def _locked_draft(list_import: ListImport) -> ListImport:
    locked = (
        ListImport.objects.select_for_update(of=("self",))
        .defer("source", "preview")
        .select_related("task_list")
        .get(pk=list_import.pk)
    )
    if locked.status == ListImport.Status.DONE:
        raise RuleViolation(_("This import is already published."), code="stale")
    if locked.status not in (ListImport.Status.DRAFT, ListImport.Status.PUBLISHING):
        raise RuleViolation(
            _("Only a draft can be published; this import is %(status)s.")
            % {"status": locked.get_status_display()},
            code="stale",
        )
    return locked


def list_import_publish(*, list_import: ListImport, by: User | None) -> ListImport:
    """Publish a draft import: its new list goes live, or its revision is applied to the live
    list (now, or in a background job for a large file). Exactly once."""
    with transaction.atomic():
        locked = _locked_draft(list_import)
        if locked.status == ListImport.Status.PUBLISHING:
            return locked  # a second click while it runs
        if not locked.is_revision:
            if locked.task_list is None:
                raise RuleViolation(_("The list of this import is gone."), code="stale")
            task_list_publish(task_list=locked.task_list, by=by)
            locked.refresh_from_db(fields=["status", "published_at", "published_by"])
            return locked
        locked.status = ListImport.Status.PUBLISHING
        locked.stage, locked.progress = _("Waiting to be published"), 0
        locked.save(update_fields=["status", "stage", "progress"])
        background = locked.row_estimate > settings.IMPORT_BACKGROUND_ROWS
        if background:
            from campaigns.jobs import list_import_publish_job

            pk, user_id = locked.pk, by.pk if by else None
            transaction.on_commit(lambda: list_import_publish_job.delay(pk, user_id))
    if background:
        return locked
    return list_import_publish_run(list_import_id=locked.pk, by_id=by.pk if by else None) or locked


@collector_paused()
def list_import_publish_run(*, list_import_id: int, by_id: int | None) -> ListImport | None:
    """Apply a staged revision (the job's body; small files run it inline), exactly once.

    The file is read again; then, under lock, compared with the list as it stands. If that
    no longer gives the changes the coordinator reviewed (the list changed meanwhile), nothing
    is written: the draft shows the new changes to review, or the new errors.
    """
    list_import = (
        ListImport.objects.filter(pk=list_import_id)
        .defer("preview")
        .select_related("campaign")
        .first()
    )
    if list_import is None or list_import.status != ListImport.Status.PUBLISHING:
        return list_import
    by = User.objects.filter(pk=by_id).first() if by_id else None
    try:
        source = import_read(
            data=bytes(list_import.source),
            filename=list_import.source_name,
            columns={
                sheet: {int(column): fld for column, fld in columns.items()}
                for sheet, columns in (list_import.columns or {}).items()
            },
        )
    except RuleViolation as exc:
        list_import_publish_failed(list_import_id=list_import.pk, message=str(exc.message))
        return ListImport.objects.defer("source", "preview").get(pk=list_import.pk)
    with transaction.atomic():
        locked = (
            ListImport.objects.select_for_update()
            .defer("source", "preview")
            .filter(pk=list_import.pk, status=ListImport.Status.PUBLISHING)
            .first()
        )
        if locked is None:
            return None
        plan, result = import_locked(
            source=source,
            campaign=list_import.campaign,
            by=by,
            task_list=locked.task_list,
            list_name=locked.list_name,
            list_kind=locked.list_kind,
            unit_choices=locked.unit_choices,
            deadlines_in_campaign_year=locked.deadlines_in_campaign_year,
            stage_revision=False,
            expected_digest=locked.digest,
        )
        if result is not None:
            return _published(locked, plan, result, by)
        return _changed_under_review(locked, plan)


def _published(
    locked: ListImport, plan: ImportPlan, result: ImportResult, by: User | None
) -> ListImport:
    _record(
        locked.campaign_id,
        by,
        CampaignEvent.Kind.REVISION_PUBLISHED,
        result.task_list,
        created=result.created,
        updated=result.updated,
        file=locked.source_name,
    )
    locked.status = ListImport.Status.DONE
    locked.published_at, locked.published_by = timezone.now(), by
    locked.summary = {
        **plan.summary(),
        "units_created": result.units_created,
        "aliases_created": result.aliases_created,
    }
    locked.stage, locked.progress, locked.message = "", 100, ""
    locked.save(
        update_fields=[
            "status",
            "published_at",
            "published_by",
            "summary",
            "stage",
            "progress",
            "message",
        ]
    )
    return locked


def _changed_under_review(locked: ListImport, plan: ImportPlan) -> ListImport:
    """The list changed since the revision was reviewed: nothing written; show what it would
    change now (a draft again, to review and publish), or the errors (back to the preview)."""
    preview_store(locked, plan)
    locked.summary = plan.summary()
    locked.digest = plan_digest(plan)
    locked.stage, locked.progress = "", 100
    if plan.errors:
        locked.status = ListImport.Status.READY
        locked.message = _(
            "The list or the unit directory changed since this revision was confirmed, and "
            "the file no longer fits: nothing was published. Check the errors below."
        )
    else:
        locked.status = ListImport.Status.DRAFT
        locked.message = _(
            "The list changed since this revision was reviewed: nothing was published. "
            "Below is what it would change now; review it and publish again."
        )
    locked.save(
        update_fields=["preview", "summary", "digest", "status", "stage", "progress", "message"]
    )
    return locked


def list_import_publish_failed(*, list_import_id: int, message: str) -> None:
    """A publishing job gave up: the draft stays a draft, saying why (nothing was written)."""
    ListImport.objects.filter(pk=list_import_id, status=ListImport.Status.PUBLISHING).update(
        status=ListImport.Status.DRAFT, stage="", progress=100, message=message
    )


# --- discarding ------------------------------------------------------------------------------


def draft_remove(locked: ListImport) -> dict[str, int]:
    """Remove every row a new list's draft import made: the list with its categories, tasks
    and what hangs off them (their history too: they were never live), the aliases it
    remembered and the units it created (unless something else uses them by now). Refused,
    with nothing removed, once the list is live."""
    made = locked.made or {}
    task_list = TaskList.objects.select_for_update().filter(pk=made.get("list")).first()
    removed = {"tasks": 0, "units": 0, "aliases": 0}
    if task_list is not None:
        if task_list.published_at is not None:
            raise RuleViolation(_("This list is published; it cannot be discarded."), code="stale")
        removed["tasks"] = Task.objects.filter(task_list=task_list).count()
        try:
            with transaction.atomic():
                _draft_history_remove(task_list)
                task_list.delete()
        except ProtectedError as exc:
            raise RuleViolation(
                _("Work was recorded on this draft's tasks; it cannot be discarded."),
                code="stale",
            ) from exc
        locked.task_list = None
    removed["aliases"] = UnitAlias.objects.filter(pk__in=made.get("aliases", [])).delete()[0]
    for unit in Unit.objects.filter(pk__in=made.get("units", [])):
        if not any(unit_references(unit).values()):
            unit.delete()
            removed["units"] += 1
    logger.info("discarded draft import %s: %s", locked.pk, removed)
    return removed


def _draft_history_remove(task_list: TaskList) -> None:
    """The import events of a draft's tasks (never live; the history is append-only
    otherwise, and the database allows this DELETE for draft tasks only). A task no longer in
    draft keeps its history, and then the list cannot be removed (ProtectedError)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM tasks_taskevent WHERE task_id IN "
            "(SELECT id FROM tasks_task WHERE task_list_id = %s AND status = %s)",
            [task_list.pk, Task.Status.DRAFT],
        )


@transaction.atomic
def list_import_discard(*, list_import: ListImport, by: User) -> ListImport:
    """Drop an import that was not published: an upload, or a draft with every row it made
    (``drafts.draft_remove``); the file is deleted with it. The ListImport stays, discarded,
    as the record of what happened."""
    locked = (
        ListImport.objects.select_for_update().defer("source", "preview").get(pk=list_import.pk)
    )
    if locked.status == ListImport.Status.DONE:
        raise RuleViolation(_("A published import cannot be discarded."), code="stale")
    if locked.status in (ListImport.Status.IMPORTING, ListImport.Status.PUBLISHING):
        raise RuleViolation(_("An import that has started cannot be discarded."), code="stale")
    if locked.status == ListImport.Status.DISCARDED:
        return locked
    if locked.status == ListImport.Status.DRAFT:
        task_list = locked.task_list
        removed = {} if locked.is_revision else draft_remove(locked)
        if removed:
            locked.summary = {**locked.summary, "removed": removed}
        _record(
            locked.campaign_id,
            by,
            CampaignEvent.Kind.DRAFT_DISCARDED,
            task_list,
            file=locked.source_name,
            revision=locked.is_revision,
            **removed,
        )
    locked.status = ListImport.Status.DISCARDED
    locked.source = b""
    locked.preview = {}
    preview_rows_clear([locked.pk])
    locked.discarded_at, locked.discarded_by = timezone.now(), by
    locked.save(
        update_fields=[
            "status",
            "source",
            "preview",
            "summary",
            "task_list",
            "discarded_at",
            "discarded_by",
        ]
    )
    return locked
