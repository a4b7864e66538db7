"""The arithmetic of the unit ranking (赛马): each unit's inputs and the formula → its terms,
score, rank and board. No database here (``cycles.ranking.inputs`` reads the inputs), so a
certified month's stored inputs give the same scores again, and a test can work by hand.

A unit's score is the sum of six terms, each rounded to 0.01:

* ratings: Σ value ÷ Σ weight over its lines. A line is a task it led at month end (weight 1)
  or, when the formula gives supported tasks a weight, a task it supports. A line's points
  are its rating's points (a supported task's only if the unit reported a contribution that
  month, else 0); with the difficulty factor d, value = points × d × weight and the
  denominator d × weight ("weight" mode), value = points × d × weight and the denominator
  weight ("multiply" mode), or no d at all ("none");
* reporting: reporting weight × (led tasks with a report in the month ÷ led tasks);
* punctuality: punctuality weight × (weekly reports owed by the unit in the rounds that opened
  in the month that came by the due time ÷ reports owed);
* targets: targets weight × the average, over the targets of its led tasks, of the share of
  the way to the target at month end (met: 100; not reported yet: 0) ÷ 100;
* claimed: the bonus × its led claimed (揭榜) tasks rated completed or on track;
* penalties: − the deduction of each penalty applied to it (or one of its people) in the month.

A term with nothing to measure (no led task, no report owed, no target) scores its full
weight: nothing owed, nothing missed. An excused rating (容错免责) counts in no term.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from cycles.models import DifficultyMode, RankingFormula, Rating, UnitMonth
from cycles.ranking.formula import PENALTY_SETTINGS, points

CENT = Decimal("0.01")
LEAD, SUPPORT = "lead", "support"
ON_TIME, LATE, MISSING = "on_time", "late", "missing"
TERMS = ("ratings", "reporting", "punctuality", "targets", "claimed", "penalties")
BONUS_RATINGS = (Rating.COMPLETED, Rating.ON_TRACK)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One task in a unit's score: led by it at month end, or supported."""

    task: int
    code: str
    title: str
    role: str  # LEAD or SUPPORT
    rating: str
    difficulty: str  # as stored, e.g. "1.5"
    reports: int  # led: the unit's reports in the month; supported: its contributions
    claimed: bool = False
    proposed: bool = False  # a draft's line not rated yet: its proposed rating stands in
    excused: bool = False
    # A draft page's lines come grouped (``cycles.ranking.grouped``): ``count`` equal lines,
    # ``task`` None. The arithmetic is the same, each line counted ``count`` times.
    count: int = 1


@dataclass
class UnitInputs:
    """What one unit's score is computed from; stored with a certified month as JSON."""

    unit: int
    name: str
    lines: list[Line] = field(default_factory=list)
    # (task id, week of the round, ON_TIME / LATE / MISSING): each weekly report it owed;
    # grouped: (None, "", state, how many)
    rounds: list[list] = field(default_factory=list)
    # (task id, metric, share of the way 0–100, or None when no value was reported yet);
    # grouped: (None, "", the shares added up, how many targets)
    targets: list[list] = field(default_factory=list)
    # {"ref", "kind", "label", "date"}: each penalty applied to it in the month
    penalties: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        # By hand rather than dataclasses.asdict (a deep copy of every value): at 10,000
        # lines asdict alone took seconds.
        return {
            "unit": self.unit,
            "name": self.name,
            "lines": [dict(vars(line)) for line in self.lines],
            "rounds": [list(r) for r in self.rounds],
            "targets": [list(t) for t in self.targets],
            "penalties": [dict(p) for p in self.penalties],
        }

    @classmethod
    def from_json(cls, data: dict) -> UnitInputs:
        return cls(
            unit=data["unit"],
            name=data["name"],
            lines=[Line(**line) for line in data.get("lines", [])],
            rounds=data.get("rounds", []),
            targets=data.get("targets", []),
            penalties=data.get("penalties", []),
        )

    def excused_tasks(self) -> set[int]:
        """Grouped inputs come with the excused tasks' rounds and targets left out already."""
        return {line.task for line in self.lines if line.excused and line.task is not None}


def times(entry: list) -> int:
    """How many reports owed or targets one entry of ``rounds`` / ``targets`` stands for."""
    return entry[3] if len(entry) > 3 else 1


@dataclass
class LineScore:
    line: Line
    points: Decimal
    factor: Decimal  # the difficulty factor used in the value (1 when not used)
    weight: Decimal  # the line's part of the denominator
    value: Decimal  # points × factor × role weight
    bonus: Decimal  # the claimed bonus it earns


def line_score(
    line: Line, formula: RankingFormula, table: dict[str, Decimal] | None = None
) -> LineScore:
    """``table``: ``points(formula)``, when the caller scores many lines."""
    zero = Decimal(0)
    if line.excused:
        return LineScore(line, zero, zero, zero, zero, zero)
    base = (table or points(formula))[line.rating]
    role = Decimal(1) if line.role == LEAD else Decimal(formula.support_weight)
    if line.role == SUPPORT and line.reports == 0:
        base = zero  # supported without a contribution that month
    difficulty = Decimal(line.difficulty)
    mode = formula.difficulty_mode
    factor = Decimal(1) if mode == DifficultyMode.NONE else difficulty
    weight = role * (difficulty if mode == DifficultyMode.WEIGHT else Decimal(1))
    bonus = (
        Decimal(formula.claimed_bonus)
        if line.role == LEAD and line.claimed and line.rating in BONUS_RATINGS
        else zero
    )
    n = Decimal(line.count)
    return LineScore(line, base, factor, weight * n, base * factor * role * n, bonus * n)


def _share(done: int, owed: int) -> Decimal:
    """done ÷ owed, or 1 when nothing was owed."""
    return Decimal(done) / Decimal(owed) if owed else Decimal(1)


@dataclass
class Terms:
    """A unit's terms with the counts behind each (what "why this score" shows)."""

    lines: list[LineScore]
    value: Decimal
    weight: Decimal
    led: int
    reported: int
    owed: int
    on_time: int
    rounds: list[list]  # the weekly reports owed that count (not of an excused task)
    targets: list[list]
    target_share: Decimal | None  # the average share of the way, 0–100; None: no target
    claimed: int
    penalties: list[tuple[dict, Decimal]]
    terms: dict[str, Decimal]

    @property
    def score(self) -> Decimal:
        return sum(self.terms.values(), Decimal(0))


def unit_terms(inputs: UnitInputs, formula: RankingFormula) -> Terms:
    """Every term of one unit's score under ``formula``."""
    excused = inputs.excused_tasks()
    table = points(formula)
    scored = [line_score(line, formula, table) for line in inputs.lines]
    value = sum((s.value for s in scored), Decimal(0))
    weight = sum((s.weight for s in scored), Decimal(0))
    led = [line for line in inputs.lines if line.role == LEAD and not line.excused]
    reported = sum(line.count for line in led if line.reports > 0)
    rounds = [r for r in inputs.rounds if r[0] not in excused]
    on_time = sum(times(r) for r in rounds if r[2] == ON_TIME)
    owed = sum(times(r) for r in rounds)
    targets = [t for t in inputs.targets if t[0] not in excused]
    measured = sum(times(t) for t in targets)
    share = sum((Decimal(t[2] or 0) for t in targets), Decimal(0)) / measured if measured else None
    penalties = [
        (p, Decimal(getattr(formula, PENALTY_SETTINGS[p["kind"]])))
        for p in inputs.penalties
        if p["kind"] in PENALTY_SETTINGS
    ]
    bonus = sum((s.bonus for s in scored), Decimal(0))
    led_count = sum(line.count for line in led)
    terms = {
        "ratings": cents(value / weight) if weight else Decimal("0.00"),
        "reporting": cents(Decimal(formula.reporting_weight) * _share(reported, led_count)),
        "punctuality": cents(Decimal(formula.punctuality_weight) * _share(on_time, owed)),
        "targets": cents(
            Decimal(formula.targets_weight) * (share / 100 if share is not None else Decimal(1))
        ),
        "claimed": cents(bonus),
        "penalties": cents(-sum((points for _p, points in penalties), Decimal(0))),
    }
    return Terms(
        lines=scored,
        value=value,
        weight=weight,
        led=led_count,
        reported=reported,
        owed=owed,
        on_time=on_time,
        rounds=rounds,
        targets=targets,
        target_share=share,
        claimed=sum(s.line.count for s in scored if s.bonus),
        penalties=penalties,
        terms=terms,
    )


def unit_month(
    inputs: UnitInputs, formula: RankingFormula, *, keep_inputs: bool = True
) -> UnitMonth | None:
    """The unit's figures (unsaved, without review, rank or board), or None when no line of
    it counts (every one excused). ``keep_inputs``: with the inputs as JSON (what certifying
    stores; a draft shown on a page needs none)."""
    terms = unit_terms(inputs, formula)
    if not terms.weight:
        return None
    row = UnitMonth(unit_id=inputs.unit, inputs=inputs.as_json() if keep_inputs else None)
    for line in inputs.lines:
        if line.excused:
            continue
        if line.role == LEAD:
            row.tasks += line.count
            row.reports += line.reports * line.count
            setattr(row, line.rating, getattr(row, line.rating) + line.count)
        elif line.role == SUPPORT:
            row.supported += line.count
    for name, value in terms.terms.items():
        setattr(row, f"term_{name}", value)
    row.score = terms.score
    return row


def ranked(
    units: list[UnitInputs], formula: RankingFormula, *, keep_inputs: bool = True
) -> list[UnitMonth]:
    """Each unit's figures, best first, with its rank (equal scores share one) and board."""
    rows = [
        row
        for row in (unit_month(u, formula, keep_inputs=keep_inputs) for u in units)
        if row is not None
    ]
    names = {u.unit: u.name for u in units}
    rows.sort(key=lambda r: (-r.score, -r.completed, names[r.unit_id]))
    rank, previous = 0, None
    for index, row in enumerate(rows, start=1):
        if row.score != previous:
            rank, previous = index, row.score
        row.rank = rank
    for row in rows:
        row.board = board(row, rows, formula)
    return rows


def board(row: UnitMonth, rows: list[UnitMonth], formula: RankingFormula) -> str:
    """ "red", "black" or "": the top N (and/or a score at least the 红榜's), the bottom N
    (and/or a score below the 黑榜's) — counted from the bottom as ranks are from the top, so
    equal scores share a place. A unit on both is on the 红榜."""
    red_top, red_min = formula.red_top, formula.red_min_score
    if (red_top or red_min is not None) and (
        (not red_top or row.rank <= red_top) and (red_min is None or row.score >= red_min)
    ):
        return "red"
    black_bottom, black_max = formula.black_bottom, formula.black_max_score
    from_bottom = 1 + sum(1 for other in rows if other.score < row.score)
    if (black_bottom or black_max is not None) and (
        (not black_bottom or from_bottom <= black_bottom)
        and (black_max is None or row.score < black_max)
    ):
        return "black"
    return ""
