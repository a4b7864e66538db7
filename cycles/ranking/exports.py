"""The ranking's sheets of a workbook: every unit's score with each term as a column and what
each term was computed from, then the per-task contributions and the other inputs, and the
formula. Anyone can add the terms of a row up to its score, and work each term out again
from the sheets after it (the README shows how)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from campaigns.exporting import escape_cell
from cycles.models import FORMULA_SETTINGS, RankingFormula, Rating
from cycles.ranking.compute import LEAD, UnitInputs, unit_terms
from cycles.ranking.formula import describe, penalty_label, setting_label, setting_shown


def write_sheet(workbook: Workbook, title: str, header: list[str], rows) -> None:
    """A sheet with a bold header, its text escaped (nothing a spreadsheet would run). In a
    write-only workbook (bulletins: tens of thousands of rows) as in a normal one."""
    sheet = workbook.create_sheet(title[:31])
    if workbook.write_only:
        bold = []
        for text in header:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = Font(bold=True)
            bold.append(cell)
        sheet.append(bold)
    else:
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(value) for value in row])


_sheet = write_sheet


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return escape_cell(value)


def ranking_sheets(workbook: Workbook, ranking, detail_unit: int | None = None) -> None:
    """Add the ranking's sheets. ``detail_unit``: None for every unit's inputs, else only that
    unit's (the ranking sheet itself always lists every unit)."""
    labels = dict(Rating.choices)
    explained = [
        (row, inputs, unit_terms(inputs, ranking.formula))
        for row in ranking.rows
        for inputs in [_inputs(row)]
    ]
    _sheet(workbook, _("Unit ranking"), _ranking_header(labels), _ranking_rows(explained))
    detail = [
        (row, inputs, terms)
        for row, inputs, terms in explained
        if detail_unit is None or row.unit_id == detail_unit
    ]
    _sheet(
        workbook,
        _("Score lines"),
        [
            _("Unit"),
            _("Part"),
            _("No."),
            _("Task"),
            _("Rating"),
            _("Points"),
            _("Difficulty"),
            _("Factor used"),
            _("Weight"),
            _("Value"),
            _("Reports"),
            _("Claimed"),
            _("Bonus"),
            _("Note"),
        ],
        [
            [
                row.unit_name,
                _("led") if s.line.role == LEAD else _("supported"),
                s.line.code,
                s.line.title,
                str(labels.get(s.line.rating, s.line.rating)),
                s.points,
                Decimal(s.line.difficulty),
                s.factor,
                s.weight,
                s.value,
                s.line.reports,
                _("yes") if s.line.claimed else "",
                s.bonus,
                _line_note(s.line),
            ]
            for row, _inputs_, terms in detail
            for s in terms.lines
        ],
    )
    _inputs_sheets(workbook, detail)
    _formula_sheet(workbook, ranking.formula)


def _inputs(row) -> UnitInputs:
    if row.inputs:
        return UnitInputs.from_json(row.inputs)
    return UnitInputs(unit=row.unit_id, name=row.unit_name)  # certified before the formula


def _line_note(line) -> str:
    if line.excused:
        return _("excused (容错免责): not counted")
    if line.proposed:
        return _("not rated yet: the proposal counts")
    return ""


def _ranking_header(labels) -> list[str]:
    return [
        _("Rank"),
        _("Rank change"),
        _("Unit"),
        _("Board"),
        _("Led tasks"),
        str(labels["on_track"]),
        str(labels["behind"]),
        str(labels["completed"]),
        str(labels["not_completed"]),
        _("Reports"),
        _("Supported tasks"),
        _("Σ value"),
        _("Σ weight"),
        _("Ratings term"),
        _("Led tasks with a report"),
        _("Reporting term"),
        _("Weekly reports owed"),
        _("On time"),
        _("Punctuality term"),
        _("Targets"),
        _("Average share of the way %"),
        _("Targets term"),
        _("Claimed tasks with the bonus"),
        _("Claimed term"),
        _("Penalties applied"),
        _("Penalties term"),
        _("Total score"),
    ]


def _ranking_rows(explained):
    boards = {"red": _("Red board"), "black": _("Black board")}
    for row, _unit_inputs, t in explained:
        yield [
            row.rank,
            row.change_label,
            row.unit_name,
            boards.get(row.board, ""),
            row.tasks,
            row.on_track,
            row.behind,
            row.completed,
            row.not_completed,
            row.reports,
            row.supported,
            t.value,
            t.weight,
            row.term_ratings,
            t.reported,
            row.term_reporting,
            t.owed,
            t.on_time,
            row.term_punctuality,
            len(t.targets),
            t.target_share.quantize(Decimal("0.01")) if t.target_share is not None else "",
            row.term_targets,
            t.claimed,
            row.term_claimed,
            len(t.penalties),
            row.term_penalties,
            row.score,
        ]


def _inputs_sheets(workbook: Workbook, detail) -> None:
    states = {"on_time": _("on time"), "late": _("late"), "missing": _("not reported")}
    codes = {
        (row.unit_id, line.task): line.code
        for row, inputs, _terms in detail
        for line in inputs.lines
    }
    _sheet(
        workbook,
        _("Weekly reports owed"),
        [_("Unit"), _("No."), _("Week of"), _("Report")],
        [
            [row.unit_name, codes.get((row.unit_id, task), ""), week, states.get(state, state)]
            for row, _unit_inputs, terms in detail
            for task, week, state in terms.rounds
        ],
    )
    _sheet(
        workbook,
        _("Targets at month end"),
        [_("Unit"), _("No."), _("Metric"), _("Share of the way %")],
        [
            [row.unit_name, codes.get((row.unit_id, task), ""), metric, share or 0]
            for row, _inputs_, terms in detail
            for task, metric, share in terms.targets
        ],
    )
    _sheet(
        workbook,
        _("Penalties deducted"),
        [_("Unit"), _("Measure"), _("Kind"), _("Applied on"), _("Points")],
        [
            [
                row.unit_name,
                penalty["label"],
                penalty_label(penalty["kind"]),
                penalty["date"],
                -points,
            ]
            for row, _inputs_, terms in detail
            for penalty, points in terms.penalties
        ],
    )


def _formula_sheet(workbook: Workbook, formula: RankingFormula) -> None:
    rows: list[list] = [
        [
            setting_label(name),
            setting_shown(formula, name)
            if name == "difficulty_mode" or getattr(formula, name) is None
            else Decimal(getattr(formula, name)),
        ]
        for name in FORMULA_SETTINGS
    ]
    rows.append([_("Version"), formula.version])
    rows.extend([[sentence, ""] for sentence in describe(formula)])
    _sheet(workbook, _("Formula"), [_("Setting"), _("Value")], rows)
