"""Read the text of a published plan (实施方案 / 任务分工方案) into categorised task rows.

Plans number their sections 一、 / （一） / 1. / （1） and end each task with a bracket naming
its units, in the forms governments use::

    1.承接落实上级下放事项。（牵头单位：区政府办公室；责任单位：区政府有关部门，各街道）
    2.编制并公布清单，2021年6月底前完成。〔牵头单位：区司法局，责任单位：区行政审批服务局〕
    3.推行“一件事一次办”。（区行政审批服务局、区大数据局牵头，各街道按职责分工负责，6月底完成）

Sections without a bracket of their own become categories; numbered lines with one become
tasks (a bracket on a section applies to the tasks under it that have none). The deadline is
taken from the bracket (完成时限：…, or a trailing "6月底完成"), else from the one date the
sentence names ("2022年10月底前编制…"). The result is a ParsedSheet, the same shape a
spreadsheet gives, so the rest of the import treats both alike. Nothing here touches the
database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .brackets import (
    CLOSE,
    DEADLINE_LABELS,
    LABEL,
    OPEN,
    TRAILING,
    UnitBracket,
    bracket_groups,
    is_unit_bracket,
    read_unit_bracket,
)
from .deadlines import ONGOING_KEYWORDS, date_phrases
from .headers import HeaderMapping
from .rows import CellValue, ParsedCategory, ParsedRow, ParsedSheet

__all__ = ["PLAN_HEADERS", "UnitBracket", "parse_plan", "read_unit_bracket"]

#: The columns a plan's tasks are shown (and exported) with.
PLAN_HEADERS = ["序号", "任务", "具体内容", "牵头单位", "责任单位", "完成时限"]
_PLAN_FIELDS = {
    "code": 0,
    "title": 1,
    "content": 2,
    "lead_unit": 3,
    "supporting_units": 4,
    "deadline": 5,
}

_CN = "一二三四五六七八九十百零〇两"
# Numbering styles, each with the number as printed; their depth follows first appearance.
_NUMBERINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^(第[{_CN}\d]+(?:部分|章|节|篇))\s*[、.．:：]?\s*")),
    ("cn", re.compile(rf"^([{_CN}]+)\s*[、.．]\s*")),
    ("cn_paren", re.compile(rf"^([（(]\s*[{_CN}]+\s*[）)])\s*[、.．]?\s*")),
    # Any number of items (a list of 6,000 lines numbers them up to 6000); "2022.6" is a date.
    ("arabic", re.compile(r"^(\d{1,6})\s*[、.．](?!\d)\s*")),
    ("arabic_paren", re.compile(r"^([（(]\s*\d{1,6}\s*[）)])\s*[、.．]?\s*")),
    ("circled", re.compile(r"^([\u2460-\u2473])\s*[、.．]?\s*")),
)

_SENTENCE_END = "。；;！!？?"
_WRAPPED_MIN = 20


@dataclass
class _Node:
    line: int
    style: str
    number: str  # as printed: 一 / （一） / 1
    text: str  # the line without its number
    depth: int = 0
    children: list[_Node] = field(default_factory=list)
    parent: _Node | None = None
    bracket: UnitBracket | None = None
    body: str = ""  # text without the unit bracket


def _numbering(line: str) -> tuple[str, str, str] | None:
    """(style, number as printed, rest) for a numbered line."""
    for style, pattern in _NUMBERINGS:
        match = pattern.match(line)
        if match and line[match.end() :].strip():
            number = re.sub(r"\s+", "", match[1]).replace("(", "（").replace(")", "）")
            return style, number, line[match.end() :].strip()
    return None


def _brackets(line: str) -> int:
    return sum(line.count(c) for c in OPEN) - sum(line.count(c) for c in CLOSE)


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers, wrapped lines of one item joined.

    Linear in the text: each line is looked at once (its numbering, its brackets), and the
    pieces of a wrapped item are joined once at the end, never re-read as they grow.
    """
    items: list[tuple[int, list[str]]] = []
    open_brackets = 0
    previous_numbered = False  # the item being built starts with a number
    last = ""  # the item's last piece, whose end says whether the item goes on
    length = 0  # the item's length so far
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ").strip()
        if not line:
            open_brackets = 0
            continue
        starts_item = _numbering(line) is not None
        if (
            items
            and not starts_item
            and previous_numbered
            and (
                open_brackets > 0
                # A long line cut without a full stop: a PDF copy or a narrow column
                # wrapped it. A short one is a heading and stands alone.
                or (length >= _WRAPPED_MIN and last[-1] not in _SENTENCE_END + "）)〕】")
            )
        ):
            # A line wrapped by a PDF copy or a narrow column: the item goes on.
            items[-1][1].append(line)
            open_brackets += _brackets(line)
            length += len(line)
        else:
            items.append((number, [line]))
            previous_numbered = starts_item
            open_brackets = _brackets(line)
            length = len(line)
        last = line
    return [(number, "".join(pieces)) for number, pieces in items]


def _read_item(node: _Node) -> None:
    """Split a numbered line into its text and its unit bracket (if any)."""
    text = node.text
    groups = [g for g in bracket_groups(text) if is_unit_bracket(text[g[0] + 1 : g[1] - 1])]
    if groups:
        start, end = groups[-1]
        node.bracket = read_unit_bracket(text[start + 1 : end - 1])
        node.body = TRAILING.sub("", (text[:start] + text[end:]).strip())
        return
    label = LABEL.search(text)
    if label and label[1] not in DEADLINE_LABELS:
        # Units written after the text without a bracket: "…。牵头单位：X；责任单位：Y"
        node.bracket = read_unit_bracket(text[label.start() :])
        node.body = TRAILING.sub("", text[: label.start()])
        return
    node.body = TRAILING.sub("", text)


def _inherited_bracket(node: _Node) -> UnitBracket | None:
    parent = node.parent
    while parent is not None:
        if parent.bracket is not None and parent.bracket.lead:
            return parent.bracket
        parent = parent.parent
    return None


def parse_plan(text: str, *, name: str = "正文") -> ParsedSheet:
    """Parse a plan's text into categories (sections) and rows (tasks)."""
    outline = _outline(_lines(text))
    tasks, sections = _tasks_and_sections(outline.roots)
    categories, category_names = _categories(sections)
    codes = [task.number.strip("（）") for task in tasks]
    unique = len(set(codes)) == len(codes)
    rows = [
        _task_row(task, code if unique else _path(task) or code, category_names)
        for task, code in zip(tasks, codes, strict=True)
    ]
    rows += [_loose_row(number, line) for number, line in outline.loose]
    rows.sort(key=lambda row: row.row_number)
    return ParsedSheet(
        name=name,
        header_row_index=-1,
        mapping=HeaderMapping(fields=dict(_PLAN_FIELDS), extra={}),
        headers=list(PLAN_HEADERS),
        categories=categories,
        rows=rows,
        title_rows=outline.title_rows,
        category_style="rows" if categories else "",
        detected=HeaderMapping(fields=dict(_PLAN_FIELDS), extra={}),
        source="text",
    )


@dataclass
class _Outline:
    """The numbered lines as a tree, the title above them, and unnumbered lines naming units."""

    roots: list[_Node] = field(default_factory=list)
    title_rows: list[str] = field(default_factory=list)
    loose: list[tuple[int, str]] = field(default_factory=list)


def _outline(lines: list[tuple[int, str]]) -> _Outline:
    outline = _Outline()
    depth_of: dict[str, int] = {}
    stack: list[_Node] = []
    for number, line in lines:
        found = _numbering(line)
        if found is None:
            if not outline.roots and len(line) <= 80 and not outline.title_rows:
                outline.title_rows.append(line)
            elif stack and LABEL.search(line):
                outline.loose.append((number, line))
            continue
        style, printed, rest = found
        depth = depth_of.setdefault(style, len(depth_of))
        node = _Node(line=number, style=style, number=printed, text=rest, depth=depth)
        _read_item(node)
        while stack and stack[-1].depth >= depth:
            stack.pop()
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            outline.roots.append(node)
        stack.append(node)
    return outline


def _tasks_and_sections(roots: list[_Node]) -> tuple[list[_Node], list[_Node]]:
    """Leaves are tasks; a numbered line with children is a section, even with a bracket
    (its units then apply to the tasks under it that name none)."""
    tasks: list[_Node] = []
    sections: list[_Node] = []

    def walk(nodes: list[_Node]) -> None:
        for node in nodes:
            if node.children:
                sections.append(node)
                walk(node.children)
            elif node.bracket is not None or _inherited_bracket(node) or node.depth > 0:
                tasks.append(node)
            else:
                sections.append(node)

    walk(roots)
    return tasks, sections


def _categories(sections: list[_Node]) -> tuple[list[ParsedCategory], dict[int, str]]:
    """The sections as categories, and each section's category name by id(section)."""
    categories: list[ParsedCategory] = []
    names: dict[int, str] = {}
    used: set[str] = set()
    for section in sorted(sections, key=lambda n: n.line):
        name = TRAILING.sub("", section.body or section.text)
        if name in used:
            name = f"{name}（{_path(section)}）"
        used.add(name)
        names[id(section)] = name
        categories.append(
            ParsedCategory(
                code=section.number.strip("（）"),
                name=name,
                order=len(categories),
                numbering=section.number,
            )
        )
    return categories, names


def _task_row(task: _Node, code: str, category_names: dict[int, str]) -> ParsedRow:
    bracket, warnings = _bracket_of(task)
    body = task.body or task.text
    title, content = _title_and_content(body)
    deadline = (bracket.deadline if bracket else "") or _sentence_deadline(body, warnings)
    values: dict[str, CellValue] = {"code": code, "title": title}
    if content:
        values["content"] = content
    if bracket and bracket.lead:
        values["lead_unit"] = bracket.lead
    if bracket and bracket.supporting:
        values["supporting_units"] = bracket.supporting
    if deadline:
        values["deadline"] = deadline
    parent = task.parent
    return ParsedRow(
        row_number=task.line,
        category=category_names.get(id(parent)) if parent is not None else None,
        values=values,
        extra={},
        warnings=tuple(warnings),
    )


def _bracket_of(task: _Node) -> tuple[UnitBracket | None, list[str]]:
    """The task's own bracket, completed from its section's when it names no lead unit."""
    bracket = task.bracket
    warnings = list(bracket.warnings) if bracket else []
    if bracket is None or not bracket.lead:
        inherited = _inherited_bracket(task)
        if inherited is not None:
            bracket = UnitBracket(
                lead=inherited.lead,
                supporting=bracket.supporting if bracket else inherited.supporting,
                deadline=(bracket.deadline if bracket else "") or inherited.deadline,
            )
    return bracket, warnings


def _sentence_deadline(body: str, warnings: list[str]) -> str:
    """The one date the sentence names (2022年10月底前编制…); with several, none and a warning."""
    phrases = [p for p in date_phrases(body) if not any(k in p for k in ONGOING_KEYWORDS)]
    if len(phrases) == 1:
        return phrases[0]
    if len(phrases) > 1:
        warnings.append(
            _(
                "The text names several dates (%(dates)s) and no deadline in its "
                "bracket, so no deadline was taken."
            )
            % {"dates": "、".join(phrases)}
        )
    return ""


def _loose_row(number: int, line: str) -> ParsedRow:
    return ParsedRow(
        row_number=number,
        category=None,
        values={"title": line[:60]},
        extra={},
        warnings=(
            _(
                "This paragraph names units but has no number, so it was not read as "
                "a task. Number it (1. …) if it is one."
            ),
        ),
        skipped=True,
    )


def _path(node: _Node) -> str:
    """The numbers from the outermost section down: 一（一）1."""
    numbers = []
    current: _Node | None = node
    while current is not None:
        numbers.append(current.number)
        current = current.parent
    return "".join(reversed(numbers))


def _title_and_content(body: str) -> tuple[str, str]:
    """A short first sentence is the title and the whole text the content; else the text."""
    body = body.strip()
    first, dot, rest = body.partition("。")
    if dot and rest.strip() and len(first) <= 60:
        return first, body
    if len(body) > 500:
        return body[:200].rstrip("，,；;") + "…", body
    return body, ""
