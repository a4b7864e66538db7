"""The checked file kept with its preview, so that the confirm does not read it again.

A check stores, besides what the preview shows, what the file said once read and checked:
each row's task draft (``ListImportRow.draft``) and, in the preview's document under
``checked``, the sheets' layout, the categories, the issues not tied to a task and each
sheet's column headers (which every task of the sheet names its fields by: kept once, not
with each row, where they were 40% of a row's draft). Since version 3 a row's draft is a JSON
array of the task's fields in the order the document names (``fields``), its issues last:
no key repeated in every row to encode, store and decode, and the task rebuilt from it
positionally (version 2's objects named each field in each row). The confirm
(``list_imports.list_import_run``) rebuilds the ImportSource from them and compares
it with the database once more under lock — the unit directory and the list's tasks are
what can have changed since; the file cannot. A check stored for another year (deadlines
such as 6月底前 take the campaign's) or in a form this code does not read (``READABLE``) is not
used: the file is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
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

VERSION = 3
#: Versions this code reads: 1 kept the column headers with every row, 1 and 2 each row's
#: draft as an object (``_draft``); 3 as an array (``_Positional``).
READABLE = (1, 2, 3)

#: A stored row's fields (version 3), in DraftTask's order, so that the task is made from
#: them positionally; the document keeps them, and a check stored in another order (the
#: class changed since) is not used: the file is read again.
FIELDS = tuple(f.name for f in dataclasses.fields(DraftTask) if f.name != "locate")
_DEADLINE, _DIFFICULTY = FIELDS.index("deadline"), FIELDS.index("difficulty")
_TARGETS, _COLUMNS = FIELDS.index("targets"), FIELDS.index("columns")
_SHEET = FIELDS.index("sheet")
_task_fields = operator.attrgetter(*FIELDS)

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


def checked_drafts(source: ImportSource, year: int) -> tuple[dict[str, Any], Iterator[list]]:
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
        "fields": FIELDS,
    }
    pop, sheet_headers = by_row.pop, headers.get

    def row(task: DraftTask) -> list:
        """A row's draft as stored (version 3): its fields in ``FIELDS`` order, then its
        issues (one call a row, mapped over the tasks: no generator besides)."""
        data = [*_task_fields(task), pop((task.sheet, task.row), [])]
        columns = task.columns
        if columns is (shared := sheet_headers(task.sheet)) or columns == shared:
            data[_COLUMNS] = None  # the sheet's, kept once in the document
        if task.deadline is not None:
            data[_DEADLINE] = task.deadline.isoformat()
        if task.difficulty is not None:
            data[_DIFFICULTY] = str(task.difficulty)
        if task.targets:
            data[_TARGETS] = [
                {key: _decimal_text(value) for key, value in target.items()}
                for target in task.targets
            ]
        return data

    return document, map(row, drafts.tasks)


def checked_source(
    document: dict[str, Any] | None, rows: Iterable[dict | list | None], year: int
) -> ImportSource | None:
    """The ImportSource a check stored, or None when it cannot stand for the file."""
    if not document or document.get("version") not in READABLE or document.get("year") != year:
        return None
    if document["version"] >= 3 and tuple(document.get("fields", ())) != FIELDS:
        return None
    sheets = [_sheet(data) for data in document["sheets"]]
    places = {sheet.name: Location(sheet, len(sheets) > 1) for sheet in sheets}
    issues = [_issue(data) for data in document["issues"]]
    tasks = []
    shared = _Shared(document.get("columns", {}))
    positional = _Positional(shared, places)
    for data in rows:
        if data is None:  # stored before the rows kept their tasks
            return None
        if isinstance(data, list):
            task, row_issues = positional(data)
        else:
            task, row_issues = _draft(shared(data), places)
        tasks.append(task)
        if row_issues:
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


class _Positional:
    """A stored row of version 3 (an array in ``FIELDS`` order, its issues last) → its task,
    the values rows repeat shared as ``_Shared`` shares them."""

    _repeated = tuple(FIELDS.index(name) for name in _REPEATED)
    _names = (FIELDS.index("supporting"), FIELDS.index("lead_rest"))

    def __init__(self, shared: _Shared, places: dict[str, Location]) -> None:
        self.shared, self.places = shared, places
        self.repeated_of = operator.itemgetter(*self._repeated)
        # What a row without columns of its own names: its sheet's headers, shared once here
        # rather than looked up by their items in every row.
        self.sheet_columns = {
            sheet: shared.columns.setdefault(tuple(headers.items()), headers)
            for sheet, headers in shared.headers.items()
        }

    def __call__(self, data: list) -> tuple[DraftTask, list[Issue]]:
        shared = self.shared
        texts, names = shared.texts, shared.names
        issues = data.pop()
        # The repeated values shared in C (a None is its own: shared as well, harmlessly).
        repeated = self.repeated_of(data)
        s0, s1, s2, s3, s4, s5, s6 = self._repeated
        data[s0], data[s1], data[s2], data[s3], data[s4], data[s5], data[s6] = map(
            texts.setdefault, repeated, repeated
        )
        n0, n1 = self._names
        written = data[n0]
        parts = tuple(map(texts.setdefault, written, written))  # each name shared, in C
        data[n0] = names.setdefault(parts, parts)
        written = data[n1]
        parts = tuple(map(texts.setdefault, written, written))
        data[n1] = names.setdefault(parts, parts)
        columns = data[_COLUMNS]
        if columns is None:
            data[_COLUMNS] = self.sheet_columns[data[_SHEET]]
        else:
            data[_COLUMNS] = shared.columns.setdefault(tuple(columns.items()), columns)
        if data[_DEADLINE] is not None:
            data[_DEADLINE] = dt.date.fromisoformat(data[_DEADLINE])
        if data[_DIFFICULTY] is not None:
            data[_DIFFICULTY] = Decimal(data[_DIFFICULTY])
        if data[_TARGETS]:
            data[_TARGETS] = [_target(target) for target in data[_TARGETS]]
        task = DraftTask(*data)
        task.locate = self.places.get(task.sheet)
        return task, [_issue(issue) for issue in issues] if issues else issues


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
