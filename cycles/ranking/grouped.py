"""A draft ranking's inputs counted in SQL: the same inputs as ``cycles.ranking.inputs``, but
equal lines grouped (a unit's 3,000 led tasks rated "on track" at difficulty 1.0 with one
report each are one line of count 3,000), each unit's weekly reports owed as counts per state
and its targets as a sum of shares and a count. ``cycles.ranking.compute`` gives the same
scores from these (``Line.count``, ``times``); the draft ranking page reads these, so it costs
a few grouped queries at any number of tasks. "Why this score", the workbook and certifying
read the lines one by one (``ranking_inputs``)."""

from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Value,
)

from accounts.models import Unit
from cycles import hooks, schedule
from cycles.models import DispatchRound, MonthlyReview, RankingFormula, ReviewItem, RoundItem
from cycles.ranking.compute import LEAD, SUPPORT, Line, UnitInputs
from cycles.ranking.inputs import add_penalties
from cycles.selectors import targets_at
from tasks.models import DIFFICULTY_DEFAULT, ProgressReport, Task, TaskSupport


def ranking_inputs_grouped(*, review: MonthlyReview, formula: RankingFormula) -> list[UnitInputs]:
    """Every unit's inputs for ``review``'s draft (lines not rated yet take their proposal)."""
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    units: dict[int, UnitInputs] = {}

    def unit(unit_id: int) -> UnitInputs:
        return units.setdefault(unit_id, UnitInputs(unit=unit_id, name=""))

    any_excused = False
    for row in _lines(review, start, end, supports=bool(formula.support_weight)):
        unit(row["unit_id"]).lines.append(_line(row))
        any_excused = any_excused or row["is_excused"]
    _rounds(review, start, end, units, supports=bool(formula.support_weight), excused=any_excused)
    _targets(review, end, units)
    add_penalties(review, start, end, units)
    # The names in one query of the units, not joined into the groupings above.
    for pk, name in Unit.objects.filter(pk__in=list(units)).values_list("pk", "name"):
        units[pk].name = name
    return sorted(units.values(), key=lambda u: u.name)


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _line(row: dict) -> Line:
    difficulty = Task._meta.get_field("difficulty").to_python(row["difficulty"])
    return Line(
        task=None,  # type: ignore[arg-type]  # a group of lines, not one task
        code="",
        title="",
        role=row["role"],
        rating=row["rating"] or row["proposed"],
        difficulty=str(difficulty),
        reports=row["reports"],
        claimed=bool(row["is_claimed"]),
        proposed=not row["rating"],
        excused=bool(row["is_excused"]),
        count=row["n"],
    )


def _claimed(review: MonthlyReview, prefix: str = ""):
    """Whether a review line's task was claimed (揭榜), as the registered expression says."""
    if not hooks.claims_known():
        return Value(False, output_field=BooleanField())
    ids = (
        Task.objects.filter(pk__in=ReviewItem.objects.filter(review=review).values("task_id"))
        .annotate(is_claimed=hooks.claimed_annotation())
        .filter(is_claimed=True)
        .values("pk")
    )
    return _flag(Q(**{f"{prefix}task_id__in": ids}))


def _lines(review, start, end, *, supports: bool) -> list[dict]:
    """The review's lines grouped, in one statement and one grouping: each lead unit's lines
    grouped by what scores them (rating, proposal, difficulty, reports, excused, claimed)
    and, when the formula counts supported tasks, each supporting unit's lines (other than
    the lead) grouped the same way, a line's reports being 1 when the unit reported a
    contribution in the month, else 0 (such a line scores 0). The contributions are the
    supports that meet a report of their unit on their task in the month: a few rows (most
    reports are the lead unit's), where folding the month's every report to one row per task
    and unit hashed 100,000 pairs at 100,000 tasks.

    The difficulty is the task's as it stands: the tasks whose difficulty is not the default
    are read first (the task table once, a few rows kept) and the lines meet those alone,
    where joining the lines to all their tasks hashed 100,000 rows; the lead rows and the
    supporting rows are grouped together in one hash, not the second sorted apart."""
    items_sql, items_params = (
        ReviewItem.objects.filter(review=review)
        .annotate(is_excused=_flag(Q(excused_at__isnull=False)), is_claimed=_claimed(review))
        .values(
            "task_id", "lead_unit_id", "rating", "proposed", "reports", "is_excused", "is_claimed"
        )
        .order_by()
        .query.sql_with_params()
    )
    hard_sql, hard_params = (
        Task.objects.exclude(difficulty=DIFFICULTY_DEFAULT)
        .values("id", "difficulty")
        .order_by()
        .query.sql_with_params()
    )
    columns = "line.rating, line.proposed, line.difficulty, line.is_excused, line.is_claimed"
    rows = f"SELECT %s AS role, line.lead_unit_id AS unit_id, {columns}, line.reports FROM line"
    params: list = [*hard_params, DIFFICULTY_DEFAULT, *items_params, LEAD]
    if supports:
        reports, task_support = ProgressReport._meta.db_table, TaskSupport._meta.db_table
        rows += f"""
            UNION ALL
            SELECT %s, support.unit_id, {columns}, CASE WHEN made.id IS NULL THEN 0 ELSE 1 END
            FROM line
            JOIN {task_support} support ON support.task_id = line.task_id
                AND support.unit_id <> line.lead_unit_id
            LEFT JOIN (
                SELECT DISTINCT other.id FROM {task_support} other
                JOIN {reports} report ON report.task_id = other.task_id
                    AND report.unit_id = other.unit_id
                WHERE report.submitted_at >= %s AND report.submitted_at < %s
            ) made ON made.id = support.id
        """
        params += [SUPPORT, start, end]
    # "hard" is worked out once (a few rows); "line" is read again for the supporting rows
    # rather than 100,000 rows of it written aside.
    sql = f"""
        WITH hard AS MATERIALIZED ({hard_sql}),
        line AS NOT MATERIALIZED (
            SELECT item.*, COALESCE(hard.difficulty, %s) AS difficulty
            FROM ({items_sql}) item LEFT JOIN hard ON hard.id = item.task_id
        )
        SELECT role, unit_id, rating, proposed, difficulty, is_excused, is_claimed, reports,
            COUNT(*)
        FROM ({rows}) row
        GROUP BY role, unit_id, rating, proposed, difficulty, is_excused, is_claimed, reports
    """
    names = ("role", "unit_id", "rating", "proposed", "difficulty", "is_excused", "is_claimed")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip((*names, "reports", "n"), row, strict=True)) for row in cursor]


def _rounds(review, start, end, units, *, supports: bool, excused: bool) -> None:
    """Each ranked unit's weekly reports owed in the rounds that opened in the month, counted
    by state (on time, late, missing), leaving out the tasks excused for that unit.

    Each owed line holds its state (``RoundItem.report_state``, written with the report in
    its transaction, ``cycles.services.owed``: on time up to the due time, late before the
    round closes, as the line-by-line draft's two EXISTS in ``cycles.ranking.inputs``), so
    the lines are counted per round, unit and state from the index of those three columns
    alone, in its order. Meeting each line with the month's reports folded per round, task
    and unit (one hash join of 200,000 lines at 100,000 tasks) cost most of the page's SQL."""
    rounds = DispatchRound.objects.filter(
        campaign_id=review.campaign_id, opens_at__gte=start, opens_at__lt=end
    )
    # The rounds' ids as values (one small query), so that the lines owed are read by round
    # alone: a join to the rounds, or a filter of 200,000 lines on the ranked units, cost as
    # much as the rest (a unit owing reports but leading no line of the review is left out
    # below, as it has no line to score).
    round_ids = list(rounds.values_list("pk", flat=True))
    if not round_ids:
        return
    owed = RoundItem.objects.filter(round_id__in=round_ids)
    if excused:  # only when a line is excused: rarely
        mine = Q(lead_unit_id=OuterRef("lead_unit_id"))
        if supports:
            mine |= Q(
                Exists(
                    TaskSupport.objects.filter(
                        task_id=OuterRef("task_id"), unit_id=OuterRef(OuterRef("lead_unit_id"))
                    )
                )
            )
        owed = owed.filter(
            ~Exists(
                ReviewItem.objects.filter(
                    mine, review=review, task_id=OuterRef("task_id"), excused_at__isnull=False
                )
            )
        )
    counts: dict[tuple[int, str], int] = {}
    for _round, unit_id, state, n in (
        owed.values("round_id", "lead_unit_id", "report_state")
        .annotate(n=Count("*"))
        .order_by("round_id", "lead_unit_id", "report_state")
        .values_list("round_id", "lead_unit_id", "report_state", "n")
    ):
        counts[(unit_id, state)] = counts.get((unit_id, state), 0) + n
    for (unit_id, state), n in counts.items():
        if unit_id in units:
            units[unit_id].rounds.append([None, "", state, n])


def _targets(review, end, units) -> None:
    """Each unit's targets of its led tasks (not excused), as at month end: the shares of the
    way added up, and how many."""
    lines = ReviewItem.objects.filter(review=review, excused_at__isnull=True)
    targets = targets_at(task_ids=lines.values("task_id"), moment=end)  # type: ignore[arg-type]
    lead_of = dict(  # in no order: the lines' own joins the task lists' order through tasks
        lines.filter(task_id__in={t.task_id for t in targets})
        .order_by()
        .values_list("task_id", "lead_unit_id")
    )
    sums: dict[int, list] = {}
    for target in targets:
        share = None if target.current_value is None else (target.attainment or 0)
        entry = sums.setdefault(lead_of[target.task_id], [None, "", Decimal(0), 0])
        entry[2] += Decimal(share or 0)
        entry[3] += 1
    for unit_id, entry in sums.items():
        if unit_id in units:
            units[unit_id].targets.append(entry)
