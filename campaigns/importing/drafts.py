"""Turn parsed rows into task drafts: every value checked, every problem named by row and column.

This is the last step that needs no database: codes are made unique (or duplicates flagged),
unit cells are split into a lead and supporting names, deadlines are read, targets become
numbers, long or malformed values are caught. Unit names are resolved later, against the
directory, by the import service.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .deadlines import ParsedDeadline, parse_deadline
from .safety import column_letter
from .units import pick_lead, split_units
from .workbook import CellValue, ParsedSheet

__all__ = [
    "DraftCategory",
    "DraftTask",
    "Drafts",
    "Issue",
    "build_drafts",
    "extra_keys",
    "guess_kind",
    "list_title",
]

# Model limits (tasks.Task, campaigns.Category, accounts.Unit).
MAX_CODE = 30
MAX_TITLE = 500
MAX_SOURCE = 200
MAX_NAME = 50
MAX_DEADLINE_TEXT = 100
MAX_CATEGORY = 200
MAX_CATEGORY_CODE = 20
MAX_UNIT = 100
MAX_METRIC = 200
MAX_TARGET = Decimal("999999999999.99")

ERROR = "error"
WARNING = "warning"

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_UOM = re.compile(r"[（(]\s*([^()（）]{1,10})\s*[)）]\s*$")


@dataclass(frozen=True)
class Issue:
    """A problem with the file, named by sheet, row and column; ``message`` says it all."""

    level: str
    message: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "row": self.row,
            "column": self.column,
            "sheet": self.sheet,
            "message": self.message,
            "code": self.code,
        }


@dataclass(frozen=True)
class DraftCategory:
    name: str
    code: str  # the number as printed: 一 / （一）
    order: int


@dataclass
class DraftTask:
    """One task as the file says it, checked; unit names are still names."""

    sheet: str
    row: int
    code: str
    order: int
    category: str | None
    title: str
    content: str = ""
    source: str = ""
    lead: str | None = None
    supporting: list[str] = field(default_factory=list)
    lead_rest: list[str] = field(default_factory=list)  # the supporting units of the lead cell
    principal_owner_name: str = ""
    leader_in_charge_name: str = ""
    specific_owner_name: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""
    ongoing: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    has_errors: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # field → header, for messages
    # Words for a place in this row: where(column) → 第5行“责任单位”列.
    locate: Any = field(default=None, repr=False, compare=False)

    def where(self, column: str | None = None) -> str:
        if self.locate is None:
            return _("Row %(row)s") % {"row": self.row}
        return self.locate(self.row, column)


@dataclass
class Drafts:
    tasks: list[DraftTask]
    categories: list[DraftCategory]
    issues: list[Issue]
    # Whether the file has target columns (so a re-import may change targets).
    has_targets: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == ERROR]


def list_title(sheets: Sequence[ParsedSheet]) -> str:
    """The list's name as the file prints it: the first title row, else the sheet's name."""
    for sheet in sheets:
        for text in sheet.title_rows:
            if "：" in text[:8] or ":" in text[:8]:
                continue  # 填报单位：… is not a title
            return re.sub(r"\s+", "", text)[:200]
    for sheet in sheets:
        if sheet.source == "sheet" and not re.fullmatch(r"(?i)sheet\d*", sheet.name):
            return sheet.name[:200]
    return ""


_KIND_HINTS = (
    ("policy", ("政策文件名称", "文号", "政策条款摘要", "政策解读人")),
    ("service", ("事项名称", "办理时限", "申请材料")),
    ("checklist", ("检查内容", "检查事项", "问题")),
    ("measure", ("措施名称", "激励惩戒措施")),
)


def guess_kind(sheets: Sequence[ParsedSheet]) -> str:
    """The list kind its headers suggest (TaskList.Kind value)."""
    headers = " ".join(h for sheet in sheets for h in sheet.headers if h)
    for kind, words in _KIND_HINTS:
        if any(word in headers for word in words):
            return kind
    return "reform"


class _Location:
    """Words for where a problem is: 第5行“责任单位”列 / “工程建设”表第5行 / 第12段."""

    def __init__(self, sheet: ParsedSheet, many_sheets: bool):
        self.sheet = sheet
        self.many = many_sheets

    def __call__(self, row: int | None, column: str | None = None) -> str:
        name = self.sheet.name
        if self.sheet.source == "text":
            if column:
                return _("Paragraph %(row)s, “%(column)s”") % {"row": row, "column": column}
            return _("Paragraph %(row)s") % {"row": row}
        if row is None:
            return _("Sheet “%(sheet)s”") % {"sheet": name}
        if self.many:
            if column:
                return _("Sheet “%(sheet)s”, row %(row)s, column “%(column)s”") % {
                    "sheet": name,
                    "row": row,
                    "column": column,
                }
            return _("Sheet “%(sheet)s”, row %(row)s") % {"sheet": name, "row": row}
        if column:
            return _("Row %(row)s, column “%(column)s”") % {"row": row, "column": column}
        return _("Row %(row)s") % {"row": row}


class _RowProblems:
    """Collects one row's issues; called as problem(level, column, message, code)."""

    def __init__(self, where: _Location, row: int, sheet: str):
        self.where = where
        self.row = row
        self.sheet = sheet
        self.issues: list[Issue] = []

    def __call__(self, level: str, column: str | None, message: str, code: str) -> None:
        self.issues.append(
            Issue(
                level,
                f"{self.where(self.row, column)}：{message}",
                row=self.row,
                column=column,
                sheet=self.sheet,
                code=code,
            )
        )


def _text(value: CellValue) -> str:
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _json_value(value: CellValue) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return _text(value) if not isinstance(value, dt.time | dt.timedelta) else str(value)
    return value


def _number(value: CellValue) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "")
        match = _NUMBER.search(text)
        if not match:
            return None
        number = Decimal(match[0])
    try:
        return number.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _column_header(sheet: ParsedSheet, column: int) -> str:
    if 0 <= column < len(sheet.headers) and sheet.headers[column]:
        return sheet.headers[column]
    return column_letter(column)


def build_drafts(
    sheets: Sequence[ParsedSheet], *, default_year: int, max_rows: int | None = None
) -> Drafts:
    """Check every row of the parsed sheets and make task drafts of them."""
    issues: list[Issue] = []
    tasks: list[DraftTask] = []
    categories: dict[str, DraftCategory] = {}
    deadline_cache: dict[tuple[type, Any], ParsedDeadline] = {}
    units_cache: dict[tuple, _Units] = {}
    many = len(sheets) > 1
    has_targets = False

    if not sheets:
        issues.append(
            Issue(
                ERROR,
                _(
                    "No table of tasks was found. The header row needs a task column (任务, "
                    "工作任务, 事项名称 …) and at least two of 序号, 责任单位/牵头单位, 完成时限."
                ),
                code="no_header",
            )
        )
        return Drafts(tasks=[], categories=[], issues=issues)

    for sheet in sheets:
        for category in sheet.categories:
            if category.name not in categories:
                name = category.name[:MAX_CATEGORY]
                code = (category.numbering or category.code or "")[:MAX_CATEGORY_CODE]
                categories[category.name] = DraftCategory(
                    name=name, code=code, order=len(categories)
                )

    for sheet in sheets:
        where = _Location(sheet, many)
        fields = sheet.mapping.fields
        columns = {fld: _column_header(sheet, column) for fld, column in fields.items()}
        extra_columns = {key: column for column, key in extra_keys(sheet).items()}
        if "target_metric" in fields or "target_value" in fields:
            has_targets = True
        if sheet.source == "sheet" and "lead_unit" not in fields:
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
        if sheet.source == "sheet" and "title" not in fields:
            issues.append(
                Issue(
                    ERROR,
                    _("%(where)s: no column holds the task. Choose it in the column mapping.")
                    % {"where": where(None)},
                    sheet=sheet.name,
                    code="no_title_column",
                )
            )
        formula_columns = {c: columns[f] for f, c in fields.items()}
        formula_columns.update({c: k for k, c in extra_columns.items()})

        for parsed in sheet.rows:
            row = parsed.row_number
            values = parsed.values
            problem = _RowProblems(where, row, sheet.name)
            row_issues = problem.issues

            for note in parsed.warnings:
                problem(WARNING, None, note, "reader")
            if parsed.skipped:
                issues.extend(row_issues)
                continue
            if sheet.formula_cells:
                for column, header in formula_columns.items():
                    if (row - 1, column) in sheet.formula_cells:
                        problem(
                            WARNING,
                            header,
                            _(
                                "the cell holds a formula; its last calculated value was "
                                "imported (a formula never saved by Excel counts as empty)."
                            ),
                            "formula",
                        )

            task = DraftTask(
                sheet=sheet.name,
                row=row,
                code=_text(values.get("code")),
                order=len(tasks) + 1,
                category=parsed.category[:MAX_CATEGORY] if parsed.category else None,
                title=_text(values.get("title")),
                columns=columns,
                locate=where,
            )
            if not task.title:
                problem(ERROR, columns.get("title"), _("the task is empty."), "title_missing")
            elif len(task.title) > MAX_TITLE:
                if values.get("content") is None:
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
            if len(task.code) > MAX_CODE:
                problem(
                    ERROR,
                    columns.get("code"),
                    _("the number “%(code)s” is longer than %(limit)s characters.")
                    % {"code": task.code[:40], "limit": MAX_CODE},
                    "code_long",
                )
            if values.get("content") is not None:
                task.content = _text(values["content"])
            source = _text(values.get("source"))
            if len(source) > MAX_SOURCE:
                problem(
                    WARNING,
                    columns.get("source"),
                    _("longer than %(limit)s characters; shortened.") % {"limit": MAX_SOURCE},
                    "source_long",
                )
                source = source[:MAX_SOURCE]
            task.source = source

            for fld in ("principal_owner", "leader_in_charge", "specific_owner"):
                name = _text(values.get(fld))
                if len(name) > MAX_NAME:
                    problem(
                        ERROR,
                        columns.get(fld),
                        _(
                            "“%(text)s…” is longer than %(limit)s characters: is this column "
                            "mapped right?"
                        )
                        % {"text": name[:20], "limit": MAX_NAME},
                        "name_long",
                    )
                    name = name[:MAX_NAME]
                setattr(task, f"{fld}_name", name)

            _read_units(task, values, columns, units_cache, problem, sheet.source)
            _read_deadline(task, values, columns, default_year, deadline_cache, problem)
            _read_targets(task, values, columns, problem)

            extra = {}
            for key in extra_columns:
                value = parsed.extra.get(key)
                if value is not None:
                    extra[key] = _json_value(value)
            if values.get("note") is not None:
                extra[columns["note"]] = _json_value(values["note"])
            task.extra = extra

            task.has_errors = any(issue.level == ERROR for issue in row_issues)
            issues.extend(row_issues)
            tasks.append(task)

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
            Issue(
                ERROR,
                _("The table has a header row but no task under it."),
                code="no_rows",
            )
        )
    _number_tasks(tasks, categories, issues)
    return Drafts(
        tasks=tasks, categories=list(categories.values()), issues=issues, has_targets=has_targets
    )


def extra_keys(sheet: ParsedSheet) -> dict[int, str]:
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for column, text in sorted(sheet.mapping.extra.items()):
        seen[text] = seen.get(text, 0) + 1
        keys[column] = text if seen[text] == 1 else f"{text}#{seen[text]}"
    return keys


@dataclass(frozen=True)
class _Units:
    """What a pair of unit cells says; the same pair recurs on many rows, so it is cached."""

    lead: str | None
    lead_rest: tuple[str, ...]
    supporting: tuple[str, ...]
    marked: int  # units marked （牵头）
    named: int  # units in the lead cell
    lead_marked: bool
    too_long: tuple[str, ...]


def _units(lead_value: CellValue, supporting_value: CellValue) -> _Units:
    lead_mentions = split_units(_text(lead_value))
    lead, rest = pick_lead(lead_mentions)
    lead_rest = tuple(m.name for m in rest)
    names = [*lead_rest, *(m.name for m in split_units(_text(supporting_value)))]
    lead_name = lead.name if lead else None
    supporting = tuple(name for name in dict.fromkeys(names) if name != lead_name)
    return _Units(
        lead=lead_name,
        lead_rest=lead_rest,
        supporting=supporting,
        marked=sum(m.marked_lead for m in lead_mentions),
        named=len(lead_mentions),
        lead_marked=bool(lead and lead.marked_lead),
        too_long=tuple(n for n in (lead_name, *supporting) if n and len(n) > MAX_UNIT),
    )


def _read_units(task, values, columns, cache, problem, source) -> None:
    key = (values.get("lead_unit"), values.get("supporting_units"))
    units = cache.get(key)
    if units is None:
        units = cache[key] = _units(*key)
    column = columns.get("lead_unit")
    task.lead = units.lead
    task.lead_rest = list(units.lead_rest)
    task.supporting = list(units.supporting)
    if units.lead is None:
        if column or source == "text":
            problem(
                ERROR,
                column or _("lead unit"),
                _("no lead unit is named; every task needs exactly one."),
                "lead_missing",
            )
    elif units.marked > 1:
        problem(
            WARNING,
            column,
            _("several units are marked as lead; %(unit)s leads, the others support.")
            % {"unit": units.lead},
            "many_leads",
        )
    elif units.named > 1 and source == "text" and not units.lead_marked:
        problem(
            WARNING,
            column or _("lead unit"),
            _("%(count)s lead units are named; %(unit)s leads, the others support.")
            % {"count": units.named, "unit": units.lead},
            "many_leads",
        )
    for name in units.too_long:
        problem(
            ERROR,
            column,
            _("“%(text)s…” is too long for a unit name: is this column mapped right?")
            % {"text": name[:20]},
            "unit_long",
        )


def _read_deadline(task, values, columns, default_year, cache, problem) -> None:
    value = values.get("deadline")
    if value is None:
        return
    key = (type(value), value)
    parsed = cache.get(key)
    if parsed is None:
        parsed = cache[key] = parse_deadline(value, default_year=default_year)
    column = columns.get("deadline")
    text = parsed.text
    if len(text) > MAX_DEADLINE_TEXT:
        problem(
            WARNING,
            column,
            _("longer than %(limit)s characters; shortened.") % {"limit": MAX_DEADLINE_TEXT},
            "deadline_long",
        )
        text = text[:MAX_DEADLINE_TEXT]
    task.deadline_text = text
    task.deadline = parsed.date
    task.ongoing = parsed.ongoing and parsed.date is None
    if not parsed.understood:
        problem(
            WARNING,
            column,
            _(
                "“%(text)s” is not a deadline the importer understands (e.g. 2020年6月底前, "
                "2020.9.30, 6月底前, 2021年第三季度, 长期坚持); the text is kept without a date."
            )
            % {"text": text},
            "deadline_unreadable",
        )


def _read_targets(task, values, columns, problem) -> None:
    metric = _text(values.get("target_metric"))
    target_raw = values.get("target_value")
    if not metric and target_raw is None:
        return
    column = columns.get("target_value") or columns.get("target_metric")
    target = _number(target_raw)
    if target is None:
        problem(
            WARNING,
            column,
            _("the target value “%(value)s” is not a number; the target was not imported.")
            % {"value": _text(target_raw)},
            "target_value",
        )
        return
    current = _number(values.get("current_value"))
    baseline = _number(values.get("baseline"))
    if any(n is not None and abs(n) > MAX_TARGET for n in (target, current, baseline)):
        problem(
            WARNING,
            column,
            _("the number is too large; the target was not imported."),
            "target_value",
        )
        return
    metric = metric or (columns.get("target_value") or "")
    uom = ""
    found = _UOM.search(metric)
    if found:
        uom = found[1]
    elif isinstance(target_raw, str) and target_raw.strip().endswith(("%", "％")):
        uom = "%"
    reference = baseline if baseline is not None else current
    task.targets = [
        {
            "metric": metric[:MAX_METRIC],
            "unit_of_measure": uom[:30],
            "target_value": target,
            "current_value": current,
            "baseline": baseline if baseline is not None else current,
            "direction": "lower" if reference is not None and target < reference else "higher",
        }
    ]


def _number_tasks(
    tasks: list[DraftTask], categories: dict[str, DraftCategory], issues: list[Issue]
) -> None:
    """Fill in missing numbers; qualify numbers that restart in each category; flag the rest."""
    codes = [task.code for task in tasks]
    if "" not in codes and len(set(codes)) == len(codes):
        return  # the usual case: every task numbered, each number once
    used = {task.code for task in tasks if task.code}
    for task in tasks:
        if task.code:
            continue
        candidate = str(task.order)
        while candidate in used:
            candidate = f"{candidate}'"
        task.code = candidate
        used.add(candidate)
        issues.append(
            Issue(
                WARNING,
                _(
                    "%(where)s: no number; numbered %(code)s by its position (a re-import "
                    "matches it by that number)."
                )
                % {"where": _("Row %(row)s") % {"row": task.row}, "code": candidate},
                row=task.row,
                column=task.columns.get("code"),
                sheet=task.sheet,
                code="code_missing",
            )
        )
    rows_by_code: dict[str, list[DraftTask]] = defaultdict(list)
    for task in tasks:
        rows_by_code[task.code].append(task)
    if all(len(group) == 1 for group in rows_by_code.values()):
        return

    def prefix(task: DraftTask) -> str:
        category = categories.get(task.category or "")
        if category is None:
            return ""
        number = category.code.strip("（）()") or str(category.order + 1)
        return f"{number}-"

    qualified = [f"{prefix(task)}{task.code}" for task in tasks]
    if len(set(qualified)) == len(qualified) and all(prefix(t) for t in tasks):
        for task, code in zip(tasks, qualified, strict=True):
            task.code = code[:MAX_CODE]
        issues.append(
            Issue(
                WARNING,
                _(
                    "Numbers start again in each category, so each number was given its "
                    "category's number in front (for example %(code)s); a re-import matches "
                    "tasks by these numbers."
                )
                % {"code": qualified[0]},
                code="codes_qualified",
            )
        )
        return
    for code, group in rows_by_code.items():
        if len(group) < 2:
            continue
        first = group[0]
        for task in group[1:]:
            task.has_errors = True
            issues.append(
                Issue(
                    ERROR,
                    _("%(where)s: number %(code)s is used again (first in row %(first)s).")
                    % {
                        "where": _("Row %(row)s") % {"row": task.row}
                        if task.sheet == first.sheet
                        else _("Sheet “%(sheet)s”, row %(row)s")
                        % {"sheet": task.sheet, "row": task.row},
                        "code": code,
                        "first": first.row,
                    },
                    row=task.row,
                    column=task.columns.get("code"),
                    sheet=task.sheet,
                    code="code_duplicate",
                )
            )
