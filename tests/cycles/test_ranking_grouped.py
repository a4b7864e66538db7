"""The draft ranking's lines grouped in SQL (cycles.ranking.grouped) against the same lines
read one by one (cycles.ranking.inputs) and folded into groups here: the lines of the tasks of
the default difficulty and not claimed are grouped without their tasks, and those of the
other ("odd") tasks moved to their own groups, which must give the same groups and counts
whatever share of the tasks is odd. And the partial index that finds the odd tasks."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cycles import hooks, schedule
from cycles.models import Rating
from cycles.ranking import grouped
from cycles.ranking.compute import LEAD, SUPPORT, times
from cycles.ranking.grouped import ranking_inputs_grouped
from cycles.ranking.inputs import ranking_inputs
from cycles.ranking.selectors import formula_of, review_ranking
from cycles.selectors import targets_at
from cycles.services import review_item_excuse
from tasks.models import DIFFICULTY_DEFAULT, ProgressReport, ReportTargetValue, Target, Task
from tests.cycles import ranking_example
from tests.cycles.conftest import at

pytestmark = pytest.mark.django_db


def _folded(review) -> Counter:
    """The line-by-line draft's lines, counted by what scores them (a supporting line's
    reports: whether there were any)."""
    formula = formula_of(review=review)
    groups: Counter = Counter()
    for unit in ranking_inputs(review=review, formula=formula, draft=True):
        for line in unit.lines:
            reports = min(line.reports, 1) if line.role == SUPPORT else line.reports
            groups[_key(unit.unit, line, reports)] += 1
    return groups


def _grouped(review) -> Counter:
    formula = formula_of(review=review)
    groups: Counter = Counter()
    for unit in ranking_inputs_grouped(review=review, formula=formula):
        for line in unit.lines:
            assert line.count > 0
            groups[_key(unit.unit, line, line.reports)] += line.count
    return groups


def _key(unit, line, reports) -> tuple:
    return (
        unit,
        line.role,
        line.rating,
        line.proposed,
        Decimal(line.difficulty),
        reports,
        line.claimed,
        line.excused,
    )


def _odd(groups: Counter) -> int:
    """How many lines are of a task of another difficulty or claimed."""
    return sum(n for key, n in groups.items() if key[4] != DIFFICULTY_DEFAULT or key[6])


@pytest.fixture
def example(world, clock, monkeypatch):
    ranking_example.claims_registered(monkeypatch)
    return ranking_example.build(world, clock)


def test_the_grouped_lines_equal_the_lines_one_by_one_with_some_tasks_odd(example):
    """The example's T1 (2.0, claimed, its supporter contributed), T4 and T7 (another
    difficulty) and T6 (claimed): T4 leaves unit A's group of "on track, one report" that
    T2 stays in."""
    folded = _folded(example.review)
    assert _grouped(example.review) == folded
    assert _odd(folded) == 5  # four led lines and B's supporting line of T1
    lead = example.units["A"].pk
    on_track = [k for k in folded if k[:3] == (lead, LEAD, Rating.ON_TRACK)]
    assert sorted(k[4] for k in on_track) == [Decimal("1.0"), Decimal("1.5")]  # T2, T4


def test_the_grouped_lines_equal_the_lines_one_by_one_with_every_task_odd(example):
    Task.objects.update(difficulty=Decimal("1.5"))
    folded = _folded(example.review)
    assert _grouped(example.review) == folded
    assert _odd(folded) == sum(folded.values()) == 13  # ten led lines, three supporting


def test_the_grouped_lines_equal_the_lines_one_by_one_with_no_task_odd(example, monkeypatch):
    monkeypatch.setattr(hooks, "_CLAIMED", [])  # nobody says what is claimed
    Task.objects.update(difficulty=DIFFICULTY_DEFAULT)
    folded = _folded(example.review)
    assert _grouped(example.review) == folded
    assert _odd(folded) == 0


def test_the_grouped_lines_equal_the_lines_one_by_one_after_an_odd_line_is_excused(example, world):
    review = example.review
    review_item_excuse(
        item=review.items.get(task=example.tasks["T1"]), by=world.coordinator, reason="先行先试"
    )
    review.refresh_from_db()
    folded = _folded(review)
    assert _grouped(review) == folded
    assert sum(n for key, n in folded.items() if key[7]) == 2  # T1's lead and supporting line
    by_lines = review_ranking(review=review, with_inputs=True).rows
    grouped = review_ranking(review=review, with_inputs=False).rows
    assert [(r.unit_id, r.score, r.rank) for r in grouped] == [
        (r.unit_id, r.score, r.rank) for r in by_lines
    ]


def test_the_tasks_of_another_difficulty_are_read_through_the_partial_index(example):
    """cycles 0009's index answers the ranking's "odd" tasks (its condition is the one the
    statement writes): the plan reads the index, not the task table."""
    if connection.vendor != "postgresql":
        pytest.skip("the index's plan is PostgreSQL's")
    sql, params = (
        Task.objects.exclude(difficulty=DIFFICULTY_DEFAULT)
        .values("id", "difficulty")
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        # A test database is small enough to read whole: ask for the plan an index allows.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT {sql.removeprefix('SELECT ')}", params)
        found = sorted(cursor.fetchall())
    assert "task_difficulty_not_default" in plan  # a bitmap or an index-only scan of it
    assert "Seq Scan" not in plan
    assert found == sorted(
        (t.pk, t.difficulty) for t in Task.objects.all() if t.difficulty != DIFFICULTY_DEFAULT
    )
    assert len(found) == 3  # T1, T4, T7


def test_targets_at_reads_a_list_of_tasks_as_a_subquery_would(example):
    tasks = list(Task.objects.values_list("pk", flat=True))
    moment = at(2026, 11, 1, 0, 0)
    by_list = targets_at(task_ids=tasks, moment=moment)
    by_query = targets_at(task_ids=Task.objects.values("pk"), moment=moment)  # type: ignore[arg-type]

    def values(targets):
        return sorted((t.pk, t.current_value) for t in targets)

    assert values(by_list) == values(by_query)
    assert len(by_list) == Target.objects.count() >= 3  # the example's and the world's
    with CaptureQueriesContext(connection) as none:
        assert targets_at(task_ids=[], moment=moment) == []
    assert len(none) == 0


def _target_entries(units) -> dict:
    """Each unit's targets as (how many, the shares added up), from grouped or one-by-one
    inputs."""
    found = {}
    for unit in units:
        if unit.targets:
            count = sum(times(t) for t in unit.targets)
            found[unit.unit] = (count, sum(Decimal(t[2] or 0) for t in unit.targets))
    return found


def test_the_grouped_targets_take_their_values_as_at_month_end_as_targets_at_does(example):
    """A value reported before the month's end counts (the last one), one reported only
    afterwards puts the baseline back, an unconfirmed one counts for nothing; the grouped
    draft's one read gives each unit the shares ``targets_at`` (the line-by-line draft) gives."""
    t2, t4, t6 = (Target.objects.get(task=example.tasks[name]) for name in ("T2", "T4", "T6"))
    a, b = example.people["A"], example.people["B"]

    def given(target, unit, person, when, value, *, confirmed=True):
        report = ProgressReport.objects.create(
            task=target.task,
            unit=unit,
            period_start=when.date(),
            text="指标",
            percent=50,
            submitted_by=person,
            submitted_at=when,
            confirmed_at=when if confirmed else None,
        )
        ReportTargetValue.objects.create(report=report, target=target, value=value)

    units = example.units
    given(t2, units["A"], a, at(2026, 10, 10, 9, 0), 60)  # superseded
    given(t2, units["A"], a, at(2026, 10, 28, 9, 0), 90)  # the value at month end: 80 %
    given(t2, units["A"], a, at(2026, 11, 2, 9, 0), 100)  # after: not counted
    given(t4, units["A"], a, at(2026, 11, 2, 9, 0), 3)  # only after: the baseline, 0 %
    given(t6, units["B"], b, at(2026, 10, 29, 9, 0), 40, confirmed=False)  # not confirmed
    review = example.review
    formula = formula_of(review=review)
    grouped = _target_entries(ranking_inputs_grouped(review=review, formula=formula))
    one_by_one = _target_entries(ranking_inputs(review=review, formula=formula, draft=True))
    assert grouped == one_by_one
    assert grouped[units["A"].pk] == (2, Decimal(80))  # T2 80 %, T4 back at its baseline: 0
    assert grouped[units["B"].pk] == (1, Decimal(0))  # T6: no value yet


def test_the_owed_lines_statement_counts_as_the_query_that_leaves_out_excused_lines(example):
    """``_rounds`` counts the lines owed by its statement written once, or, when a line is
    excused, by a query that leaves out the excused tasks' lines: with none excused, the two
    give the same rows."""
    review = example.review
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    with connection.cursor() as cursor:
        cursor.execute(
            grouped._owed_sql(connection.vendor),
            {"campaign": review.campaign_id, "start": start, "end": end},
        )
        written = cursor.fetchall()
    assert written == grouped._owed_counts_excusing(review, start, end, supports=True)
    assert sum(row[3] for row in written) == 10  # the example's round: one line a task
