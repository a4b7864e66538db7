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
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from .deadlines import ONGOING_KEYWORDS, date_phrases, parse_deadline
from .headers import HeaderMapping
from .safety import DEFAULT_LIMITS, ROW_HEADROOM, FileRefused, Limits
from .units import pick_lead, split_units
from .workbook import ParsedCategory, ParsedRow, ParsedSheet, SheetData

__all__ = [
    "PLAN_HEADERS",
    "UnitBracket",
    "docx_tables",
    "docx_text",
    "parse_plan",
    "read_unit_bracket",
]

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
    ("arabic", re.compile(r"^(\d{1,3})\s*[、.．](?!\d)\s*")),
    ("arabic_paren", re.compile(r"^([（(]\s*\d{1,3}\s*[）)])\s*[、.．]?\s*")),
    ("circled", re.compile(r"^([\u2460-\u2473])\s*[、.．]?\s*")),
)

_OPEN = "（(〔[【"
_CLOSE = "）)〕]】"
_PAIRS = dict(zip(_OPEN, _CLOSE, strict=True))

_LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主办单位", "牵头")
_RESPONSIBLE_LABELS = ("责任单位", "责任部门", "实施单位")
_SUPPORT_LABELS = ("配合单位", "配合部门", "协同部门", "协办单位", "参与单位")
_DEADLINE_LABELS = ("完成时限", "完成时间", "时限要求", "时间节点", "完成期限")
_LABEL = re.compile(
    "("
    + "|".join(
        sorted(
            (*_LEAD_LABELS[:-1], *_RESPONSIBLE_LABELS, *_SUPPORT_LABELS, *_DEADLINE_LABELS),
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
_SENTENCE_END = "。；;！!？?"
_WRAPPED_MIN = 20
_TRAILING = re.compile(r"[\s。；;，,、：:]+$")


@dataclass(frozen=True)
class UnitBracket:
    """What a task's bracket says: unit texts (split later), deadline text, notes."""

    lead: str = ""
    supporting: str = ""
    deadline: str = ""
    warnings: tuple[str, ...] = ()


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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CONTINUED = object()  # a cell merged down from the one above
_ANNEX = re.compile(r"^附\s*件\s*\d*\s*[:：]?$")  # "附件1" above an annexed table is no title


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append(" ")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_root(data: bytes):
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return SafeET.fromstring(archive.read("word/document.xml"), forbid_dtd=True)
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, DefusedXmlException) as exc:
        raise FileRefused(_("The Word document cannot be read; save it again as .docx.")) from exc


def docx_text(data: bytes) -> str:
    """The paragraphs of a .docx (those in tables too), one per line.

    The file has been judged by ``safety.inspect_upload``; the XML is parsed with defusedxml
    all the same.
    """
    return "\n".join(_paragraph_text(p) for p in _docx_root(data).iter(f"{_W}p"))


def docx_tables(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[SheetData]:
    """The tables of a .docx as sheets: lists are often sent as a table in a Word document.

    Cells spanning several columns leave the others empty; cells merged down repeat the
    value above (as in a workbook); a row that is one cell across the table is flagged like
    a row merged across a sheet. The document's first short paragraph is the title. A table
    wider or longer than the limits is refused, as a sheet would be.
    """
    root = _docx_root(data)
    too_big = FileRefused(
        _(
            "A table of the document is larger than %(rows)s rows or %(columns)s columns; at "
            "most %(limit)s tasks can be imported at once."
        )
        % {
            "rows": f"{limits.max_rows + ROW_HEADROOM:,}",
            "columns": limits.max_columns,
            "limit": f"{limits.max_rows:,}",
        }
    )
    title = next(
        (
            text
            for p in root.iter(f"{_W}p")
            if 0 < len(text := _paragraph_text(p).strip()) <= 80 and not _ANNEX.match(text)
        ),
        "",
    )
    sheets = []
    for number, table in enumerate(root.iter(f"{_W}tbl"), start=1):
        rows: list[list[object]] = []
        spans: list[int] = []
        for tr in table.findall(f"{_W}tr"):
            row: list[object] = []
            widest = 0
            for tc in tr.findall(f"{_W}tc"):
                properties = tc.find(f"{_W}tcPr")
                span, continued = 1, False
                if properties is not None:
                    grid_span = properties.find(f"{_W}gridSpan")
                    if grid_span is not None and (grid_span.get(f"{_W}val") or "").isdigit():
                        span = max(1, int(grid_span.get(f"{_W}val")))
                        if span > limits.max_columns:
                            raise too_big
                    v_merge = properties.find(f"{_W}vMerge")
                    continued = v_merge is not None and v_merge.get(f"{_W}val") in (
                        None,
                        "continue",
                    )
                text = "\n".join(_paragraph_text(p) for p in tc.findall(f"{_W}p")).strip()
                row.append(_CONTINUED if continued else (text or None))
                row.extend([None] * (span - 1))
                widest = max(widest, span)
                if len(row) > limits.max_columns:
                    raise too_big
            rows.append(row)
            spans.append(widest)
            if len(rows) > limits.max_rows + ROW_HEADROOM:
                raise too_big
        width = max((len(row) for row in rows), default=0)
        grid: list[list[object]] = []
        merged_across = set()
        for index, row in enumerate(rows):
            row = row + [None] * (width - len(row))
            for column, value in enumerate(row):
                if value is _CONTINUED:
                    row[column] = grid[index - 1][column] if index else None
            if width >= 2 and spans[index] >= max(2, int(width * 0.8)):
                merged_across.add(index)
            grid.append(row)
        if grid:
            sheets.append(SheetData(name=f"表格{number}", rows=grid, merged_across=merged_across))
    if sheets and title:
        sheets[0] = SheetData(
            name=sheets[0].name,
            rows=[[title] + [None] * (len(sheets[0].rows[0]) - 1), *sheets[0].rows],
            merged_across={0} | {index + 1 for index in sheets[0].merged_across},
        )
    return sheets


def _numbering(line: str) -> tuple[str, str, str] | None:
    """(style, number as printed, rest) for a numbered line."""
    for style, pattern in _NUMBERINGS:
        match = pattern.match(line)
        if match and line[match.end() :].strip():
            number = re.sub(r"\s+", "", match[1]).replace("(", "（").replace(")", "）")
            return style, number, line[match.end() :].strip()
    return None


def _bracket_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every top-level balanced bracket group, in order."""
    groups = []
    stack: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char in _PAIRS:
            if not stack:
                start = index
            stack.append(_PAIRS[char])
        elif char in _CLOSE and stack:
            if char == stack[-1] or char in "）)" and stack[-1] in "）)":
                stack.pop()
                if not stack:
                    groups.append((start, index + 1))
    return groups


def _is_unit_bracket(inner: str) -> bool:
    return bool(_LABEL.search(inner) or _UNIT_WORDS.search(inner))


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


def read_unit_bracket(inner: str) -> UnitBracket:
    """Read the inside of a task's bracket into lead units, supporting units and deadline."""
    inner = inner.strip()
    labels = list(_LABEL.finditer(inner))
    lead_parts: list[str] = []
    responsible: list[str] = []
    supporting: list[str] = []
    deadlines: list[str] = []
    if labels:
        for index, label in enumerate(labels):
            end = labels[index + 1].start() if index + 1 < len(labels) else len(inner)
            segment = _TRAILING.sub("", inner[label.end() : end]).strip()
            name = label[1]
            if name in _DEADLINE_LABELS:
                deadlines.append(segment)
                continue
            units, deadline = _split_deadline(segment)
            if deadline:
                deadlines.append(deadline)
            if name in _LEAD_LABELS:
                lead_parts.append(units)
            elif name in _RESPONSIBLE_LABELS:
                responsible.append(units)
            else:
                supporting.append(units)
        # Text before the first label ("区财政局牵头，牵头单位：…" is rare) is read as clauses.
        head = inner[: labels[0].start()]
    else:
        head = inner
    for clause in _CLAUSE_SPLIT.split(head):
        clause = clause.strip()
        if not clause:
            continue
        if _LEAD_SUFFIX.search(clause):
            lead_parts.append(_LEAD_SUFFIX.sub("", clause))
        elif _looks_like_deadline(clause):
            deadlines.append(clause)
        elif _SUPPORT_SUFFIX.search(clause):
            supporting.append(_SUPPORT_SUFFIX.sub("", clause))
        elif not labels:
            supporting.append(clause)
    if not lead_parts and responsible:
        # 责任单位 alone names the lead unit first, as in a spreadsheet's 责任单位 column.
        lead, rest = pick_lead([m for part in responsible for m in split_units(part)])
        lead_parts = [lead.name] if lead else []
        responsible = ["、".join(m.name for m in rest)]
    supporting = responsible + supporting
    lead = "、".join(part for part in lead_parts if part)
    warnings = []
    if len(deadlines) > 1:
        warnings.append(
            _("The bracket names more than one deadline (%(deadlines)s); the first is used.")
            % {"deadlines": "；".join(deadlines)}
        )
    return UnitBracket(
        lead=lead,
        supporting="、".join(part for part in supporting if part),
        deadline=deadlines[0] if deadlines else "",
        warnings=tuple(warnings),
    )


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers, wrapped lines of one item joined."""
    result: list[tuple[int, str]] = []
    open_brackets = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ").strip()
        if not line:
            open_brackets = 0
            continue
        starts_item = _numbering(line) is not None
        previous = result[-1][1] if result else ""
        if (
            result
            and not starts_item
            and _numbering(previous) is not None
            and (
                open_brackets > 0
                # A long line cut without a full stop: a PDF copy or a narrow column
                # wrapped it. A short one is a heading and stands alone.
                or (len(previous) >= _WRAPPED_MIN and previous[-1] not in _SENTENCE_END + "）)〕】")
            )
        ):
            # A line wrapped by a PDF copy or a narrow column: the item goes on.
            result[-1] = (result[-1][0], result[-1][1] + line)
        else:
            result.append((number, line))
        current = result[-1][1]
        open_brackets = sum(current.count(c) for c in _OPEN) - sum(current.count(c) for c in _CLOSE)
    return result


def _read_item(node: _Node) -> None:
    """Split a numbered line into its text and its unit bracket (if any)."""
    text = node.text
    groups = [g for g in _bracket_groups(text) if _is_unit_bracket(text[g[0] + 1 : g[1] - 1])]
    if groups:
        start, end = groups[-1]
        node.bracket = read_unit_bracket(text[start + 1 : end - 1])
        node.body = _TRAILING.sub("", (text[:start] + text[end:]).strip())
        return
    label = _LABEL.search(text)
    if label and label[1] not in _DEADLINE_LABELS:
        # Units written after the text without a bracket: "…。牵头单位：X；责任单位：Y"
        node.bracket = read_unit_bracket(text[label.start() :])
        node.body = _TRAILING.sub("", text[: label.start()])
        return
    node.body = _TRAILING.sub("", text)


def _inherited_bracket(node: _Node) -> UnitBracket | None:
    parent = node.parent
    while parent is not None:
        if parent.bracket is not None and parent.bracket.lead:
            return parent.bracket
        parent = parent.parent
    return None


def parse_plan(text: str, *, name: str = "正文") -> ParsedSheet:
    """Parse a plan's text into categories (sections) and rows (tasks)."""
    lines = _lines(text)
    depth_of: dict[str, int] = {}
    roots: list[_Node] = []
    stack: list[_Node] = []
    title_rows: list[str] = []
    loose: list[tuple[int, str]] = []
    for number, line in lines:
        found = _numbering(line)
        if found is None:
            if not roots and not stack and len(line) <= 80 and not title_rows:
                title_rows.append(line)
            elif stack and _LABEL.search(line):
                loose.append((number, line))
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
            roots.append(node)
        stack.append(node)

    # Leaves are tasks; a numbered line with children is a section, even with a bracket
    # (its units then apply to the tasks under it that name none).
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

    categories: list[ParsedCategory] = []
    category_name: dict[int, str] = {}
    used_names: set[str] = set()
    for section in sorted(sections, key=lambda n: n.line):
        name_text = _TRAILING.sub("", section.body or section.text)
        if name_text in used_names:
            name_text = f"{name_text}（{_path(section)}）"
        used_names.add(name_text)
        category_name[id(section)] = name_text
        categories.append(
            ParsedCategory(
                code=section.number.strip("（）"),
                name=name_text,
                order=len(categories),
                numbering=section.number,
            )
        )

    codes = [task.number.strip("（）") for task in tasks]
    unique = len(set(codes)) == len(codes)
    rows: list[ParsedRow] = []
    for task, code in zip(tasks, codes, strict=True):
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
        body = task.body or task.text
        title, content = _title_and_content(body)
        deadline = bracket.deadline if bracket else ""
        if not deadline:
            phrases = date_phrases(body)
            phrases = [p for p in phrases if not any(k in p for k in ONGOING_KEYWORDS)]
            if len(phrases) == 1:
                deadline = phrases[0]
            elif len(phrases) > 1:
                warnings.append(
                    _(
                        "The text names several dates (%(dates)s) and no deadline in its "
                        "bracket, so no deadline was taken."
                    )
                    % {"dates": "、".join(phrases)}
                )
        values: dict[str, object] = {"code": code if unique else _path(task) or code}
        values["title"] = title
        if content:
            values["content"] = content
        if bracket and bracket.lead:
            values["lead_unit"] = bracket.lead
        if bracket and bracket.supporting:
            values["supporting_units"] = bracket.supporting
        if deadline:
            values["deadline"] = deadline
        parent = task.parent
        category = category_name.get(id(parent)) if parent is not None else None
        rows.append(
            ParsedRow(
                row_number=task.line,
                category=category,
                values=values,
                extra={},
                warnings=tuple(warnings),
            )
        )
    for number, line in loose:
        rows.append(
            ParsedRow(
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
        )
    rows.sort(key=lambda row: row.row_number)
    return ParsedSheet(
        name=name,
        header_row_index=-1,
        mapping=HeaderMapping(fields=dict(_PLAN_FIELDS), extra={}),
        headers=list(PLAN_HEADERS),
        categories=categories,
        rows=rows,
        title_rows=title_rows,
        category_style="rows" if categories else "",
        detected=HeaderMapping(fields=dict(_PLAN_FIELDS), extra={}),
        source="text",
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
