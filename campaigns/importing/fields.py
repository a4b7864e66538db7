"""Checking a row's units and deadline: cell values → DraftTask fields and issues (targets:
targets.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from .cells import cell_number, cell_text
from .deadlines import ParsedDeadline, parse_deadline
from .drafts import (
    ERROR,
    MAX_DEADLINE_TEXT,
    MAX_DIFFICULTY,
    MAX_UNIT,
    MIN_DIFFICULTY,
    WARNING,
    DraftTask,
    RowProblems,
)
from .rows import CellValue
from .units import pick_lead, split_units

Values = Mapping[str, CellValue]
Columns = Mapping[str, str]


@dataclass(frozen=True)
class Units:
    """What a pair of unit cells says; the same pair recurs on many rows, so it is cached."""

    lead: str | None
    lead_rest: tuple[str, ...]
    supporting: tuple[str, ...]
    marked: int  # units marked （牵头）
    named: int  # units in the lead cell
    lead_marked: bool
    too_long: tuple[str, ...]


def _units(lead_value: CellValue, supporting_value: CellValue) -> Units:
    lead_mentions = split_units(cell_text(lead_value))
    lead, rest = pick_lead(lead_mentions)
    lead_rest = tuple(m.name for m in rest)
    names = [*lead_rest, *(m.name for m in split_units(cell_text(supporting_value)))]
    lead_name = lead.name if lead else None
    supporting = tuple(name for name in dict.fromkeys(names) if name != lead_name)
    return Units(
        lead=lead_name,
        lead_rest=lead_rest,
        supporting=supporting,
        marked=sum(m.marked_lead for m in lead_mentions),
        named=len(lead_mentions),
        lead_marked=bool(lead and lead.marked_lead),
        too_long=tuple(n for n in (lead_name, *supporting) if n and len(n) > MAX_UNIT),
    )


def read_units(
    task: DraftTask,
    values: Values,
    columns: Columns,
    cache: dict[tuple[CellValue, CellValue], Units],
    problem: RowProblems,
    source: str,
) -> None:
    """The lead and supporting unit names of a row (a recurring pair of cells is read once)."""
    key = (values.get("lead_unit"), values.get("supporting_units"))
    units = cache.get(key)
    if units is None:
        units = cache[key] = _units(*key)
    column = columns.get("lead_unit")
    task.lead = units.lead
    # The cache's tuples, shared by the rows that give the same cells.
    task.lead_rest = units.lead_rest
    task.supporting = units.supporting
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


def read_deadline(
    task: DraftTask,
    values: Values,
    columns: Columns,
    default_year: int,
    cache: dict[tuple[type, Any], ParsedDeadline],
    problem: RowProblems,
) -> None:
    """The deadline of a row: its date, its text as written, or ongoing."""
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


def read_difficulty(
    task: DraftTask, values: Values, columns: Columns, problem: RowProblems
) -> None:
    """The task's difficulty (难度系数), 0.5–3.0 in steps of 0.1; an empty cell keeps the
    task's own (1.0 for a new task)."""
    value = values.get("difficulty")
    if value is None or cell_text(value) == "":
        return
    number = cell_number(value)
    if number is None or not MIN_DIFFICULTY <= number <= MAX_DIFFICULTY:
        problem(
            ERROR,
            columns.get("difficulty"),
            _("“%(text)s” is not a difficulty: give a number from %(min)s to %(max)s.")
            % {"text": cell_text(value)[:20], "min": MIN_DIFFICULTY, "max": MAX_DIFFICULTY},
            "difficulty_invalid",
        )
        return
    rounded = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded != number:
        problem(
            WARNING,
            columns.get("difficulty"),
            _("the difficulty %(text)s was rounded to %(value)s.")
            % {"text": cell_text(value), "value": rounded},
            "difficulty_rounded",
        )
    task.difficulty = rounded
