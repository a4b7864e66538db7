"""The 本周应报送 sheet: written for a unit from what it owes, and read back once filled in.

One row per owed task. Grey columns say what the task is and how it stands (its last report,
progress, each target's value); the white ones are filled in: 本周进展, 进度（%）, 困难问题,
下步计划 and each target's 本次值. The hidden column 填报编码 names the task, the version of
the task and of the round's report the sheet was made from, the round and the targets, so that
an upload knows each row for certain and refuses one made from a stale sheet.

Reading goes through ``campaigns.importing.workbook.read_workbook``, which judges the bytes
first (zip bombs, entity tricks, sizes). Nothing here touches the database.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.exporting import escape_cell
from campaigns.importing.safety import FileRefused, column_letter
from campaigns.importing.workbook import read_workbook
from config.xlsx import SheetWriter, Style
from config.xlsx import column_letter as letter_of

KEY = "填报编码"
TEXT, PERCENT, OBSTACLES, NEXT_STEPS = "本周进展", "进度（%）", "困难问题", "下步计划"
# The columns filled in, by the report field each one gives.
FILLED = {"text": TEXT, "percent": PERCENT, "obstacles": OBSTACLES, "next_steps": NEXT_STEPS}
SHOWN = [
    ("序号", 6),
    ("行动", 16),
    ("清单", 16),
    ("编号", 8),
    ("任务", 40),
    ("完成时限", 12),
    ("报送截止", 14),
    ("当前进度（%）", 9),
    ("上次报送", 16),
    ("上次进展", 36),
]
HEADER_ROW = 3  # title, what to do, then the header
GREY = "00EDEFF2"  # the fills, as openpyxl's PatternFill(fgColor=...) wrote them
WHITE = "00FFFBE6"
KEY_PATTERN = re.compile(r"^t(\d+)v(\d+)r(\d+)(?:p(\d+)v(\d+))?(?:g([\d,]+))?$")


def target_headers(slot: int) -> tuple[str, str, str, str]:
    """The four columns of the ``slot``-th target (1-based): metric, target, now, this time."""
    return (f"指标{slot}", f"指标{slot}目标值", f"指标{slot}现值", f"指标{slot}本次值")


@dataclass(frozen=True)
class RowKey:
    task_id: int
    task_version: int
    round_id: int
    report_id: int | None = None
    report_version: int | None = None
    target_ids: tuple[int, ...] = ()

    def encode(self) -> str:
        text = f"t{self.task_id}v{self.task_version}r{self.round_id}"
        if self.report_id is not None:
            text += f"p{self.report_id}v{self.report_version}"
        if self.target_ids:
            text += "g" + ",".join(map(str, self.target_ids))
        return text

    @classmethod
    def decode(cls, text: Any) -> RowKey | None:
        match = KEY_PATTERN.match(str(text or "").strip())
        if match is None:
            return None
        task, version, round_id, report, report_version, targets = match.groups()
        return cls(
            task_id=int(task),
            task_version=int(version),
            round_id=int(round_id),
            report_id=int(report) if report else None,
            report_version=int(report_version) if report_version else None,
            target_ids=tuple(int(t) for t in targets.split(",") if t) if targets else (),
        )


def _number(value: Decimal | None) -> Any:
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _deadline(task) -> str:
    if task.ongoing or task.deadline is None:
        return task.deadline_text or ("长期坚持" if task.ongoing else "")
    return task.deadline.isoformat()


def _row(number: int, item, slots: int, zone: tzinfo) -> list[Any]:
    """One owed item's row; times in ``zone`` (the current time zone, looked up once a sheet
    rather than twice a row: ``timezone.localtime`` finds it anew each call)."""
    task, report, last = item.task, item.round_report, item.last_report
    given = {row.target_id: row.value for row in report.target_values.all()} if report else {}
    row: list[Any] = [
        number,
        task.task_list.campaign.name,
        task.task_list.name,
        task.code,
        task.title,
        _deadline(task),
        item.round.due_at.astimezone(zone).strftime("%m-%d %H:%M"),
        task.progress,
        f"{last.submitted_at.astimezone(zone):%Y-%m-%d} {last.percent}%" if last else "",
        last.text if last else "",
        report.text if report else None,
        report.percent if report else None,
        (report.obstacles or None) if report else None,
        (report.next_steps or None) if report else None,
    ]
    for slot in range(slots):
        if slot < len(item.targets):
            target = item.targets[slot]
            metric = target.metric + (
                f"（{target.unit_of_measure}）" if target.unit_of_measure else ""
            )
            row += [
                metric,
                _number(target.target_value),
                _number(target.current_value),
                _number(given.get(target.pk)),
            ]
        else:
            row += [None, None, None, None]
    key = RowKey(
        task_id=task.pk,
        task_version=task.version,
        round_id=item.round.pk,
        report_id=report.pk if report else None,
        report_version=report.version if report else None,
        target_ids=tuple(t.pk for t in item.targets),
    )
    return [escape_cell(value) for value in row] + [key.encode()]


def owed_workbook(*, unit_name: str, owed, week_label: str) -> bytes:
    """The sheet of ``owed`` (``reporting.selectors.Owed``) for ``unit_name``, as .xlsx bytes."""
    slots = max((len(item.targets) for item in owed.tasks), default=0)
    header = [name for name, _w in SHOWN] + list(FILLED.values())
    for slot in range(1, slots + 1):
        header += target_headers(slot)
    header.append(KEY)
    sheet = SheetWriter("本周应报送")
    widths = dict(SHOWN) | {TEXT: 40, PERCENT: 9, OBSTACLES: 24, NEXT_STEPS: 24}
    filled = set(FILLED.values()) | {h for h in header if h.endswith("本次值")}
    for index, name in enumerate(header, start=1):
        sheet.column(index, widths.get(name, 12), hidden=index == len(header))
    # Grey columns say what the task is, white ones are filled in; every body cell wrapped.
    body = [
        sheet.style(Style(fill=WHITE if name in filled else GREY, wrap=True, top=True))
        for name in header
    ]
    head = [
        sheet.style(Style(bold=True, fill=WHITE if name in filled else GREY, wrap=True, top=True))
        for name in header
    ]
    sheet.row([f"{unit_name} 本周应报送（{week_label}）"], sheet.style(Style(bold=True, size=14)))
    sheet.row(
        [
            "填写白色列：本周进展（必填）、进度（%，0—100 的整数，必填）、困难问题、下步计划，"
            "以及各指标本次值（数字）。未填写的行本次不报送。灰色列和隐藏的“填报编码”列请勿修改，"
            "也不要增删行；填好后在“一表填报”页面上传。"
        ],
        sheet.style(Style(wrap=True, top=True)),
        height=48,
    )
    sheet.row(header, head)
    zone = timezone.get_current_timezone()
    for number, item in enumerate(owed.tasks, start=1):
        sheet.row(_row(number, item, slots, zone), body)
    last = HEADER_ROW + len(owed.tasks)
    sheet.merge(1, 1, 1, len(header) - 1)
    sheet.merge(2, 1, 2, len(header) - 1)
    percent = letter_of(header.index(PERCENT) + 1)
    sheet.whole_number_between(
        f"{percent}{HEADER_ROW + 1}:{percent}{max(last, HEADER_ROW + 1)}",
        0,
        100,
        title="进度",
        error="请填写 0—100 的整数。",
    )
    sheet.freeze(HEADER_ROW + 1, 6)
    return sheet.save()


# --- reading ---------------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One filled-in row as read, before the database is asked anything."""

    number: int  # the row number the spreadsheet shows
    key: RowKey | None
    code: str = ""
    title: str = ""
    values: dict[str, str] = field(default_factory=dict)  # report field → cell text
    targets: dict[int, str] = field(default_factory=dict)  # target slot (1-based) → cell text
    letters: dict[str, str] = field(default_factory=dict)  # column header → its letter

    @property
    def empty(self) -> bool:
        return not any(self.values.values()) and not any(self.targets.values())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _percent_text(value: Any) -> str:
    # "60%" typed as text: the number is meant.
    return _text(value).removesuffix("%").removesuffix("％").strip()


def read_sheet(data: bytes, filename: str = "") -> list[SheetRow]:
    """The filled-in rows of a 本周应报送 sheet. Raises FileRefused (with a reason in Chinese)
    when the file is not a workbook or not such a sheet."""
    source = io.BytesIO(data)
    source.name = filename  # the judge names an old .xls or a renamed file by its name too
    for sheet in read_workbook(source):
        for index, row in enumerate(sheet.rows[:10]):
            names = [_text(cell) for cell in row]
            if KEY in names:
                return _rows(sheet.rows[index + 1 :], names, first=index + 2)
    raise FileRefused(
        _(
            "This is not a 本周应报送 sheet of this system (it has no column %(key)s). "
            "Download the sheet on the bulk reporting page, fill it in and upload it."
        )
        % {"key": f"“{KEY}”"}
    )


def _rows(grid: list[list[Any]], names: list[str], first: int) -> list[SheetRow]:
    columns = {name: index for index, name in enumerate(names) if name}
    missing = [name for name in (TEXT, PERCENT) if name not in columns]
    if missing:
        raise FileRefused(
            _("The sheet has no column %(columns)s: download it again.")
            % {"columns": "、".join(f"“{name}”" for name in missing)}
        )
    letters = {name: column_letter(index) for name, index in columns.items()}
    slots = [slot for slot in range(1, 100) if target_headers(slot)[3] in columns]

    def cell(row: list[Any], name: str) -> Any:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    result = []
    for offset, row in enumerate(grid):
        if not any(value is not None for value in row):
            continue
        values = {field_: _text(cell(row, header)) for field_, header in FILLED.items()}
        values["percent"] = _percent_text(cell(row, PERCENT))
        result.append(
            SheetRow(
                number=first + offset,
                key=RowKey.decode(cell(row, KEY)),
                code=_text(cell(row, "编号")),
                title=_text(cell(row, "任务")),
                values=values,
                targets={slot: _text(cell(row, target_headers(slot)[3])) for slot in slots},
                letters=letters,
            )
        )
    return result
