"""Write a list back to .xlsx in the layout it came in, with how each task stands.

The headers, their order, the title rows, the category rows (一、… （14项）) or category column
or one sheet per category are those of the imported file (``TaskList.layout``); the progress
columns are appended: 任务状态, 完成进度（%）, 预警, 最新进展, 进展更新时间 and, for lists with
targets, 指标完成情况. Re-importing the file gives the same tasks: the importer recognises
those columns and ignores them.

Every text cell that a spreadsheet would run (beginning with = + - @, a tab or a carriage
return) is written with a leading apostrophe, so that no formula in a task's text ever runs on
the reader's machine; the importer removes it again.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.cell_range import MultiCellRange

from campaigns.importing.headers import HeaderMapping, map_headers
from campaigns.importing.targets import TargetGroup, target_groups
from campaigns.models import TaskList, heading
from config.xlsx import column_letter

__all__ = [
    "KIND_HEADERS",
    "PROGRESS_HEADERS",
    "ExportTask",
    "escape_cell",
    "export_workbook",
    "layout_has_targets",
    "template_workbook",
]

#: A blank template per list kind: the columns of the published lists of that kind.
KIND_HEADERS: dict[str, list[str]] = {
    TaskList.Kind.REFORM: [
        "序号",
        "改革攻坚任务",
        "具体目标",
        "任务来源",
        "责任单位",
        "主要责任人",
        "分管责任人",
        "具体责任人",
        "完成时限",
        "备注",
    ],
    TaskList.Kind.POLICY: [
        "序号",
        "政策文件名称",
        "文号",
        "政策条款摘要",
        "发布单位",
        "执行单位",
        "政策解读人",
        "联系电话",
    ],
    TaskList.Kind.SERVICE: [
        "序号",
        "类别",
        "事项名称",
        "实施单位",
        "现办理时限（工作日）",
        "目标办理时限（工作日）",
        "现申请材料（件）",
        "目标申请材料（件）",
        "是否实现网办即办",
        "是否下放镇街",
        "完成时限",
        "具体责任人",
    ],
    # Questions and measures are not work: no deadline column (as in the published samples,
    # supervision-checklist.xlsx and incentive-measures.xlsx).
    TaskList.Kind.CHECKLIST: [
        "序号",
        "类别",
        "检查内容",
        "责任单位",
        "配合单位",
        "检查方式",
        "备注",
    ],
    TaskList.Kind.MEASURE: ["序号", "措施名称", "具体内容", "实施单位", "配合单位", "备注"],
}

#: The progress columns appended to an export (the importer ignores them).
PROGRESS_HEADERS = ["任务状态", "完成进度（%）", "预警", "最新进展", "进展更新时间"]
TARGETS_HEADER = "指标完成情况"

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)


def escape_cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


@dataclass
class ExportTask:
    """What one exported row needs, read from the database by the selector."""

    code: str
    title: str
    content: str
    source: str
    category: str | None
    lead_unit: str
    supporting_units: list[str]
    principal_owner_name: str
    leader_in_charge_name: str
    specific_owner_name: str
    deadline: dt.date | None
    deadline_text: str
    ongoing: bool
    extra: dict[str, Any]
    status: str
    progress: int
    light: str
    latest_report: str = ""
    latest_report_at: dt.datetime | None = None
    difficulty: Decimal = Decimal("1.0")
    targets: list[dict[str, Any]] = field(default_factory=list)
    # For a list that is not work (questions, measures): the cells that replace the progress
    # columns, under ``export_workbook``'s ``tail_headers``.
    tail: list[Any] | None = None
    pk: int = 0  # the Task's id, for the tail's cells


@dataclass
class _Sheet:
    name: str
    headers: list[str]
    fields: dict[str, int]
    extra: dict[int, str]
    category_style: str

    @cached_property
    def target_groups(self) -> list[TargetGroup]:
        return target_groups(HeaderMapping(self.fields, self.extra), self.headers)


def _layout_sheets(task_list: TaskList) -> tuple[list[str], list[_Sheet]]:
    """The title rows and sheets the list came in with, or its kind's template."""
    layout = task_list.layout or {}
    sheets = []
    for sheet in layout.get("sheets", []):
        sheets.append(
            _Sheet(
                name=sheet.get("name") or task_list.name[:31],
                headers=list(sheet.get("headers", [])),
                fields={k: int(v) for k, v in sheet.get("fields", {}).items()},
                extra={int(k): v for k, v in sheet.get("extra", {}).items()},
                category_style=sheet.get("category_style", ""),
            )
        )
    if not sheets:
        headers = (
            layout.get("headers") or KIND_HEADERS.get(task_list.kind) or KIND_HEADERS["reform"]
        )
        headers = [h or "" for h in headers]
        mapping = map_headers(headers)
        style = "column" if "category" in mapping.fields else "rows"
        sheets = [
            _Sheet(
                name=task_list.name[:31],
                headers=headers,
                fields=dict(mapping.fields),
                extra=dict(mapping.extra),
                category_style=style,
            )
        ]
    title_rows = list(layout.get("title_rows") or [task_list.name])
    return title_rows, sheets


def layout_has_targets(task_list: TaskList) -> bool:
    """Whether the list came in with target columns (then the export reports on targets)."""
    if not (task_list.layout or {}).get("sheets"):
        return False
    _title_rows, sheets = _layout_sheets(task_list)
    return any(sheet.target_groups for sheet in sheets)


def _code(code: str) -> Any:
    return int(code) if code.isdigit() and len(code) < 10 and not code.startswith("0") else code


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def _cells(sheet: _Sheet, task: ExportTask, labels: dict[str, dict[str, str]]) -> list[Any]:
    """The row of one task, column by column."""
    width = len(sheet.headers)
    row: list[Any] = [None] * width
    fields = sheet.fields
    supporting_column = "supporting_units" in fields
    values = {
        "code": _code(task.code),
        "title": task.title,
        "content": task.content,
        "source": task.source,
        "category": task.category,
        "lead_unit": task.lead_unit
        if supporting_column
        else "、".join([task.lead_unit, *task.supporting_units]),
        "supporting_units": "、".join(task.supporting_units),
        "principal_owner": task.principal_owner_name,
        "leader_in_charge": task.leader_in_charge_name,
        "specific_owner": task.specific_owner_name,
        "deadline": task.deadline_text or task.deadline,
        "note": task.extra.get(sheet.headers[fields["note"]]) if "note" in fields else None,
        "difficulty": float(task.difficulty),
    }
    for name, column in fields.items():
        if column < width and name in values:
            row[column] = values[name]
    for column, key in sheet.extra.items():
        if column < width:
            row[column] = task.extra.get(key)
    _target_cells(row, sheet, task)
    row = [None if value == "" else escape_cell(value) for value in row]
    if task.tail is not None:
        return row + [None if value == "" else escape_cell(value) for value in task.tail]
    latest_at = task.latest_report_at.date() if task.latest_report_at else None
    progress = [
        labels["status"].get(task.status, task.status),
        task.progress,
        labels["light"].get(task.light, task.light),
        escape_cell(task.latest_report) or None,
        latest_at,
    ]
    if labels.get("targets"):
        progress.append(escape_cell(_targets_text(task.targets)) or None)
    return row + progress


_TARGET_KEYS = {
    "metric": "metric",
    "target": "target_value",
    "current": "current_value",
    "baseline": "baseline",
}


def _target_cells(row: list[Any], sheet: _Sheet, task: ExportTask) -> None:
    """Each target in the columns of its group (found by its order), as it stands now."""
    by_order: dict[int, dict[str, Any]] = {}
    for target in task.targets:
        by_order.setdefault(target.get("order", 0), target)
    for group in sheet.target_groups:
        found = by_order.get(group.order)
        if found is None:
            continue
        for role, column in group.columns.items():
            if column >= len(row):
                continue
            value = found.get(_TARGET_KEYS[role])
            row[column] = _number(value)


def _targets_text(targets: Sequence[dict[str, Any]]) -> str:
    parts = []
    for target in targets:
        current = target.get("current_value")
        text = f"{target['metric']}：{_plain(current) if current is not None else '—'}"
        text += f"/{_plain(target['target_value'])}"
        if target.get("attainment") is not None:
            text += f"（{target['attainment']}%）"
        parts.append(text)
    return "；".join(parts)


def _plain(value: Any) -> str:
    value = _number(value)
    return str(value)


def export_workbook(
    *,
    task_list: TaskList,
    tasks: Iterable[ExportTask],
    categories: Sequence[tuple[str, str]],
    labels: dict[str, dict[str, str]],
    tail_headers: Sequence[str] | None = None,
) -> bytes:
    """The list as .xlsx in its own layout; ``categories`` are (code, name) in order.

    ``tail_headers`` (with each task's ``tail``) replace the progress columns: a checklist's
    answers or a measures list's applications."""
    title_rows, sheets = _layout_sheets(task_list)
    tasks = list(tasks)
    by_category: dict[str | None, list[ExportTask]] = {}
    for task in tasks:
        by_category.setdefault(task.category, []).append(task)
    book = Workbook(write_only=True)
    if sheets[0].category_style == "sheet" and categories:
        template = sheets[0]
        for _number_printed, name in categories:
            _write_sheet(
                book,
                _Sheet(name[:31], template.headers, template.fields, template.extra, "sheet"),
                title_rows,
                [(None, by_category.get(name, []))],
                labels,
                tail_headers,
            )
    else:
        sheet = sheets[0]
        groups: list[tuple[str | None, list[ExportTask]]] = []
        if sheet.category_style == "rows" and categories:
            groups.append((None, by_category.get(None, [])))
            for code, name in categories:
                groups.append((heading(code, name), by_category.get(name, [])))
        else:
            groups.append((None, tasks))
        _write_sheet(book, sheet, title_rows, groups, labels, tail_headers)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(
    book: Workbook,
    sheet: _Sheet,
    title_rows: Sequence[str],
    groups: Sequence[tuple[str | None, list[ExportTask]]],
    labels: dict[str, dict[str, str]],
    tail_headers: Sequence[str] | None = None,
) -> None:
    ws = book.create_sheet(_sheet_name(sheet.name))
    if tail_headers is not None:
        headers = [*sheet.headers, *tail_headers]
    else:
        headers = list(sheet.headers) + PROGRESS_HEADERS
        if labels.get("targets"):
            headers.append(TARGETS_HEADER)
    width = len(headers)
    last = column_letter(width)
    for index in range(width):
        ws.column_dimensions[column_letter(index + 1)].width = (
            28
            if index
            in (
                sheet.fields.get("title"),
                sheet.fields.get("content"),
            )
            else 14
        )
    merged = []
    row_number = 0

    def add(values: list[Any], *, style=None, merge=False) -> None:
        nonlocal row_number
        row_number += 1
        if style is None:  # a task's row: plain values (a cell object each cost twice as much)
            ws.append(values)
        else:
            ws.append([_styled(ws, value, *style) for value in values])
        if merge and width > 1:
            merged.append(f"A{row_number}:{last}{row_number}")

    for text in title_rows:
        add([escape_cell(text)], style=(_BOLD, _CENTER), merge=True)
    add(headers, style=(_BOLD, _CENTER))
    for title, tasks in groups:
        if title is not None:
            add([f"{title}（{len(tasks)}项）"], style=(_BOLD, None), merge=True)
        for task in tasks:
            add(_cells(sheet, task, labels))
    # Write-only sheets stream their rows; openpyxl writes the merged ranges from this.
    ws.merged_cells = MultiCellRange(merged)
    ws.freeze_panes = f"A{len(title_rows) + 2}"


def _sheet_name(name: str) -> str:
    for char in "[]:*?/\\":
        name = name.replace(char, " ")
    return name.strip()[:31] or "Sheet1"


_INSTRUCTIONS = [
    "填写说明",
    "1. 第一行为清单名称，第二行为表头；表头请勿修改，可在右侧增加列（导入时作为附加列保留）。",
    "2. 类别行：在序号列写“一、类别名称”（可合并整行），其下各行属于该类别；也可每个类别一个工作表。",
    "3. 责任单位可填写多个，用“、”“，”“；”或换行分隔；第一个（或标注“（牵头）”的）为牵头单位，其余为配合单位。",
    "4. 完成时限可写：2020年6月底前、2020年12月、2020.9.30、6月底前、年底前、2021年第三季度、6月30日前、"
    "日期格式单元格，或“长期坚持”“持续推进”。未写年份的按所属行动的年度计算。",
    "5. 序号用于再次导入时匹配任务：修改后重新导入同一清单，将更新序号相同的任务并显示变化。",
    "6. 表格下方以“注：”开头的行视为说明，不会导入。",
]


def template_workbook(*, kind: str, title: str) -> bytes:
    """A blank list of one kind: title row, header row, and a sheet of instructions."""
    headers = KIND_HEADERS.get(kind) or KIND_HEADERS[TaskList.Kind.REFORM]
    book = Workbook(write_only=True)
    ws = book.create_sheet(_sheet_name(title))
    for index in range(len(headers)):
        ws.column_dimensions[column_letter(index + 1)].width = 16
    ws.append([_styled(ws, title, _BOLD, _CENTER)])
    ws.append([_styled(ws, header, _BOLD, _CENTER) for header in headers])
    ws.merged_cells = MultiCellRange([f"A1:{column_letter(len(headers))}1"])
    help_sheet = book.create_sheet("填写说明")
    help_sheet.column_dimensions["A"].width = 120
    for line in _INSTRUCTIONS:
        help_sheet.append([_styled(help_sheet, line, None, _WRAP)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _styled(ws, value, font, alignment) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell
