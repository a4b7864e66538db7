"""A plan's unit brackets: （牵头单位：X；责任单位：Y，6月底完成） → lead, supporting, deadline.

Governments write them in a few forms::

    （牵头单位：区政府办公室；责任单位：区政府有关部门，各街道）
    〔牵头单位：区司法局，责任单位：区行政审批服务局〕
    （区行政审批服务局、区大数据局牵头，各街道按职责分工负责，6月底完成）

Labelled segments are read by their label; clauses without one by their ending (…牵头,
…按职责分工负责) or as a deadline. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .deadlines import parse_deadline
from .units import pick_lead, split_units

__all__ = [
    "CLOSE",
    "DEADLINE_LABELS",
    "LABEL",
    "OPEN",
    "TRAILING",
    "UnitBracket",
    "bracket_groups",
    "is_unit_bracket",
    "read_unit_bracket",
]

OPEN = "（(〔[【"
CLOSE = "）)〕]】"
_PAIRS = dict(zip(OPEN, CLOSE, strict=True))

_LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主办单位", "牵头")
_RESPONSIBLE_LABELS = ("责任单位", "责任部门", "实施单位")
_SUPPORT_LABELS = ("配合单位", "配合部门", "协同部门", "协办单位", "参与单位")
DEADLINE_LABELS = ("完成时限", "完成时间", "时限要求", "时间节点", "完成期限")
LABEL = re.compile(
    "("
    + "|".join(
        sorted(
            (*_LEAD_LABELS[:-1], *_RESPONSIBLE_LABELS, *_SUPPORT_LABELS, *DEADLINE_LABELS),
            key=len,
            reverse=True,
        )
    )
    + r")\s*[：:]"
)
# Words that say a bracket names units, for brackets without labels.
_UNIT_WORDS = re.compile(r"牵头|按职责分工|分工负责|负责|配合|参与")
_CLAUSE_SPLIT = re.compile(r"[；;，,]")
_LEAD_SUFFIX = re.compile(r"(?:共同)?(?:牵头负责|负责牵头|牵头)$")
_SUPPORT_SUFFIX = re.compile(
    r"(?:等?有关单位|等?相关单位)?"
    r"(?:按职责分工负责|按职责分工落实|按照职责分工负责|分工负责|按职责负责|按职责落实|"
    r"配合落实|配合实施|配合|参与|负责落实|负责)$"
)
_UNIT_ENDING = re.compile(
    r"(?:局|委|办|室|院|中心|部|会|所|处|庭|队|站|街道|镇|乡|公司|集团|银行|支行|分行|海关|"
    r"指挥部|政府|部门|单位|机关|管委|联)$"
)
TRAILING = re.compile(r"[\s。；;，,、：:]+$")


@dataclass(frozen=True)
class UnitBracket:
    """What a task's bracket says: unit texts (split later), deadline text, notes."""

    lead: str = ""
    supporting: str = ""
    deadline: str = ""
    warnings: tuple[str, ...] = ()


def bracket_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every top-level balanced bracket group, in order."""
    groups = []
    stack: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char in _PAIRS:
            if not stack:
                start = index
            stack.append(_PAIRS[char])
        elif char in CLOSE and stack:
            if char == stack[-1] or char in "）)" and stack[-1] in "）)":
                stack.pop()
                if not stack:
                    groups.append((start, index + 1))
    return groups


def is_unit_bracket(inner: str) -> bool:
    return bool(LABEL.search(inner) or _UNIT_WORDS.search(inner))


def _looks_like_deadline(part: str) -> bool:
    text = unicodedata.normalize("NFKC", part).strip()
    if not text or _UNIT_ENDING.search(text):
        return False
    if any(keyword in text for keyword in ("长期坚持", "持续推进", "长期", "持续")):
        return True
    return parse_deadline(text, default_year=2000).date is not None


def _split_deadline(text: str) -> tuple[str, str]:
    """Take a trailing deadline off a unit list: "区财政局，6月底完成" → ("区财政局", "6月底完成")."""
    units, deadlines = [], []
    for mention in split_units(text):
        if _looks_like_deadline(mention.name):
            deadlines.append(mention.name)
        else:
            units.append(mention.name + ("（牵头）" if mention.marked_lead else ""))
    return "、".join(units), "，".join(deadlines)


@dataclass
class _Parts:
    """The unit texts and deadlines of a bracket, by role, as they are read."""

    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    supporting: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)

    def labelled(self, name: str, segment: str) -> None:
        if name in DEADLINE_LABELS:
            self.deadlines.append(segment)
            return
        units, deadline = _split_deadline(segment)
        if deadline:
            self.deadlines.append(deadline)
        if name in _LEAD_LABELS:
            self.lead.append(units)
        elif name in _RESPONSIBLE_LABELS:
            self.responsible.append(units)
        else:
            self.supporting.append(units)

    def clause(self, clause: str, *, labelled: bool) -> None:
        if _LEAD_SUFFIX.search(clause):
            self.lead.append(_LEAD_SUFFIX.sub("", clause))
        elif _looks_like_deadline(clause):
            self.deadlines.append(clause)
        elif _SUPPORT_SUFFIX.search(clause):
            self.supporting.append(_SUPPORT_SUFFIX.sub("", clause))
        elif not labelled:
            self.supporting.append(clause)


def read_unit_bracket(inner: str) -> UnitBracket:
    """Read the inside of a task's bracket into lead units, supporting units and deadline."""
    inner = inner.strip()
    labels = list(LABEL.finditer(inner))
    parts = _Parts()
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(inner)
        parts.labelled(label[1], TRAILING.sub("", inner[label.end() : end]).strip())
    # Text before the first label ("区财政局牵头，牵头单位：…" is rare) is read as clauses.
    head = inner[: labels[0].start()] if labels else inner
    for clause in _CLAUSE_SPLIT.split(head):
        if clause.strip():
            parts.clause(clause.strip(), labelled=bool(labels))
    lead_parts, responsible = parts.lead, parts.responsible
    if not lead_parts and responsible:
        # 责任单位 alone names the lead unit first, as in a spreadsheet's 责任单位 column.
        lead, rest = pick_lead([m for part in responsible for m in split_units(part)])
        lead_parts = [lead.name] if lead else []
        responsible = ["、".join(m.name for m in rest)]
    deadlines = parts.deadlines
    warnings = []
    if len(deadlines) > 1:
        warnings.append(
            _("The bracket names more than one deadline (%(deadlines)s); the first is used.")
            % {"deadlines": "；".join(deadlines)}
        )
    return UnitBracket(
        lead="、".join(part for part in lead_parts if part),
        supporting="、".join(part for part in responsible + parts.supporting if part),
        deadline=deadlines[0] if deadlines else "",
        warnings=tuple(warnings),
    )
