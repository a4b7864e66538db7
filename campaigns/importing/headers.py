"""Column vocabulary: map the header texts used in task-list spreadsheets to canonical fields.

Each canonical field has the synonyms seen in real lists.  A header matches a field when its
normalised text equals a synonym; otherwise when it contains a synonym (the longest wins;
two-character synonyms such as 任务/目标 only count at the end of the header, so
``目标办理时限`` is not taken for a target value).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

__all__ = [
    "EXPORT_ONLY_HEADERS",
    "FIELD_LABELS",
    "FIELD_SYNONYMS",
    "IGNORE",
    "TITLE_FALLBACK_FIELDS",
    "HeaderMapping",
    "extra_keys",
    "find_header_row",
    "header_text",
    "map_headers",
    "mapping_from_columns",
    "match_header",
    "normalise_header",
]

#: Canonical field → header synonyms (normalised form: no spaces, no parenthesised notes).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("序号", "编号", "序列号"),
    "title": (
        "任务",
        "改革攻坚任务",
        "工作任务",
        "任务名称",
        "事项名称",
        "重点任务",
        "政策文件名称",
        "问题",
        "检查内容",
        "检查事项",
        "措施名称",
        "激励惩戒措施",
    ),
    "content": (
        "具体目标",
        "工作目标",
        "目标任务",
        "主要内容",
        "具体内容",
        "工作内容",
        "政策条款摘要",
    ),
    "source": ("任务来源", "来源"),
    "lead_unit": ("牵头单位", "牵头部门", "责任单位", "实施单位", "执行单位", "责任部门"),
    "supporting_units": ("配合单位", "协同部门", "配合部门", "协办单位"),
    "principal_owner": ("主要责任人",),
    "leader_in_charge": ("分管责任人", "责任领导", "分管领导"),
    "specific_owner": ("具体责任人", "责任人", "经办人", "联系人"),
    "deadline": ("完成时限", "完成时间", "时限要求", "时间节点", "完成期限"),
    "category": ("类别", "分类", "领域", "方面"),
    "target_metric": ("指标", "指标名称"),
    "target_value": ("目标值", "目标"),
    "current_value": ("现状值", "现状", "当前值"),
    "baseline": ("基线值", "基期值"),
    "note": ("备注",),
    "difficulty": ("难度系数", "难度"),
}

#: The progress columns our export appends. They only match exactly (a list's own 办理状态
#: is not one of them) and are ignored on import: progress comes from reports, not files.
EXPORT_ONLY_HEADERS: dict[str, str] = {
    "任务状态": "export_status",
    "完成进度": "export_percent",
    "预警": "export_light",
    "最新进展": "export_latest",
    "进展更新时间": "export_reported_at",
    "指标完成情况": "export_targets",
}

#: Columns that apps above ``campaigns`` append to an export of their list kind (answers,
#: applications: ``campaigns.kinds``) are ignored on import like the progress columns. Each
#: test takes a header in its matching form (``normalise_header``).
EXPORT_TAIL = "export_tail"
_EXPORT_TAIL_TESTS: list[Callable[[str], bool]] = []


def export_tail_register(test: Callable[[str], bool]) -> None:
    """Ignore on import the headers ``test`` accepts (called at start-up via campaigns.kinds)."""
    _EXPORT_TAIL_TESTS.append(test)


#: A corrected mapping's value for a column that is neither a field nor kept as extra.
IGNORE = "-"

#: What each field is called on the pages (the column mapping, the changes of a re-import).
FIELD_LABELS = {
    "code": _("Number"),
    "title": _("Task"),
    "content": _("Content"),
    "source": _("Source"),
    "category": _("Category"),
    "lead_unit": _("Lead unit"),
    "supporting_units": _("Supporting units"),
    "principal_owner": _("Principal owner"),
    "leader_in_charge": _("Leader in charge"),
    "specific_owner": _("Specific owner"),
    "deadline": _("Deadline"),
    "target_metric": _("Target metric"),
    "target_value": _("Target value"),
    "current_value": _("Current value"),
    "baseline": _("Baseline"),
    "note": _("Note"),
    "difficulty": _("Difficulty"),
    "export_status": _("Status (exported, ignored)"),
    "export_percent": _("Progress % (exported, ignored)"),
    "export_light": _("Light (exported, ignored)"),
    "export_latest": _("Latest report (exported, ignored)"),
    "export_reported_at": _("Reported at (exported, ignored)"),
    "export_targets": _("Targets met (exported, ignored)"),
    EXPORT_TAIL: _("Added by the export (ignored)"),
}

#: When a sheet has no title column, the first of these present is used as the title.
TITLE_FALLBACK_FIELDS: tuple[str, ...] = ("content", "target_metric")

# Lead-unit headers that mean "explicit lead": with one present, 责任单位 lists supporters.
_EXPLICIT_LEAD_MARK = "牵头"
_RESPONSIBLE_SYNONYMS = frozenset({"责任单位", "责任部门"})

# Headers longer than this are titles or notes, not column names; they only match exactly.
_MAX_CONTAINING_HEADER = 20

_EXACT: dict[str, tuple[str, str]] = {}
for _field, _synonyms in FIELD_SYNONYMS.items():
    for _synonym in _synonyms:
        _EXACT.setdefault(_synonym, (_field, _synonym))
# Longest synonyms first so 分管责任人 beats 责任人; ties keep vocabulary order.
_BY_LENGTH: list[tuple[str, str]] = sorted(
    ((synonym, fld) for synonym, (fld, _) in _EXACT.items()),
    key=lambda item: -len(item[0]),
)

_PARENTHESISED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_NOISE = re.compile(r"[\s*※:：]+")


def header_text(value: object) -> str:
    """Display form of a header cell: the original text with line breaks joined."""
    if value is None:
        return ""
    return "".join(line.strip() for line in str(value).splitlines()).strip()


def normalise_header(value: object) -> str:
    """Matching form of a header: full-width folded, notes in brackets and spaces removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _PARENTHESISED.sub("", text)
    return _NOISE.sub("", text)


def _match(value: object) -> tuple[str, str] | None:
    """Return (field, synonym) for a header cell, or None."""
    key = normalise_header(value)
    if not key:
        return None
    if key in EXPORT_ONLY_HEADERS:
        return EXPORT_ONLY_HEADERS[key], key
    if any(test(key) for test in _EXPORT_TAIL_TESTS):
        return EXPORT_TAIL, key
    if key in _EXACT:
        return _EXACT[key]
    if len(key) > _MAX_CONTAINING_HEADER:
        return None
    for synonym, fld in _BY_LENGTH:
        if len(synonym) >= 3 and synonym in key:
            return fld, synonym
        if len(synonym) < 3 and key.endswith(synonym):
            return fld, synonym
    return None


def match_header(value: object) -> str | None:
    """Canonical field for one header cell, or None when it is not in the vocabulary."""
    found = _match(value)
    return found[0] if found else None


@dataclass(frozen=True)
class HeaderMapping:
    """Where each canonical field sits in a header row.

    ``fields`` maps field → 0-based column; ``extra`` maps the column of every other
    non-empty header to its display text (kept so nothing in the sheet is lost).
    """

    fields: dict[str, int] = field(default_factory=dict)
    extra: dict[int, str] = field(default_factory=dict)


def map_headers(header_cells: Sequence[object]) -> HeaderMapping:
    """Map a header row to canonical fields (first column wins for duplicates).

    ``责任单位``/``责任部门`` name the supporting units when the same row also has a
    ``牵头单位``/``牵头部门`` column.  Without a title column, a content or metric column
    stands in as the title.
    """
    matches = [_match(cell) for cell in header_cells]
    explicit_lead = any(
        found and found[0] == "lead_unit" and _EXPLICIT_LEAD_MARK in found[1] for found in matches
    )
    fields: dict[str, int] = {}
    extra: dict[int, str] = {}
    for column, (cell, found) in enumerate(zip(header_cells, matches, strict=True)):
        fld = found[0] if found else None
        if fld == EXPORT_TAIL:
            continue  # neither a field nor an extra column: the export added it
        if explicit_lead and found and found[1] in _RESPONSIBLE_SYNONYMS:
            fld = "supporting_units"
        if fld and fld not in fields:
            fields[fld] = column
        elif text := header_text(cell):
            extra[column] = text
    if "title" not in fields:
        for fallback in TITLE_FALLBACK_FIELDS:
            if fallback in fields:
                fields["title"] = fields.pop(fallback)
                break
    return HeaderMapping(fields=fields, extra=extra)


def mapping_from_columns(
    header_cells: Sequence[object], columns: Mapping[int, str]
) -> HeaderMapping:
    """The mapping found from the headers, corrected column by column.

    ``columns`` maps a 0-based column to a field, to "" (keep it as an extra column under
    its header) or to ``IGNORE``. A field given to a column is taken from any other column,
    which then becomes an extra column.
    """
    detected = map_headers(header_cells)
    by_column: dict[int, str] = {column: fld for fld, column in detected.fields.items()}
    by_column.update(dict.fromkeys(detected.extra, ""))
    for column, fld in columns.items():
        if not 0 <= column < len(header_cells):
            continue
        if fld:
            for other, other_field in list(by_column.items()):
                if other_field == fld and other != column:
                    by_column[other] = ""
        by_column[column] = fld
    fields: dict[str, int] = {}
    extra: dict[int, str] = {}
    for column in sorted(by_column):
        fld = by_column[column]
        if fld == IGNORE:
            continue
        if fld:
            fields[fld] = column
        else:
            extra[column] = header_text(header_cells[column]) or _column_name(column)
    return HeaderMapping(fields=fields, extra=extra)


def extra_keys(mapping: HeaderMapping) -> dict[int, str]:
    """Unique names for the extra (unmapped) columns: a repeated header gets a #n suffix."""
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for column, text in sorted(mapping.extra.items()):
        seen[text] = seen.get(text, 0) + 1
        keys[column] = text if seen[text] == 1 else f"{text}#{seen[text]}"
    return keys


def _column_name(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def find_header_row(rows: Sequence[Sequence[object]], max_scan: int = 15) -> int | None:
    """0-based index of the first row (of the first ``max_scan``) that looks like a header.

    A header maps a title-like column plus at least two other fields.
    """
    for index, row in enumerate(rows[:max_scan]):
        fields = map_headers(row).fields
        if "title" in fields and len(fields) >= 3:
            return index
    return None
