"""A draft ranking's inputs counted in SQL: the same inputs as ``cycles.ranking.inputs``, but
equal lines grouped (a unit's 3,000 led tasks rated "on track" at difficulty 1.0 with one
report each are one line of count 3,000), each unit's weekly reports owed as counts per state
and its targets as a sum of shares and a count. ``cycles.ranking.compute`` gives the same
scores from these (``Line.count``, ``times``); the draft ranking page reads these, so it costs
a few grouped queries at any number of tasks. "Why this score", the workbook and certifying
read the lines one by one (``ranking_inputs``)."""

import functools
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
)

from accounts.models import Unit
from cycles import hooks, schedule
from cycles.models import DispatchRound, MonthlyReview, RankingFormula, ReviewItem, RoundItem
from cycles.ranking.compute import LEAD, SUPPORT, Line, UnitInputs
from cycles.ranking.inputs import add_penalties
from tasks.models import (
    DIFFICULTY_DEFAULT,
    ProgressReport,
    ReportTargetValue,
    Target,
    Task,
    TaskSupport,
)
from tasks.search import AnyOf


def ranking_inputs_grouped(*, review: MonthlyReview, formula: RankingFormula) -> list[UnitInputs]:
    """Every unit's inputs for ``review``'s draft (lines not rated yet take their proposal)."""
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    units: dict[int, UnitInputs] = {}

    def unit(unit_id: int, name: str) -> UnitInputs:
        found = units.get(unit_id)
        if found is None:
            found = units[unit_id] = UnitInputs(unit=unit_id, name=name)
        return found

    any_excused = False
    for row in _lines(review, start, end, supports=bool(formula.support_weight)):
        role, unit_id, rating, proposed, difficulty, excused, claimed, reports, n, name = row
        if type(difficulty) is not Decimal:  # SQLite's float: as the model reads it
            difficulty = _DIFFICULTY.to_python(difficulty)
        # A group of ``n`` lines, not one task (no task, code or title); positional: Line's
        # fields in their order, for the few hundred groups.
        line = Line(
            None,  # type: ignore[arg-type]
            "",
            "",
            role,
            rating or proposed,
            str(difficulty),
            reports,
            bool(claimed),
            not rating,
            bool(excused),
            n,
        )
        unit(unit_id, name).lines.append(line)
        any_excused = any_excused or bool(excused)
    _rounds(review, start, end, units, supports=bool(formula.support_weight), excused=any_excused)
    _targets(review, end, units)
    add_penalties(review, start, end, units)
    return sorted(units.values(), key=lambda u: u.name)


_DIFFICULTY = Task._meta.get_field("difficulty")


def _claimed_ids() -> tuple[str, tuple]:
    """The tasks that were claimed (揭榜), as the registered expression says: SQL of their
    ids (none while no app says what a claimed task is); the statement keeps the review's."""
    if not hooks.claims_known():
        return "SELECT CAST(NULL AS bigint) AS pk WHERE 1 = 0", ()
    return (
        Task.objects.annotate(is_claimed=hooks.claimed_annotation())
        .filter(is_claimed=True)
        .values("pk")
        .order_by()
        .query.sql_with_params()
    )


# Each side (the lead units' lines, the supporting units') grouped by what scores a line as if
# every task were of the default difficulty and not claimed; then, for the few lines whose
# task is not ("odd"), a row taking the line out of that group (-1) and one putting it in its
# own (+1). The sums are the counts of the old one-grouping query, exactly (tests/cycles).
_LINES_SQL = """
    WITH claimed AS MATERIALIZED (
        SELECT claims.pk FROM ({claimed}) claims
        WHERE claims.pk IN (SELECT task_id FROM {item} WHERE review_id = %(review)s)
    ),
    odd AS MATERIALIZED (
        SELECT hard.id AS task_id, hard.difficulty, hard.id IN (SELECT pk FROM claimed) AS claimed
        FROM ({hard}) hard
        UNION ALL
        SELECT task.id, task.difficulty, true FROM {task} task
        WHERE task.id IN (SELECT pk FROM claimed) AND task.difficulty = %(default)s
    ),
    item AS NOT MATERIALIZED (
        SELECT task_id, lead_unit_id, rating, proposed, reports, excused_at IS NOT NULL AS excused
        FROM {item} WHERE review_id = %(review)s
    ),
    odd_item AS MATERIALIZED (
        SELECT item.*, odd.difficulty, odd.claimed FROM odd JOIN item ON item.task_id = odd.task_id
    ),
    grouped AS (
        SELECT %(lead)s AS role, lead_unit_id AS unit_id, rating, proposed, reports, excused,
            %(default)s AS difficulty, false AS claimed, COUNT(*) AS n
        FROM item GROUP BY lead_unit_id, rating, proposed, reports, excused
        UNION ALL
        SELECT %(lead)s, lead_unit_id, rating, proposed, reports, excused,
            CASE WHEN sign > 0 THEN difficulty ELSE %(default)s END, sign > 0 AND claimed, sign
        FROM odd_item CROSS JOIN (SELECT -1 AS sign UNION ALL SELECT 1) signs
        {supporting}
    )
    SELECT summed.*, unit.name FROM (
        SELECT role, unit_id, rating, proposed, difficulty, excused, claimed, reports,
            CAST(SUM(n) AS bigint) AS n
        FROM grouped
        GROUP BY role, unit_id, rating, proposed, difficulty, excused, claimed, reports
        HAVING SUM(n) > 0
    ) summed JOIN {unit} unit ON unit.id = summed.unit_id
"""

# A supporting unit's line (other than the lead) reports 1 when the unit reported a
# contribution in the month, else 0 (such a line scores 0): the supports that meet a report of
# their unit on their task in the month, a few rows (most reports are the lead unit's); for
# the few odd lines, a look-up of each one's reports.
_SUPPORTING_SQL = """
        UNION ALL
        SELECT %(support)s, support.unit_id, item.rating, item.proposed,
            CASE WHEN made.task_id IS NULL THEN 0 ELSE 1 END, item.excused,
            %(default)s, false, COUNT(*)
        FROM item
        JOIN {support} support ON support.task_id = item.task_id
            AND support.unit_id <> item.lead_unit_id
        LEFT JOIN (
            SELECT DISTINCT other.task_id, other.unit_id FROM {support} other
            JOIN {report} report ON report.task_id = other.task_id
                AND report.unit_id = other.unit_id
            WHERE report.submitted_at >= %(start)s AND report.submitted_at < %(end)s
        ) made ON made.task_id = support.task_id AND made.unit_id = support.unit_id
        GROUP BY 2, 3, 4, 5, 6
        UNION ALL
        SELECT %(support)s, support.unit_id, item.rating, item.proposed,
            CASE WHEN EXISTS (
                SELECT 1 FROM {report} report
                WHERE report.task_id = support.task_id AND report.unit_id = support.unit_id
                    AND report.submitted_at >= %(start)s AND report.submitted_at < %(end)s
            ) THEN 1 ELSE 0 END,
            item.excused,
            CASE WHEN sign > 0 THEN item.difficulty ELSE %(default)s END,
            sign > 0 AND item.claimed, sign
        FROM odd_item item
        JOIN {support} support ON support.task_id = item.task_id
            AND support.unit_id <> item.lead_unit_id
        CROSS JOIN (SELECT -1 AS sign UNION ALL SELECT 1) signs
"""


def _lines(review, start, end, *, supports: bool) -> list[tuple]:
    """The review's lines grouped, in one statement (role, unit, rating, proposal, difficulty,
    excused, claimed, reports, how many, the unit's name): each lead unit's lines grouped by what
    scores them (rating, proposal, difficulty, reports, excused, claimed) and, when the
    formula counts supported tasks, each supporting unit's lines (other than the lead)
    grouped the same way (``_SUPPORTING_SQL``).

    The difficulty is the task's as it stands. Most tasks are of the default difficulty and
    not claimed: the lines are grouped without their tasks (the review's lines alone, no
    join), and only the tasks that are not ("odd": a partial index of the task table,
    cycles 0009, finds those of another difficulty) are met with their lines and moved to
    their own groups. Joining every line to the tasks of another difficulty, grouping lead
    and supporting rows in one hash and reading the task table whole cost most of the draft
    ranking's time at 100,000 tasks."""
    sql, constants = _statement(hooks.claimed_rule(), supports)
    named = constants | {"review": review.pk, "start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(sql, named)
        return cursor.fetchall()


@functools.lru_cache(maxsize=8)
def _statement(rule, supports: bool) -> tuple[str, dict]:
    """``_LINES_SQL`` written out once per process for the claimed tasks' registered ``rule``
    (the key; its SQL is Django's) and ``supports``, with the values that do not change: its
    parts compiled by Django were a tenth of the page's Python."""
    hard_sql, hard_params = (
        Task.objects.exclude(difficulty=DIFFICULTY_DEFAULT)
        .values("id", "difficulty")
        .order_by()
        .query.sql_with_params()
    )
    claimed_sql, claimed_params = _claimed_ids()
    tables = {
        "item": ReviewItem._meta.db_table,
        "task": Task._meta.db_table,
        "support": TaskSupport._meta.db_table,
        "report": ProgressReport._meta.db_table,
        "unit": Unit._meta.db_table,
    }
    # The parts built by Django use %s, the rest named values: the first made named too.
    named: dict = {"default": DIFFICULTY_DEFAULT, "lead": LEAD, "support": SUPPORT}
    for prefix, params in (("c", claimed_params), ("h", hard_params)):
        named |= {f"{prefix}{n}": value for n, value in enumerate(params)}
    sql = _LINES_SQL.format(
        claimed=_named(claimed_sql, "c", len(claimed_params)),
        hard=_named(hard_sql, "h", len(hard_params)),
        supporting=_SUPPORTING_SQL.format(**tables) if supports else "",
        **tables,
    )
    return sql, named


def _named(sql: str, prefix: str, count: int) -> str:
    """``sql`` with its ``%s`` placeholders named ``%(prefix0)s``, ``%(prefix1)s``…"""
    parts = sql.replace("%%", "\0").split("%s")
    assert len(parts) == count + 1, sql
    out = parts[0]
    for n, part in enumerate(parts[1:]):
        out += f"%({prefix}{n})s" + part
    return out.replace("\0", "%%")


def _rounds(review, start, end, units, *, supports: bool, excused: bool) -> None:
    """Each ranked unit's weekly reports owed in the rounds that opened in the month, counted
    by state (on time, late, missing), leaving out the tasks excused for that unit.

    Each owed line holds its state (``RoundItem.report_state``, written with the report in
    its transaction, ``cycles.services.owed``: on time up to the due time, late before the
    round closes, as the line-by-line draft's two EXISTS in ``cycles.ranking.inputs``), so
    the lines are counted per round, unit and state from the index of those three columns
    alone, in its order. Meeting each line with the month's reports folded per round, task
    and unit (one hash join of 200,000 lines at 100,000 tasks) cost most of the page's SQL."""
    if excused:  # only when a line is excused: rarely
        rows = _owed_counts_excusing(review, start, end, supports=supports)
    else:  # the statement written once (compiling it was a tenth of the page's Python)
        with connection.cursor() as cursor:
            cursor.execute(
                _owed_sql(connection.vendor),
                {"campaign": review.campaign_id, "start": start, "end": end},
            )
            rows = cursor.fetchall()
    counts: dict[tuple[int, str], int] = {}
    for _round, unit_id, state, n in rows:
        counts[(unit_id, state)] = counts.get((unit_id, state), 0) + n
    for (unit_id, state), n in counts.items():
        if unit_id in units:
            units[unit_id].rounds.append([None, "", state, n])


# The lines owed in the month's rounds, per round, unit and state (``_rounds``). The rounds'
# ids as one array computed first (``= ANY(ARRAY(…))``, ``tasks.search.AnyOf``), so that the
# lines owed are read by round alone from the index of those three columns, in its order, as
# with the ids written out: a join to the rounds, or a filter of 200,000 lines on the ranked
# units, cost as much as the rest (a unit owing reports but leading no line of the review is
# left out, as it has no line to score).
_OWED_SQL = """
    SELECT owed.round_id, owed.lead_unit_id, owed.report_state, COUNT(*) FROM {owed} owed
    WHERE owed.round_id {among}(
        SELECT id FROM {round} WHERE campaign_id = %(campaign)s
            AND opens_at >= %(start)s AND opens_at < %(end)s
    ){close}
    GROUP BY owed.round_id, owed.lead_unit_id, owed.report_state
    ORDER BY owed.round_id, owed.lead_unit_id, owed.report_state
"""


@functools.lru_cache(maxsize=2)
def _owed_sql(vendor: str) -> str:
    postgresql = vendor == "postgresql"
    return _OWED_SQL.format(
        owed=RoundItem._meta.db_table,
        round=DispatchRound._meta.db_table,
        among="= ANY(ARRAY" if postgresql else "IN ",
        close=")" if postgresql else "",
    )


def _owed_counts_excusing(review, start, end, *, supports: bool) -> list[tuple]:
    """``_OWED_SQL``'s rows, leaving out the lines of the tasks excused for their unit."""
    rounds = DispatchRound.objects.filter(
        campaign_id=review.campaign_id, opens_at__gte=start, opens_at__lt=end
    ).order_by()
    owed = RoundItem.objects.filter(AnyOf(F("round_id"), Subquery(rounds.values("pk"))))
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
    return list(
        owed.values("round_id", "lead_unit_id", "report_state")
        .annotate(n=Count("*"))
        .order_by("round_id", "lead_unit_id", "report_state")
        .values_list("round_id", "lead_unit_id", "report_state", "n")
    )


class _Valued:
    """A target's four values with ``tasks.Target``'s own rule for its share of the way
    (``attainment``), without building the model instance (its ``__init__`` was a fifth of
    the draft ranking's Python)."""

    __slots__ = ("baseline", "target_value", "current_value", "direction")
    Direction = Target.Direction
    achieved = Target.achieved
    attainment = Target.attainment

    def __init__(self, baseline, target_value, current_value, direction) -> None:
        self.baseline, self.target_value = baseline, target_value
        self.current_value, self.direction = current_value, direction


# Each target of a led task (line not excused) with its lead unit, its value at month end as
# ``cycles.selectors.targets_at`` finds it (the last confirmed report before the end that gave
# one; else the baseline when reports gave values only afterwards; else the stored value), in
# one statement where that read the targets, their values before and after, and the lines.
_TARGETS_SQL = """
    SELECT item.lead_unit_id, target.baseline, target.target_value, target.direction,
        (SELECT given.value FROM {value} given JOIN {report} report ON report.id = given.report_id
         WHERE given.target_id = target.id AND report.confirmed_at IS NOT NULL
            AND report.submitted_at < %(end)s
         ORDER BY report.submitted_at DESC, given.report_id DESC LIMIT 1),
        EXISTS (SELECT 1 FROM {value} given JOIN {report} report ON report.id = given.report_id
         WHERE given.target_id = target.id AND report.confirmed_at IS NOT NULL
            AND report.submitted_at >= %(end)s),
        target.current_value
    FROM {item} item JOIN {target} target ON target.task_id = item.task_id
    WHERE item.review_id = %(review)s AND item.excused_at IS NULL
"""


def _decimal(value):
    """A decimal column as the model reads it (SQLite gives floats to a raw cursor)."""
    if value is None or type(value) is Decimal:
        return value
    return Target._meta.get_field("target_value").to_python(value)


def _targets(review, end, units) -> None:
    """Each unit's targets of its led tasks (not excused), as at month end: the shares of the
    way added up, and how many (one query)."""
    sql = _TARGETS_SQL.format(
        value=ReportTargetValue._meta.db_table,
        report=ProgressReport._meta.db_table,
        item=ReviewItem._meta.db_table,
        target=Target._meta.db_table,
    )
    sums: dict[int, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"end": end, "review": review.pk})
        for unit_id, baseline, goal, direction, then, since, current in cursor:
            value = then if then is not None else baseline if since else current
            valued = _Valued(_decimal(baseline), _decimal(goal), _decimal(value), direction)
            # Target's property on its four values (duck-typed: mypy wants a Target).
            share = None if value is None else (valued.attainment or 0)  # type: ignore[misc]
            entry = sums.setdefault(unit_id, [None, "", Decimal(0), 0])
            entry[2] += Decimal(share or 0)
            entry[3] += 1
    for unit_id, entry in sums.items():
        if unit_id in units:
            units[unit_id].targets.append(entry)
