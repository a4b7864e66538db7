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
    F,
    OuterRef,
    Q,
    Value,
)

from accounts.models import Unit
from cycles import hooks, schedule
from cycles.models import DispatchRound, MonthlyReview, RankingFormula, ReviewItem, RoundItem
from cycles.ranking.compute import LATE, LEAD, MISSING, ON_TIME, SUPPORT, Line, UnitInputs
from cycles.ranking.inputs import add_penalties
from cycles.selectors import targets_at
from tasks.models import ProgressReport, Task, TaskSupport


def ranking_inputs_grouped(*, review: MonthlyReview, formula: RankingFormula) -> list[UnitInputs]:
    """Every unit's inputs for ``review``'s draft (lines not rated yet take their proposal)."""
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    units: dict[int, UnitInputs] = {}

    def unit(unit_id: int) -> UnitInputs:
        return units.setdefault(unit_id, UnitInputs(unit=unit_id, name=""))

    claimed = _claimed(review)
    rows = (
        ReviewItem.objects.filter(review=review)
        .annotate(is_excused=_flag(Q(excused_at__isnull=False)), is_claimed=claimed)
        .values(
            "lead_unit_id",
            "rating",
            "proposed",
            "task__difficulty",
            "reports",
            "is_excused",
            "is_claimed",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        unit(row["lead_unit_id"]).lines.append(_line(row, LEAD, row["reports"]))
    if formula.support_weight:
        _supporting(review, start, end, claimed, unit)
    _rounds(review, start, end, units, supports=bool(formula.support_weight))
    _targets(review, end, units)
    add_penalties(review, start, end, units)
    # The names in one query of the units, not joined into the groupings above.
    for pk, name in Unit.objects.filter(pk__in=list(units)).values_list("pk", "name"):
        units[pk].name = name
    return sorted(units.values(), key=lambda u: u.name)


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _line(row: dict, role: str, reports: int) -> Line:
    return Line(
        task=None,  # type: ignore[arg-type]  # a group of lines, not one task
        code="",
        title="",
        role=role,
        rating=row["rating"] or row["proposed"],
        difficulty=str(row["task__difficulty"]),
        reports=reports,
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


def _supporting(review, start, end, claimed, unit) -> None:
    """The supporting units' lines, grouped: each with the task's rating, and whether the unit
    reported a contribution in the month (a line without one scores 0)."""
    contributed = Exists(
        ProgressReport.objects.filter(
            task_id=OuterRef("task_id"),
            unit_id=OuterRef("support_unit"),
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
    )
    rows = (
        ReviewItem.objects.filter(review=review)
        .annotate(support_unit=F("task__supports__unit_id"))
        .filter(support_unit__isnull=False)
        .exclude(support_unit=F("lead_unit_id"))
        .annotate(
            is_excused=_flag(Q(excused_at__isnull=False)),
            is_claimed=claimed,
            contributed=contributed,
        )
        .values(
            "support_unit",
            "rating",
            "proposed",
            "task__difficulty",
            "is_excused",
            "is_claimed",
            "contributed",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        unit(row["support_unit"]).lines.append(_line(row, SUPPORT, 1 if row["contributed"] else 0))


def _rounds(review, start, end, units, *, supports: bool) -> None:
    """Each ranked unit's weekly reports owed in the rounds that opened in the month, counted
    by state (on time, late, missing), leaving out the tasks excused for that unit.

    A report counts from the round's opening: on time up to the due time, late before the
    round closes (the line-by-line draft's two EXISTS, ``cycles.ranking.inputs``). The
    month's reports are read once from the index of report times (``report_submitted_at``,
    index only), each round's window, and folded to one row per round, task and unit that
    reported; the owed lines (the index ``rounditem_round_unit_task``, index only) meet those
    rows in one hash join on the whole key and are counted per unit and state. Joining each
    line to its reports and grouping per line (200,000 groups at 100,000 tasks) cost three
    times as much; an EXISTS per line and state probed the reports 400,000 times."""
    mine = Q(lead_unit_id=OuterRef("lead_unit_id"))
    if supports:
        mine |= Q(
            Exists(
                TaskSupport.objects.filter(
                    task_id=OuterRef("task_id"), unit_id=OuterRef(OuterRef("lead_unit_id"))
                )
            )
        )
    excused = ReviewItem.objects.filter(
        mine, review=review, task_id=OuterRef("task_id"), excused_at__isnull=False
    )
    rounds = DispatchRound.objects.filter(
        campaign_id=review.campaign_id, opens_at__gte=start, opens_at__lt=end
    )
    owed = RoundItem.objects.filter(round__in=rounds.values("pk"), lead_unit_id__in=list(units))
    if ReviewItem.objects.filter(review=review, excused_at__isnull=False).exists():
        owed = owed.filter(~Exists(excused))  # asked only when a line is excused: rarely
    owed_sql, owed_params = (
        owed.values("round_id", "lead_unit_id", "task_id").order_by().query.sql_with_params()
    )
    rounds_sql, rounds_params = (
        rounds.values("id", "opens_at", "due_at", "closes_at").order_by().query.sql_with_params()
    )
    reports = ProgressReport._meta.db_table
    # The window's upper bound is said once more as one value (the OR implies it), so that
    # the index of report times is read from the opening to the later of due and close only.
    sql = f"""
        SELECT line.lead_unit_id,
            CASE WHEN made.on_time = 1 THEN %s WHEN made.on_time = 0 THEN %s ELSE %s END,
            COUNT(*)
        FROM ({owed_sql}) line
        LEFT JOIN (
            SELECT win.id AS round_id, report.task_id, report.unit_id,
                MAX(CASE WHEN report.submitted_at <= win.due_at THEN 1 ELSE 0 END) AS on_time
            FROM ({rounds_sql}) win
            JOIN {reports} report ON report.submitted_at >= win.opens_at
                AND report.submitted_at <= CASE WHEN win.due_at > win.closes_at
                    THEN win.due_at ELSE win.closes_at END
                AND (report.submitted_at <= win.due_at OR report.submitted_at < win.closes_at)
            GROUP BY win.id, report.task_id, report.unit_id
        ) made ON made.round_id = line.round_id AND made.task_id = line.task_id
            AND made.unit_id = line.lead_unit_id
        GROUP BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (ON_TIME, LATE, MISSING, *owed_params, *rounds_params))
        for unit_id, state, n in cursor.fetchall():
            units[unit_id].rounds.append([None, "", state, n])


def _targets(review, end, units) -> None:
    """Each unit's targets of its led tasks (not excused), as at month end: the shares of the
    way added up, and how many."""
    lines = ReviewItem.objects.filter(review=review, excused_at__isnull=True)
    targets = targets_at(task_ids=lines.values("task_id"), moment=end)  # type: ignore[arg-type]
    lead_of = dict(
        lines.filter(task_id__in={t.task_id for t in targets}).values_list(
            "task_id", "lead_unit_id"
        )
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
