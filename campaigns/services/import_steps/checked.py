"""The checked file kept with its preview, so that the confirm does not read it again.

A check stores, besides what the preview shows, what the file said once read and checked:
each row's task draft (``ListImportRow.draft``) and, in the preview's document under
``checked``, the sheets' layout, the categories, the issues not tied to a task and each
sheet's column headers (which every task of the sheet names its fields by: kept once, not
with each row, where they were 40% of a row's draft). The confirm
(``list_imports.list_import_run``) rebuilds the ImportSource from them and compares
it with the database once more under lock — the unit directory and the list's tasks are
what can have changed since; the file cannot. A check stored for another year (deadlines
such as 6月底前 take the campaign's) or in a form this code does not read (``READABLE``) is not
used: the file is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from campaigns.importing.drafts import (
    DraftCategory,
    Drafts,
    DraftTarget,
    DraftTask,
    Issue,
    Location,
)
from campaigns.importing.headers import HeaderMapping
from campaigns.importing.rows import ParsedSheet
from campaigns.services.import_steps.reading import ImportSource

VERSION = 2
#: Versions this code reads: 1 kept the column headers with every row.
READABLE = (1, 2)

_PLAIN = (
    "sheet",
    "row",
    "code",
    "order",
    "category",
    "title",
    "content",
    "source",
    "lead",
    "supporting",
    "lead_rest",
    "principal_owner_name",
    "leader_in_charge_name",
    "specific_owner_name",
    "deadline_text",
    "ongoing",
    "extra",
    "has_errors",
    "columns",
)
_DECIMALS = ("target_value", "current_value", "baseline")


def checked_drafts(source: ImportSource, year: int) -> tuple[dict[str, Any], Iterator[dict]]:
    """(what the preview's document keeps under ``checked``, each task's draft as JSON)."""
    drafts = source.drafts(default_year=year)
    by_row: dict[tuple[str, int | None], list[dict]] = {}
    places = {(task.sheet, task.row) for task in drafts.tasks}
    loose = []
    for issue in drafts.issues:
        place = (issue.sheet or "", issue.row)
        if place in places:
            by_row.setdefault(place, []).append(issue.as_dict())
        else:
            loose.append(issue.as_dict())
    headers: dict[str, dict[str, str]] = {}
    for task in drafts.tasks:
        headers.setdefault(task.sheet, task.columns)
    document = {
        "version": VERSION,
        "year": year,
        "filename": source.filename,
        "kind": source.kind,
        "sheets": [_sheet_json(sheet, source.size(sheet)) for sheet in source.sheets],
        "categories": [[c.name, c.code, c.order] for c in drafts.categories],
        "has_targets": drafts.has_targets,
        "issues": loose,
        "columns": headers,
    }
    rows = (
        _draft_json(task, by_row.pop((task.sheet, task.row), []), headers.get(task.sheet))
        for task in drafts.tasks
    )
    return document, rows


def checked_source(
    document: dict[str, Any] | None, rows: Iterable[dict | None], year: int
) -> ImportSource | None:
    """The ImportSource a check stored, or None when it cannot stand for the file."""
    if not document or document.get("version") not in READABLE or document.get("year") != year:
        return None
    sheets = [_sheet(data) for data in document["sheets"]]
    places = {sheet.name: Location(sheet, len(sheets) > 1) for sheet in sheets}
    issues = [_issue(data) for data in document["issues"]]
    tasks = []
    shared = _Shared(document.get("columns", {}))
    for data in rows:
        if data is None:  # stored before the rows kept their tasks
            return None
        task, row_issues = _draft(shared(data), places)
        tasks.append(task)
        issues += row_issues
    source = ImportSource(
        filename=document["filename"],
        kind=document["kind"],
        sheets=sheets,
        sizes={s["name"]: (s["rows"], s["categories_count"]) for s in document["sheets"]},
    )
    source._drafts[year] = Drafts(
        tasks=tasks,
        categories=[DraftCategory(*category) for category in document["categories"]],
        issues=issues,
        has_targets=document["has_targets"],
    )
    return source


def _mapping_json(mapping: HeaderMapping | None) -> dict[str, Any] | None:
    if mapping is None:
        return None
    return {"fields": mapping.fields, "extra": {str(k): v for k, v in mapping.extra.items()}}


def _mapping(data: dict[str, Any] | None) -> HeaderMapping | None:
    if data is None:
        return None
    return HeaderMapping(
        fields=dict(data["fields"]), extra={int(k): v for k, v in data["extra"].items()}
    )


def _sheet_json(sheet: ParsedSheet, size: tuple[int, int]) -> dict[str, Any]:
    return {
        "name": sheet.name,
        "header_row_index": sheet.header_row_index,
        "mapping": _mapping_json(sheet.mapping),
        "headers": sheet.headers,
        "title_rows": sheet.title_rows,
        "category_style": sheet.category_style,
        "detected": _mapping_json(sheet.detected),
        "source": sheet.source,
        "samples": {str(k): v for k, v in sheet.samples.items()},
        "rows": size[0],
        "categories_count": size[1],
    }


def _sheet(data: dict[str, Any]) -> ParsedSheet:
    mapping = _mapping(data["mapping"])
    assert mapping is not None
    return ParsedSheet(
        name=data["name"],
        header_row_index=data["header_row_index"],
        mapping=mapping,
        headers=data["headers"],
        categories=[],
        rows=[],
        title_rows=data["title_rows"],
        category_style=data["category_style"],
        detected=_mapping(data["detected"]),
        source=data["source"],
        samples={int(k): v for k, v in data["samples"].items()},
    )


def _decimal_text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _draft_json(
    task: DraftTask, issues: list[dict], headers: dict[str, str] | None
) -> dict[str, Any]:
    data = {name: getattr(task, name) for name in _PLAIN}
    if task.columns is headers or task.columns == headers:
        del data["columns"]  # the sheet's, kept once in the document
    data["deadline"] = task.deadline.isoformat() if task.deadline else None
    data["difficulty"] = _decimal_text(task.difficulty)
    data["targets"] = [
        {key: _decimal_text(value) for key, value in target.items()} for target in task.targets
    ]
    data["issues"] = issues
    return data


def _target(data: dict[str, Any]) -> DraftTarget:
    target = dict(data)
    for key in _DECIMALS:
        if target.get(key) is not None:
            target[key] = Decimal(target[key])
    return target  # type: ignore[return-value]


#: What many rows repeat: their sheet, category, units, people and deadline as written.
_REPEATED = (
    "sheet",
    "category",
    "lead",
    "principal_owner_name",
    "leader_in_charge_name",
    "specific_owner_name",
    "deadline_text",
)


class _Shared:
    """One object for each value that rows repeat (the columns' headers, unit names, the
    deadline as written …), as the check had them: decoded from JSON, every row would hold
    copies of its own (a 50,000-row file: some 100 MB more)."""

    def __init__(self, headers: dict[str, dict[str, str]]) -> None:
        self.headers = headers  # by sheet: what a row without columns of its own names
        self.texts: dict[str, str] = {}
        self.names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.columns: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def __call__(self, data: dict[str, Any]) -> dict[str, Any]:
        texts = self.texts
        for key in _REPEATED:
            value = data[key]
            if value.__class__ is str:
                data[key] = texts.setdefault(value, value)
        for key in ("supporting", "lead_rest"):
            names = tuple(texts.setdefault(name, name) for name in data[key])
            data[key] = self.names.setdefault(names, names)
        columns = data.get("columns")
        if columns is None:
            columns = self.headers[data["sheet"]]
        data["columns"] = self.columns.setdefault(tuple(columns.items()), columns)
        return data


def _draft(data: dict[str, Any], places: dict[str, Location]) -> tuple[DraftTask, list[Issue]]:
    task = DraftTask(
        **{name: data[name] for name in _PLAIN},
        deadline=dt.date.fromisoformat(data["deadline"]) if data["deadline"] else None,
        difficulty=Decimal(data["difficulty"]) if data["difficulty"] is not None else None,
        targets=[_target(target) for target in data["targets"]],
        locate=places.get(data["sheet"]),
    )
    return task, [_issue(issue) for issue in data["issues"]]


def _issue(data: dict[str, Any]) -> Issue:
    return Issue(
        level=data["level"],
        message=data["message"],
        row=data["row"],
        column=data["column"],
        sheet=data["sheet"],
        code=data["code"],
    )
