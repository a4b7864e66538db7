"""Reads of the campaigns app: imports for their pages, lists for export.

Like every list read, each says what it joins: an export costs the same few queries for ten
tasks or ten thousand.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Unit, UnitAlias, User
from campaigns.exporting import (
    ExportTask,
    export_workbook,
    layout_has_targets,
    template_workbook,
)
from campaigns.kinds import export_columns
from campaigns.models import Campaign, Category, ListImport, ListImportRow, TaskList
from campaigns.services.import_steps.preview import ISSUES_KEPT
from campaigns.services.import_steps.storing import COUNTED
from tasks.lights import Light
from tasks.models import ProgressReport, Target, Task, TaskSupport
from tasks.permissions import visible_tasks
from tasks.selectors import TaskFilters, apply_filters, tasks_of_list
from tasks.table_rows import filtered_columns

PREVIEW_PAGE_SIZE = 100
ISSUES_SHOWN = ISSUES_KEPT


def list_imports_recent(*, campaign: Campaign, limit: int = 20) -> list[ListImport]:
    """The campaign's latest imports, without their files and previews."""
    return list(
        ListImport.objects.filter(campaign=campaign)
        .exclude(status=ListImport.Status.DISCARDED)
        .defer("source", "preview")
        .select_related("created_by", "task_list")
        .order_by("-created_at", "-id")[:limit]
    )


def list_drafts(*, task_list: TaskList) -> list[ListImport]:
    """The drafts waiting for publication on a list: the import that made it (while it is a
    draft itself), or revisions of it."""
    return list(
        ListImport.objects.filter(task_list=task_list, status=ListImport.Status.DRAFT)
        .defer("source", "preview")
        .order_by("created_at", "id")
    )


def list_page_tasks(
    *, user: User, task_list: TaskList, filters: TaskFilters, today: datetime.date
) -> QuerySet[Task]:
    """The tasks of a work list's page, as ``tasks_of_list`` chooses and orders them, for
    their keys: the columns its rows show are read with the rows
    (``tasks.table_rows.task_table_rows``), not built for the keys' query."""
    qs: QuerySet[Task] = visible_tasks(user).filter(task_list=task_list)
    qs = filtered_columns(qs, filters, today)
    return apply_filters(qs, filters, unit_id=user.unit_id, today=today).order_by("order", "id")


def list_import_state(*, list_import_id: int) -> ListImport:
    """Just what the progress bar needs."""
    return ListImport.objects.only(
        "id", "campaign_id", "status", "stage", "progress", "message"
    ).get(pk=list_import_id)


@dataclass
class ImportPreview:
    list_import: ListImport
    preview: dict
    page: Page
    show: str
    counts: dict[str, int]  # of the stored rows: tasks, created, updated, unchanged, problems
    issues: list[dict]
    issues_more: int
    units: list[dict]
    unresolved: list[dict]
    all_units: list[tuple[int, str]]
    lists: list[TaskList]


def import_preview(*, list_import: ListImport, page: str | None, show: str = "") -> ImportPreview:
    """The preview of an import, its rows a page at a time (all, only problems, only changes).

    The page's rows are read by index from the stored rows (``ListImportRow``), and the
    figures are the counts of those rows made as they were written (``storing.preview_store``,
    in the same transaction), so the page costs the same for 40 rows or 50,000.
    """
    preview = list_import.preview or {}
    stored = ListImportRow.objects.filter(list_import=list_import)
    counts = preview_counts(list_import, stored)
    if show == "problems":
        stored, total = stored.filter(problem=True), counts["problems"]
    elif show == "changes":
        stored = stored.filter(change=True)
        total = counts["created"] + counts["updated"]
    else:
        total = counts["tasks"]
    counted = cast(Any, _Counted(stored.order_by("position"), total))
    paginator: Paginator[dict] = Paginator(counted, PREVIEW_PAGE_SIZE)
    current = paginator.get_page(page)
    issues = preview.get("issues", [])
    units = preview.get("units", [])
    return ImportPreview(
        list_import=list_import,
        preview=preview,
        page=current,
        show=show,
        counts=counts,
        issues=issues[:ISSUES_SHOWN],
        issues_more=max(0, preview.get("issues_count", len(issues)) - ISSUES_SHOWN),
        units=units,
        unresolved=[u for u in units if u["how"] in ("none", "create", "ignore", "chosen")],
        all_units=list(Unit.objects.filter(active=True).order_by("name").values_list("id", "name")),
        lists=list(
            TaskList.objects.published()
            .filter(campaign_id=list_import.campaign_id)
            .order_by("order", "id")
        ),
    )


def preview_counts(list_import: ListImport, stored: QuerySet[ListImportRow]) -> dict[str, int]:
    """The preview's figures: as counted when its rows were written, or (a preview stored
    before they were) one aggregate over the rows."""
    counts = (list_import.preview or {}).get("counts")
    if counts and set(counts) == set(COUNTED):
        return counts
    return stored.aggregate(
        tasks=Count("pk"),
        created=Count("pk", filter=Q(action="create")),
        updated=Count("pk", filter=Q(action="update")),
        unchanged=Count("pk", filter=Q(action="unchanged")),
        problems=Count("pk", filter=Q(problem=True)),
    )


class _Counted:
    """Stored preview rows for the paginator: counted by the figures already at hand, sliced
    into one query of their ``data``."""

    def __init__(self, rows: QuerySet[ListImportRow], count: int):
        self.rows, self._count = rows, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[dict]:
        return list(self.rows.values_list("data", flat=True)[index])


def unit_names(*, names: list[str]) -> dict[str, int]:
    """Name → id of the active units (or aliases) named, for the coordinator's typed choices."""
    wanted = {name.strip() for name in names if name and name.strip()}
    if not wanted:
        return {}
    found = dict(Unit.objects.filter(active=True, name__in=wanted).values_list("name", "id"))
    for alias, unit_id in UnitAlias.objects.filter(alias__in=wanted, unit__active=True).values_list(
        "alias", "unit_id"
    ):
        found.setdefault(alias, unit_id)
    return found


def campaign_lists(*, campaign: Campaign) -> list[TaskList]:
    """The lists a file can go into: the live ones (a draft is published or discarded first)."""
    return list(TaskList.objects.published().filter(campaign=campaign).order_by("order", "id"))


# --- Export ---------------------------------------------------------------------------------


def _labels(has_targets: bool) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {
        "status": {value: str(label) for value, label in Task.Status.choices},
        "light": {
            Light.RED: _("Red"),
            Light.YELLOW: _("Yellow"),
            Light.GREEN: _("Green"),
            Light.GREY: _("Not started"),
        },
    }
    if has_targets:
        labels["targets"] = {"yes": "yes"}
    return labels


def list_export(
    *,
    user: User,
    task_list: TaskList,
    filters: TaskFilters | None = None,
    today: datetime.date | None = None,
) -> bytes:
    """The tasks of a list ``user`` may see (filtered as on its page), as .xlsx in its layout.

    A fixed number of queries: the tasks with their lead unit, category, light and latest
    report; their supporting units; their targets; the list's categories.
    """
    today = today or timezone.localdate()
    latest = ProgressReport.objects.filter(
        task=OuterRef("pk"), unit_id=OuterRef("lead_unit_id")
    ).order_by("-submitted_at")
    listed = tasks_of_list(
        user=user, task_list=task_list, filters=filters or TaskFilters(), today=today
    )
    # Only what a row needs, as plain rows: no list and campaign per task, no model instance
    # per task, category, unit or support (a model instance per support and unit was a third
    # of the job's CPU at 10,000; the task, its category and its unit took it from 709 to 993
    # ms, README "Load and faults", fourteenth pass).
    tasks = (
        listed.select_related(None)
        .prefetch_related(None)
        .annotate(latest_report=Subquery(latest.values("text")[:1]))
        .values(
            *_EXPORT_COLUMNS,
            *_EXPORT_OTHERS,
            category_name=F("category__name"),
            lead_name=F("lead_unit__name"),
        )
    )
    supporting: dict[int, list[str]] = {}
    targets_of: dict[int, list[Target]] = {}
    for target in Target.objects.filter(task__in=listed.values("pk")).order_by("order", "id"):
        targets_of.setdefault(target.task_id, []).append(target)
    for task_id, name in (
        TaskSupport.objects.filter(task__in=listed.values("pk"))
        .order_by("id")
        .values_list("task_id", "unit__name")
    ):
        supporting.setdefault(task_id, []).append(name)
    rows = []
    has_targets = False
    for task in tasks:
        targets = [_target_values(target) for target in targets_of.get(task["pk"], [])]
        has_targets = has_targets or bool(targets)
        rows.append(_export_task(task, supporting.get(task["pk"], []), targets))
    categories = list(
        Category.objects.filter(task_list=task_list)
        .order_by("order", "id")
        .values_list("code", "name")
    )
    if filters and filters.category:
        categories = [
            (code, name) for code, name in categories if any(r.category == name for r in rows)
        ]
    tail_headers = None
    with translation.override("zh-hans"):
        if not task_list.is_work:
            tail = export_columns(task_list=task_list, line_ids=[row.pk for row in rows], user=user)
            tail_headers = [str(header) for header in tail.headers]
            for row in rows:
                row.tail = tail.cells.get(row.pk, [None] * len(tail.headers))
        labels = _labels(has_targets or layout_has_targets(task_list))
    return export_workbook(
        task_list=task_list,
        tasks=rows,
        categories=categories,
        labels=labels,
        tail_headers=tail_headers,
    )


# A task's columns an export row takes as they are (``ExportTask``'s fields of those names).
_EXPORT_COLUMNS = (
    "pk",
    "code",
    "title",
    "content",
    "source",
    "principal_owner_name",
    "leader_in_charge_name",
    "specific_owner_name",
    "deadline",
    "deadline_text",
    "ongoing",
    "difficulty",
    "status",
    "progress",
)
# And those it takes under other names, or with a default.
_EXPORT_OTHERS = ("extra", "light_value", "latest_report", "last_report_at")


def _target_values(target: Target) -> dict[str, Any]:
    return {
        "metric": target.metric,
        "unit_of_measure": target.unit_of_measure,
        "target_value": target.target_value,
        "current_value": target.current_value,
        "baseline": target.baseline,
        "attainment": target.attainment,
        "order": target.order,
    }


def _export_task(
    task: dict[str, Any], supporting: list[str], targets: list[dict[str, Any]]
) -> ExportTask:
    """One exported row from the task's columns (``_EXPORT_COLUMNS``, ``_EXPORT_OTHERS``)."""
    return ExportTask(
        **{name: task[name] for name in _EXPORT_COLUMNS},
        category=task["category_name"],
        lead_unit=task["lead_name"],
        supporting_units=supporting,
        extra=task["extra"] or {},
        light=task["light_value"],
        latest_report=task["latest_report"] or "",
        latest_report_at=task["last_report_at"],
        targets=targets,
    )


def list_template(*, kind: str) -> bytes:
    """A blank list of one kind."""
    with translation.override("zh-hans"):
        label = dict(TaskList.Kind.choices).get(kind, "")
        label = label or "任务清单"
        title = f"（名称）{label}" if label.endswith("清单") else f"（名称）{label}清单"
    return template_workbook(kind=kind, title=title)
