"""The drafts the checks produce: tasks as the file says them, and every problem found.

A DraftTask is one row checked (checking.py): values within the model's limits, unit cells
split into a lead and supporting names (still names: they are resolved against the directory
later, by the import service), deadlines read, targets made numbers. Each problem is an Issue
named by sheet, row and column. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from django.utils.translation import gettext as _

from .rows import ParsedSheet

__all__ = [
    "ERROR",
    "WARNING",
    "DraftCategory",
    "DraftTarget",
    "DraftTask",
    "Drafts",
    "Issue",
    "Location",
    "RowProblems",
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
MIN_DIFFICULTY = Decimal("0.5")
MAX_DIFFICULTY = Decimal("3.0")

ERROR = "error"
WARNING = "warning"


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


class DraftTarget(TypedDict):
    """A target as the file gives it (the fields of tasks.Target)."""

    metric: str
    unit_of_measure: str
    target_value: Decimal
    current_value: Decimal | None
    baseline: Decimal | None
    direction: str  # "higher" or "lower"
    order: int  # the place of its column group in the sheet


#: Words for a place in a row: locate(row, column) → 第5行“责任单位”列.
Locate = Callable[[int | None, str | None], str]


@dataclass(slots=True)
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
    supporting: Sequence[str] = ()
    lead_rest: Sequence[str] = ()  # the supporting units of the lead cell
    principal_owner_name: str = ""
    leader_in_charge_name: str = ""
    specific_owner_name: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""
    ongoing: bool = False
    difficulty: Decimal | None = None  # None: the file has no difficulty (难度系数) for it
    extra: dict[str, Any] = field(default_factory=dict)
    targets: list[DraftTarget] = field(default_factory=list)
    has_errors: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # field → header, for messages
    # Words for a place in this row: where(column) → 第5行“责任单位”列.
    locate: Locate | None = field(default=None, repr=False, compare=False)

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


class Location:
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


class RowProblems:
    """Collects one row's issues; called as problem(level, column, message, code)."""

    def __init__(self, where: Location, row: int, sheet: str):
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
