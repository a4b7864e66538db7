"""A row's targets: which columns hold them, and their cells → DraftTargets.

A list gives a task's targets in one of three ways, all read here:

- one indicator group, mapped to fields: 指标名称 / 目标值 / 现状值 (/ 基线值);
- the same group repeated further right (指标名称 / 目标值 / 现状值 twice, as in a district's
  揭榜挂帅 list): each repetition is another target;
- paired columns of a service list: 现办理时限 / 压缩后时限 (or 目标办理时限), a time limit in
  working days, and 现申请材料 / 精简后材料 (or 目标申请材料), a number of documents. Lower is
  better; the current column is the baseline and the current value, the other the target.

Repeated and paired columns stay extra columns too (kept on the task as written: “即办”,
“20个工作日”), so that nothing in the sheet is lost. A target's ``order`` is the place of its
group among the groups of the sheet, so that a re-import and the export find it again even
when an earlier group is empty on that row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .cells import cell_number, cell_text
from .drafts import MAX_METRIC, MAX_TARGET, WARNING, DraftTarget, RowProblems
from .headers import HeaderMapping, extra_keys, match_header, normalise_header
from .rows import CellValue
from .safety import column_letter

__all__ = ["TargetGroup", "read_count", "read_targets", "target_groups"]

# Role of a column in a group → the field the header vocabulary gives it.
_ROLE_OF_FIELD = {
    "target_metric": "metric",
    "target_value": "target",
    "current_value": "current",
    "baseline": "baseline",
}

#: Paired columns: (metric, words in the header, unit of measure when the header has none).
PAIRED_METRICS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("办理时限", ("时限",), "工作日"),
    ("申请材料", ("材料",), "件"),
)
_CURRENT_PREFIXES = ("现行", "现有", "现", "原", "当前")
_TARGET_PREFIXES = ("目标", "压缩后", "精简后", "压减后", "优化后", "承诺")
_NOT_PAIRED = ("完成",)  # 完成时限 is a deadline, never a target

_UOM_IN_METRIC = re.compile(r"[（(]\s*([^()（）]{1,10})\s*[)）]\s*$")
_UOM_IN_HEADER = re.compile(r"[（(]\s*([^()（）]{1,10})\s*[)）]")
# “即办”, “当场办结”: done on the spot, zero days.
_AT_ONCE = ("即办", "即时办结", "当场办结", "当即办结", "立即办结", "即时", "当场")
# A count as written: 20, 20个工作日, 5件, 3份, 0.5天.
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:个)?\s*(?:工作日|自然日|天|日|件|份|个|项|次)?$")
_NOTHING = {"", "-", "—", "/", "无", "－"}


@dataclass(frozen=True)
class TargetGroup:
    """The columns (0-based) of one target, by role: metric, target, current, baseline.

    A paired group has no metric column: its ``metric``, ``unit`` and ``direction`` are fixed.
    """

    order: int
    columns: dict[str, int] = field(default_factory=dict)
    metric: str = ""
    unit: str = ""
    direction: str = ""

    @property
    def paired(self) -> bool:
        return bool(self.metric)


def target_groups(mapping: HeaderMapping, headers: Sequence[str]) -> list[TargetGroup]:
    """The target groups of a sheet, left to right (their ``order``)."""
    found: list[dict[str, int]] = []
    first = {
        role: mapping.fields[name]
        for name, role in _ROLE_OF_FIELD.items()
        if name in mapping.fields
    }
    if "target" in first or "metric" in first:
        found.append(first)
    paired: dict[str, tuple[dict[str, int], str]] = {}
    repeated: dict[str, int] | None = None
    for column in sorted(mapping.extra):
        header = headers[column] if column < len(headers) else mapping.extra[column]
        role = _ROLE_OF_FIELD.get(match_header(header) or "")
        if role:
            if repeated is None or role in repeated or role == "metric":
                repeated = {}
                found.append(repeated)
            repeated[role] = column
            continue
        pair = _paired(header)
        if pair:
            metric, pair_role, unit = pair
            columns, _unit = paired.setdefault(metric, ({}, unit))
            columns.setdefault(pair_role, column)
    groups: list[tuple[int, TargetGroup]] = []
    for columns in found:
        if "target" in columns:
            groups.append((min(columns.values()), TargetGroup(0, columns)))
    for metric, (columns, unit) in paired.items():
        if "target" in columns and "current" in columns:
            group = TargetGroup(0, columns, metric=metric, unit=unit, direction="lower")
            groups.append((min(columns.values()), group))
    groups.sort(key=lambda item: item[0])
    return [
        TargetGroup(order, g.columns, g.metric, g.unit, g.direction)
        for order, (_first, g) in enumerate(groups)
    ]


def _paired(header: str) -> tuple[str, str, str] | None:
    """(metric, role, unit of measure) of a paired column's header, or None."""
    key = normalise_header(header)
    if any(word in key for word in _NOT_PAIRED):
        return None
    for metric, words, unit in PAIRED_METRICS:
        if not any(word in key for word in words):
            continue
        if key.startswith(_CURRENT_PREFIXES):
            role = "current"
        elif key.startswith(_TARGET_PREFIXES):
            role = "target"
        else:
            return None
        written = _UOM_IN_HEADER.search(unicodedata.normalize("NFKC", header))
        return metric, role, (written[1].strip() if written else unit)
    return None


def read_count(value: CellValue) -> Decimal | None:
    """A time limit or a number of documents: 20, “20个工作日”, “5件”, “即办” (0).

    Raises ValueError when the cell holds something else.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return cell_number(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if text in _NOTHING:
        return None
    if text.startswith(_AT_ONCE):
        return Decimal("0.00")
    match = _COUNT.match(text)
    if not match:
        raise ValueError(text)
    return Decimal(match[1]).quantize(Decimal("0.01"))


@dataclass
class RowCells:
    """One row's cells by column, and the column's header for messages."""

    cells: dict[int, CellValue]
    headers: Sequence[str]

    def get(self, column: int | None) -> CellValue:
        return None if column is None else self.cells.get(column)

    def header(self, column: int | None) -> str | None:
        if column is None:
            return None
        return (self.headers[column] if column < len(self.headers) else "") or column_letter(column)


def row_cells(
    mapping: HeaderMapping,
    values: Mapping[str, CellValue],
    extra: Mapping[str, CellValue],
    headers: Sequence[str],
) -> RowCells:
    """A parsed row's cells back by column (fields by their column, extras by their key)."""
    cells: dict[int, CellValue] = {}
    for name, column in mapping.fields.items():
        if name in values:
            cells[column] = values[name]
    for column, key in extra_keys(mapping).items():
        if key in extra:
            cells[column] = extra[key]
    return RowCells(cells, headers)


def read_targets(
    groups: Sequence[TargetGroup], row: RowCells, problem: RowProblems
) -> list[DraftTarget]:
    """The row's targets, one per group that has one; a warning for each that cannot be read."""
    targets = []
    for group in groups:
        reader = _read_paired if group.paired else _read_repeated
        target = reader(group, row, problem)
        if target is not None:
            targets.append(target)
    return targets


def _read_paired(group: TargetGroup, row: RowCells, problem: RowProblems) -> DraftTarget | None:
    numbers: dict[str, Decimal | None] = {}
    for role in ("current", "target"):
        column = group.columns[role]
        raw = row.get(column)
        try:
            numbers[role] = read_count(raw)
        except ValueError:
            problem(
                WARNING,
                row.header(column),
                _(
                    "“%(value)s” is not a number of %(unit)s the importer understands "
                    "(e.g. 20, 20个工作日, 5件, 即办); the target “%(metric)s” was not imported."
                )
                % {"value": cell_text(raw), "unit": group.unit, "metric": group.metric},
                "target_value",
            )
            return None
    target, current = numbers["target"], numbers["current"]
    if target is None:
        return None
    if current is not None and current > MAX_TARGET or target > MAX_TARGET:
        problem(
            WARNING,
            row.header(group.columns["target"]),
            _("the number is too large; the target was not imported."),
            "target_value",
        )
        return None
    return {
        "metric": group.metric,
        "unit_of_measure": group.unit[:30],
        "target_value": target,
        "current_value": current,
        "baseline": current,
        "direction": group.direction,
        "order": group.order,
    }


def _read_repeated(group: TargetGroup, row: RowCells, problem: RowProblems) -> DraftTarget | None:
    """A 指标 / 目标值 / 现状值 (/ 基线值) group as numbers, or a warning saying why not."""
    columns = group.columns
    metric = cell_text(row.get(columns.get("metric")))
    target_raw = row.get(columns.get("target"))
    if not metric and target_raw is None:
        return None
    column = row.header(columns.get("target")) or row.header(columns.get("metric"))
    target = cell_number(target_raw)
    if target is None:
        problem(
            WARNING,
            column,
            _("the target value “%(value)s” is not a number; the target was not imported.")
            % {"value": cell_text(target_raw)},
            "target_value",
        )
        return None
    current = cell_number(row.get(columns.get("current")))
    baseline = cell_number(row.get(columns.get("baseline")))
    if any(n is not None and abs(n) > MAX_TARGET for n in (target, current, baseline)):
        problem(
            WARNING,
            column,
            _("the number is too large; the target was not imported."),
            "target_value",
        )
        return None
    metric = metric or (row.header(columns.get("target")) or "")
    uom = ""
    found = _UOM_IN_METRIC.search(metric)
    if found:
        uom = found[1]
    elif isinstance(target_raw, str) and target_raw.strip().endswith(("%", "％")):
        uom = "%"
    reference = baseline if baseline is not None else current
    return {
        "metric": metric[:MAX_METRIC],
        "unit_of_measure": uom[:30],
        "target_value": target,
        "current_value": current,
        "baseline": baseline if baseline is not None else current,
        "direction": "lower" if reference is not None and target < reference else "higher",
        "order": group.order,
    }
