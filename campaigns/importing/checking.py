"""Checking: parsed sheets → task drafts, every value checked, every problem named by row and
column.

This is the last step that needs no database: codes are made unique (or duplicates flagged,
numbering.py), unit cells are split into a lead and supporting names, deadlines are read,
targets become numbers (fields.py), long or malformed values are caught. Unit names are
resolved later, against the directory, by the import service.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .cells import cell_json, cell_text
from .deadlines import ParsedDeadline
from .drafts import (
    ERROR,
    MAX_CATEGORY,
    MAX_CATEGORY_CODE,
    MAX_CODE,
    MAX_NAME,
    MAX_SOURCE,
    MAX_TITLE,
    WARNING,
    DraftCategory,
    Drafts,
    DraftTask,
    Issue,
    Location,
    RowProblems,
)
from .fields import Units, read_deadline, read_difficulty, read_units
from .headers import extra_keys
from .numbering import number_tasks
from .rows import CellValue, ParsedRow, ParsedSheet
from .safety import column_letter
from .targets import TargetGroup, read_targets, row_cells, target_groups

__all__ = ["build_drafts"]


def build_drafts(
    sheets: Sequence[ParsedSheet], *, default_year: int, max_rows: int | None = None
) -> Drafts:
    """Check every row of the parsed sheets and make task drafts of them."""
    if not sheets:
        return Drafts(tasks=[], categories=[], issues=[_no_table()])
    categories = _categories(sheets)
    check = _Check(default_year=default_year, many=len(sheets) > 1)
    for sheet in sheets:
        check.sheet(sheet)
    tasks, issues = check.tasks, check.issues
    if max_rows is not None and len(tasks) > max_rows:
        issues.insert(
            0,
            Issue(
                ERROR,
                _("The file holds %(count)s tasks; at most %(limit)s can be imported at once.")
                % {"count": f"{len(tasks):,}", "limit": f"{max_rows:,}"},
                code="too_many_rows",
            ),
        )
    if not tasks and not any(issue.level == ERROR for issue in issues):
        issues.append(
            Issue(ERROR, _("The table has a header row but no task under it."), code="no_rows")
        )
    number_tasks(tasks, categories, issues)
    return Drafts(
        tasks=tasks,
        categories=list(categories.values()),
        issues=issues,
        has_targets=check.has_targets,
    )


def _no_table() -> Issue:
    return Issue(
        ERROR,
        _(
            "No table of tasks was found. The header row needs a task column (任务, "
            "工作任务, 事项名称 …) and at least two of 序号, 责任单位/牵头单位, 完成时限."
        ),
        code="no_header",
    )


def _categories(sheets: Sequence[ParsedSheet]) -> dict[str, DraftCategory]:
    """Every sheet's categories, by name as the rows give it, in order of first appearance."""
    categories: dict[str, DraftCategory] = {}
    for sheet in sheets:
        for category in sheet.categories:
            if category.name not in categories:
                name = category.name[:MAX_CATEGORY]
                code = (category.numbering or category.code or "")[:MAX_CATEGORY_CODE]
                categories[category.name] = DraftCategory(
                    name=name, code=code, order=len(categories)
                )
    return categories


def _column_header(sheet: ParsedSheet, column: int) -> str:
    if 0 <= column < len(sheet.headers) and sheet.headers[column]:
        return sheet.headers[column]
    return column_letter(column)


@dataclass
class _Sheet:
    """What every row of one sheet is checked with."""

    sheet: ParsedSheet
    where: Location
    columns: dict[str, str]  # field → header, for messages
    extra_columns: dict[str, int]  # extra column's key → column
    formula_columns: dict[int, str]  # column → header, for formula warnings
    target_groups: list[TargetGroup]

    @classmethod
    def of(cls, sheet: ParsedSheet, many: bool) -> _Sheet:
        fields = sheet.mapping.fields
        columns = {fld: _column_header(sheet, column) for fld, column in fields.items()}
        extra_columns = {key: column for column, key in extra_keys(sheet.mapping).items()}
        formula_columns = {c: columns[f] for f, c in fields.items()}
        formula_columns.update({c: k for k, c in extra_columns.items()})
        groups = target_groups(sheet.mapping, sheet.headers)
        return cls(sheet, Location(sheet, many), columns, extra_columns, formula_columns, groups)


@dataclass
class _Check:
    """Checks the rows of one sheet after another, collecting drafts and issues."""

    default_year: int
    many: bool
    tasks: list[DraftTask] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    has_targets: bool = False
    # The same deadline text and the same pair of unit cells recur on many rows: read once.
    deadlines: dict[tuple[type, Any], ParsedDeadline] = field(default_factory=dict)
    units: dict[tuple[CellValue, CellValue], Units] = field(default_factory=dict)

    def sheet(self, sheet: ParsedSheet) -> None:
        context = _Sheet.of(sheet, self.many)
        if context.target_groups:
            self.has_targets = True
        if sheet.source == "sheet":
            self.issues += _missing_columns(sheet, context.where)
        for parsed in sheet.rows:
            self.row(context, parsed)

    def row(self, context: _Sheet, parsed: ParsedRow) -> None:
        sheet = context.sheet
        row = parsed.row_number
        problem = RowProblems(context.where, row, sheet.name)
        for note in parsed.warnings:
            problem(WARNING, None, note, "reader")
        if parsed.skipped:
            self.issues.extend(problem.issues)
            return
        if sheet.formula_cells:
            _formulas(context, row, problem)
        values, columns = parsed.values, context.columns
        task = DraftTask(
            sheet=sheet.name,
            row=row,
            code=cell_text(values.get("code")),
            order=len(self.tasks) + 1,
            category=parsed.category[:MAX_CATEGORY] if parsed.category else None,
            title=cell_text(values.get("title")),
            columns=columns,
            locate=context.where,
        )
        _read_texts(task, values, columns, problem)
        read_units(task, values, columns, self.units, problem, sheet.source)
        read_deadline(task, values, columns, self.default_year, self.deadlines, problem)
        if "difficulty" in values:  # most files give none: no call then
            read_difficulty(task, values, columns, problem)
        skip: Set[int] = _NO_COLUMNS
        if context.target_groups:
            cells = row_cells(sheet.mapping, values, parsed.extra, sheet.headers)
            task.targets = read_targets(context.target_groups, cells, problem)
            skip = _target_columns(context, task)
        task.extra = _extra(context, parsed, skip)
        issues = problem.issues  # most rows have none: no generator to make and run then
        task.has_errors = bool(issues) and any(issue.level == ERROR for issue in issues)
        self.issues.extend(problem.issues)
        self.tasks.append(task)


def _missing_columns(sheet: ParsedSheet, where: Location) -> list[Issue]:
    """A sheet needs a column for the task and one for its lead unit."""
    fields = sheet.mapping.fields
    issues = []
    if "lead_unit" not in fields:
        issues.append(
            Issue(
                ERROR,
                _(
                    "%(where)s: no column names the lead unit (责任单位 / 牵头单位). "
                    "Choose it in the column mapping."
                )
                % {"where": where(None)},
                sheet=sheet.name,
                code="no_lead_column",
            )
        )
    if "title" not in fields:
        issues.append(
            Issue(
                ERROR,
                _("%(where)s: no column holds the task. Choose it in the column mapping.")
                % {"where": where(None)},
                sheet=sheet.name,
                code="no_title_column",
            )
        )
    return issues


def _formulas(context: _Sheet, row: int, problem: RowProblems) -> None:
    for column, header in context.formula_columns.items():
        if (row - 1, column) in context.sheet.formula_cells:
            problem(
                WARNING,
                header,
                _(
                    "the cell holds a formula; its last calculated value was "
                    "imported (a formula never saved by Excel counts as empty)."
                ),
                "formula",
            )


def _read_texts(
    task: DraftTask, values: dict[str, CellValue], columns: dict[str, str], problem: RowProblems
) -> None:
    """Title, number, content, source and the people's names, within the model's limits
    (a text cell read inline, the checks called only for a value that needs them: this runs
    for every row)."""
    if not task.title or len(task.title) > MAX_TITLE:
        _check_title(task, values, columns, problem)
    if len(task.code) > MAX_CODE:
        problem(
            ERROR,
            columns.get("code"),
            _("the number “%(code)s” is longer than %(limit)s characters.")
            % {"code": task.code[:40], "limit": MAX_CODE},
            "code_long",
        )
    get = values.get
    if (content := get("content")) is not None:
        task.content = content.strip() if type(content) is str else cell_text(content)
    if (source := get("source")) is not None:
        source = source.strip() if type(source) is str else cell_text(source)
        if len(source) > MAX_SOURCE:
            problem(
                WARNING,
                columns.get("source"),
                _("longer than %(limit)s characters; shortened.") % {"limit": MAX_SOURCE},
                "source_long",
            )
            source = source[:MAX_SOURCE]
        task.source = source
    # Most files name no one: nothing to read or to check then.
    if (name := get("principal_owner")) is not None:
        task.principal_owner_name = _name(name, columns, "principal_owner", problem)
    if (name := get("leader_in_charge")) is not None:
        task.leader_in_charge_name = _name(name, columns, "leader_in_charge", problem)
    if (name := get("specific_owner")) is not None:
        task.specific_owner_name = _name(name, columns, "specific_owner", problem)


def _check_title(
    task: DraftTask, values: dict[str, CellValue], columns: dict[str, str], problem: RowProblems
) -> None:
    if not task.title:
        problem(ERROR, columns.get("title"), _("the task is empty."), "title_missing")
    elif len(task.title) <= MAX_TITLE:
        return
    elif values.get("content") is None:
        task.content = task.title
        task.title = task.title[: MAX_TITLE - 1] + "…"
        problem(
            WARNING,
            columns.get("title"),
            _(
                "the task is longer than %(limit)s characters; it was shortened "
                "and the whole text kept as its content."
            )
            % {"limit": MAX_TITLE},
            "title_long",
        )
    else:
        problem(
            ERROR,
            columns.get("title"),
            _("the task is longer than %(limit)s characters.") % {"limit": MAX_TITLE},
            "title_long",
        )


def _name(value: CellValue, columns: dict[str, str], fld: str, problem: RowProblems) -> str:
    name = value.strip() if type(value) is str else cell_text(value)
    if len(name) > MAX_NAME:
        problem(
            ERROR,
            columns.get(fld),
            _("“%(text)s…” is longer than %(limit)s characters: is this column mapped right?")
            % {"text": name[:20], "limit": MAX_NAME},
            "name_long",
        )
        name = name[:MAX_NAME]
    return name


#: The columns a row without targets keeps out of its extras: none.
_NO_COLUMNS: frozenset[int] = frozenset()


def _target_columns(context: _Sheet, task: DraftTask) -> set[int]:
    """The columns of the row's targets: their values live in the targets, not as extras (a
    target that could not be read keeps its cells as written)."""
    read = {target["order"] for target in task.targets}
    return {
        column
        for group in context.target_groups
        if group.order in read
        for column in group.columns.values()
    }


def _extra(context: _Sheet, parsed: ParsedRow, skip: Set[int]) -> dict[str, Any]:
    """The extra columns' values (and the note), kept on the task under their headers."""
    extra = {}
    for key, column in context.extra_columns.items():
        if column in skip:
            continue
        value = parsed.extra.get(key)
        if value is not None:
            extra[key] = cell_json(value)
    note = parsed.values.get("note")
    if note is not None:
        extra[context.columns["note"]] = note if type(note) is str else cell_json(note)
    return extra
