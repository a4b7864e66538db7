"""Reads of inspection rounds: a unit's questions, an answer's history, the round's matrix
with its counts and trend, and a checklist's answers as export columns."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.models import Unit, User
from campaigns.kinds import ExportColumns
from campaigns.models import TaskList
from inspections import permissions
from inspections.models import Answer, AnswerEvent, InspectionRound, Rectification, Value
from tasks.models import Task


def rounds_with_counts(rounds: QuerySet[InspectionRound]) -> QuerySet[InspectionRound]:
    """Rounds for a list page, newest first, with how many answers are in and verified."""
    return (
        rounds.select_related("campaign", "checklist")
        .annotate(
            answers_count=Count("answers", distinct=True),
            answered_count=Count("answers", filter=~Q(answers__value=""), distinct=True),
            verified_count=Count("answers", filter=~Q(answers__verification=""), distinct=True),
        )
        .order_by("-opened_at", "-id")
    )


def unit_open_rounds(*, unit_id: int, rounds: QuerySet[InspectionRound]):
    """The unit's rounds, open ones first, with how many of its questions are still unanswered."""
    own = Q(answers__unit_id=unit_id)
    return (
        rounds.select_related("campaign", "checklist")
        .annotate(
            mine=Count("answers", filter=own),
            unanswered=Count("answers", filter=own & Q(answers__value="")),
        )
        .order_by(F("closed_at").desc(nulls_first=True), "-opened_at")
    )


def unit_answers(*, round_: InspectionRound, unit_id: int) -> QuerySet[Answer]:
    """One unit's answers in a round, in the checklist's order, with files and rectification."""
    return (
        Answer.objects.filter(round=round_, unit_id=unit_id)
        .select_related("question", "question__category", "unit", "rectification__task")
        .prefetch_related("files")
        .order_by("question__order", "question_id")
    )


def answer_history(*, answer: Answer) -> list[tuple[AnswerEvent, list[tuple[str, str, str]]]]:
    """The answer's events, oldest first, each with its changes in words: (what, before,
    after), values by their labels (是 / 否 / 不适用, 已确认 …), never the stored codes."""
    events = answer.events.select_related("actor").order_by("at", "id")
    return [(event, _changes(event)) for event in events]


_HISTORY_FIELDS = {
    "value": gettext_lazy("Answer"),
    "note": gettext_lazy("Note"),
    "files": gettext_lazy("Evidence files"),
    "verification": gettext_lazy("Verification"),
    "verified_value": gettext_lazy("Verified answer"),
    "verify_reason": gettext_lazy("Reason for overturning"),
    "code": gettext_lazy("Rectification task"),
}


def _changes(event: AnswerEvent) -> list[tuple[str, str, str]]:
    before, after = event.before or {}, event.after or {}
    return [
        (str(label), _words(key, before.get(key)), _words(key, after.get(key)))
        for key, label in _HISTORY_FIELDS.items()
        if key in after and before.get(key) != after.get(key)
    ]


def _words(key: str, value) -> str:
    if key == "verification" and value in Answer.Verification.values:  # "" is 未核查
        return str(Answer.Verification(value).label)
    if value in (None, "", []):
        return "—"
    if key in ("value", "verified_value") and value in Value.values:
        return str(Value(value).label)
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


# --- the matrix -----------------------------------------------------------------------------


@dataclass
class Cell:
    answer_id: int
    value: str  # what counts: the verified answer once verified, else the unit's own
    verified: bool
    overturned: bool


@dataclass
class UnitFigures:
    unit: Unit
    asked: int = 0
    answered: int = 0
    yes: int = 0
    no: int = 0
    na: int = 0
    verified: int = 0
    overturned: int = 0
    previous_rate: float | None = None

    @property
    def yes_rate(self) -> float | None:
        """是率: 是 among the answers 是 or 否 (不适用 and unanswered left out), in percent."""
        return _rate(self.yes, self.no)

    @property
    def trend(self) -> float | None:
        if self.yes_rate is None or self.previous_rate is None:
            return None
        return round(self.yes_rate - self.previous_rate, 1)


@dataclass
class QuestionRow:
    question: Task
    cells: list[Cell | None] = field(default_factory=list)
    no: int = 0  # 否 that counts (verified, or self-reported while not yet verified)
    no_verified: int = 0
    no_self: int = 0  # the units' own 否 answers, whatever the verification said
    previous_no: int | None = None

    @property
    def trend(self) -> int | None:
        return None if self.previous_no is None else self.no - self.previous_no


@dataclass
class Matrix:
    round: InspectionRound
    units: list[UnitFigures]
    rows: list[QuestionRow]
    previous: InspectionRound | None
    totals: UnitFigures


def _cells(round_: InspectionRound) -> list[tuple]:
    return list(
        Answer.objects.filter(round=round_).values_list(
            "pk", "question_id", "unit_id", "value", "verification", "verified_value"
        )
    )


def _final(value: str, verification: str, verified_value: str) -> str:
    return verified_value if verification else value


def previous_round(round_: InspectionRound) -> InspectionRound | None:
    """The round of the same checklist opened just before this one."""
    return (
        InspectionRound.objects.filter(checklist_id=round_.checklist_id)
        .filter(Q(opened_at__lt=round_.opened_at) | Q(opened_at=round_.opened_at, pk__lt=round_.pk))
        .order_by("-opened_at", "-id")
        .first()
    )


def _rate(yes: int, no: int) -> float | None:
    return round(100 * yes / (yes + no), 1) if yes + no else None


def _previous_figures(previous: InspectionRound | None):
    """否 per question, 是率 per unit and overall of the previous round (one query)."""
    no_by_question: dict[int, int] = defaultdict(int)
    judged: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if previous is None:
        return no_by_question, {}, None
    for _pk, question_id, unit_id, value, verification, verified in _cells(previous):
        final = _final(value, verification, verified)
        if final == Value.NO:
            no_by_question[question_id] += 1
            judged[unit_id][1] += 1
        elif final == Value.YES:
            judged[unit_id][0] += 1
    rates = {u: _rate(y, n) for u, (y, n) in judged.items() if y + n}
    overall = _rate(sum(y for y, _n in judged.values()), sum(n for _y, n in judged.values()))
    return no_by_question, rates, overall


def round_matrix(*, round_: InspectionRound, unit_id: int | None = None) -> Matrix:
    """Questions × units with every count, in five queries whatever the size of the round."""
    cells = _cells(round_)
    if unit_id is not None:
        cells = [c for c in cells if c[2] == unit_id]
    units = round_units(round_=round_)
    if unit_id is not None:
        units = [u for u in units if u.pk == unit_id]
    question_ids = {c[1] for c in cells}
    questions = list(
        Task.objects.filter(pk__in=question_ids).select_related("category").order_by("order", "id")
    )
    previous = previous_round(round_)
    previous_no, previous_rates, previous_overall = _previous_figures(previous)
    column = {unit.pk: index for index, unit in enumerate(units)}
    figures = [UnitFigures(unit=u, previous_rate=previous_rates.get(u.pk)) for u in units]
    rows = {q.pk: QuestionRow(question=q, cells=[None] * len(units)) for q in questions}
    for pk, question_id, uid, value, verification, verified_value in cells:
        final = _final(value, verification, verified_value)
        row, unit = rows[question_id], figures[column[uid]]
        row.cells[column[uid]] = Cell(
            pk, final, bool(verification), verification == Answer.Verification.OVERTURNED
        )
        _count(unit, value, verification, final)
        if final == Value.NO:
            row.no += 1
            row.no_verified += bool(verification)
        row.no_self += value == Value.NO
    if previous is not None:
        for row in rows.values():
            row.previous_no = previous_no.get(row.question.pk, 0)
    totals = UnitFigures(unit=Unit(name=""))
    for unit in figures:
        for name in ("asked", "answered", "yes", "no", "na", "verified", "overturned"):
            setattr(totals, name, getattr(totals, name) + getattr(unit, name))
    totals.previous_rate = previous_overall if unit_id is None else None
    return Matrix(
        round=round_, units=figures, rows=list(rows.values()), previous=previous, totals=totals
    )


def _count(unit: UnitFigures, value: str, verification: str, final: str) -> None:
    unit.asked += 1
    unit.answered += bool(value)
    unit.verified += bool(verification)
    unit.overturned += verification == Answer.Verification.OVERTURNED
    if final == Value.YES:
        unit.yes += 1
    elif final == Value.NO:
        unit.no += 1
    elif final == Value.NA:
        unit.na += 1


# --- a checklist's export -------------------------------------------------------------------


def checklist_export_columns(
    task_list: TaskList, line_ids: Sequence[int], user: User
) -> ExportColumns:
    """One column per unit of the checklist's latest round: each question's verified answer,
    else the unit's own (empty where the unit was not asked or has not answered). Someone who
    may not read the round's matrix gets their own unit's column only."""
    latest = (
        InspectionRound.objects.filter(checklist=task_list).order_by("-opened_at", "-id").first()
    )
    if latest is None:
        return ExportColumns()
    units = list(Unit.objects.filter(inspection_rounds=latest).order_by("order", "name"))
    if not permissions.overseen_rounds(user).filter(pk=latest.pk).exists():
        units = [unit for unit in units if unit.pk == user.unit_id]
    column = {unit.pk: index for index, unit in enumerate(units)}
    with translation.override("zh-hans"):
        labels = {key: str(label) for key, label in Value.choices}
    cells: dict[int, list] = {pk: [None] * len(units) for pk in line_ids}
    answers = Answer.objects.filter(round=latest, question_id__in=list(line_ids)).values_list(
        "question_id", "unit_id", "value", "verification", "verified_value"
    )
    for question_id, unit_id, value, verification, verified in answers:
        final = _final(value, verification, verified)
        if final and unit_id in column:
            cells[question_id][column[unit_id]] = labels[final]
    return ExportColumns(headers=[f"{EXPORT_PREFIX}{unit.name}" for unit in units], cells=cells)


# Each answer column of a checklist's export is headed 督查答复·<unit>, so that re-importing the
# export can tell it from the list's own columns and ignore it.
EXPORT_PREFIX = "督查答复·"


def is_export_column(header: str) -> bool:
    """Whether a header (in its matching form) heads one of the export's answer columns."""
    return header.startswith(EXPORT_PREFIX)


def answers_by_unit(answers: Sequence[Answer]) -> dict[int, list[Answer]]:
    grouped: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        grouped[answer.unit_id].append(answer)
    return grouped


def round_units(*, round_: InspectionRound) -> list[Unit]:
    return list(Unit.objects.filter(inspection_rounds=round_).order_by("order", "name"))


def rectification_of(*, answer: Answer):
    """The rectification task the answer created, if any (None otherwise)."""
    return Rectification.objects.filter(answer=answer).select_related("task").first()
