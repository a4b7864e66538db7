"""The draft ranking page's figures (cycles.ranking.grouped, counted in SQL) against plain
counts made here from the raw rows, line by line in Python: the review's lines, the tasks'
supports, the rounds' owed lines and every report, with reports on each edge of a round's
window, a report by a unit that does not owe it, rounds opened outside the month, and a
contribution outside the month."""

import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from cycles.models import DispatchRound, RankingFormula, Rating, RoundItem
from cycles.ranking.compute import LATE, MISSING, ON_TIME, SUPPORT
from cycles.ranking.formula import points
from cycles.ranking.grouped import ranking_inputs_grouped
from cycles.ranking.inputs import ranking_inputs
from cycles.ranking.selectors import review_ranking
from cycles.services import review_item_excuse
from tasks.models import ProgressReport, TaskSupport
from tests.cycles import ranking_example
from tests.cycles.conftest import at
from tests.cycles.test_owed_states import checked_states

pytestmark = pytest.mark.django_db

MONTH = (at(2026, 10, 1, 0, 0), at(2026, 11, 1, 0, 0))
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def example(world, clock, monkeypatch):
    ranking_example.claims_registered(monkeypatch)
    example = ranking_example.build(world, clock)
    _edges(example)
    return example


def _round(campaign, monday: datetime.date, opens: datetime.datetime) -> DispatchRound:
    return DispatchRound.objects.create(
        campaign=campaign,
        week_start=monday,
        opens_at=opens,
        due_at=opens + datetime.timedelta(days=3, hours=8),
        reminder_at=opens + datetime.timedelta(days=3),
        closes_at=opens + datetime.timedelta(days=7),
    )


def _report(example, task: str, unit: str, when: datetime.datetime) -> None:
    ranking_example._report(example.tasks[task], example.units[unit], example.people[unit], when)


def _edges(example) -> None:
    """A second round in October with reports on each edge of its window, a round that
    opened in September and one in November (neither counts), and contributions."""
    campaign = example.review.campaign
    second = _round(campaign, datetime.date(2026, 10, 19), at(2026, 10, 19, 9, 0))
    before = _round(campaign, datetime.date(2026, 9, 28), at(2026, 9, 28, 9, 0))
    after = _round(campaign, datetime.date(2026, 11, 2), at(2026, 11, 2, 9, 0))
    for round_ in (second, before, after):
        for name, lead, *_rest in ranking_example.TASKS:
            RoundItem.objects.create(
                round=round_, task=example.tasks[name], lead_unit=example.units[lead]
            )
    _report(example, "T1", "A", second.due_at)  # on time: at the due time
    _report(example, "T2", "A", second.closes_at)  # missing: at the close
    _report(example, "T3", "A", second.opens_at)  # on time: at the opening
    _report(example, "T5", "B", second.opens_at - SECOND)  # missing here (late in the first)
    _report(example, "T7", "B", second.due_at + SECOND)  # late, twice: one line
    _report(example, "T7", "B", second.closes_at - SECOND)
    _report(example, "T8", "A", second.opens_at + SECOND)  # A supports T8: not C's report
    _report(example, "T9", "C", second.due_at + SECOND)  # late
    _report(example, "T10", "C", before.due_at - SECOND)  # September's round only
    _report(example, "T5", "C", at(2026, 11, 2, 10, 0))  # C's contribution, in November
    _report(example, "T6", "B", after.opens_at)  # November's round only


def _plain(review, formula: RankingFormula, units: dict) -> dict:
    """Each unit's counts and terms from the raw rows, line by line."""
    start, end = MONTH
    reports = list(ProgressReport.objects.values_list("task_id", "unit_id", "submitted_at"))
    lines = list(review.items.select_related("task"))
    excused = {line.task_id for line in lines if line.excused_at}
    led: dict[int, list] = defaultdict(list)
    for line in lines:
        if not line.excused_at:
            led[line.lead_unit_id].append(line)
    counts: dict[int, dict] = {}
    for unit_id in {line.lead_unit_id for line in lines} | {
        s.unit_id for s in TaskSupport.objects.all()
    }:
        mine = led.get(unit_id, [])
        counts[unit_id] = {
            "tasks": len(mine),
            "ratings": Counter(line.rating or line.proposed for line in mine),
            "reports": sum(line.reports for line in mine),
            "reported": sum(1 for line in mine if line.reports > 0),
            "claimed": sum(
                1
                for line in mine
                if line.task.title.startswith("揭榜")
                and (line.rating or line.proposed) in (Rating.COMPLETED, Rating.ON_TRACK)
            ),
            "value": sum(
                (
                    points(formula)[line.rating or line.proposed] * line.task.difficulty
                    for line in mine
                ),
                Decimal(0),
            ),
            "weight": sum((line.task.difficulty for line in mine), Decimal(0)),
            "supported": 0,
            "contributed": 0,
            "rounds": Counter(),
        }
    by_task = {line.task_id: line for line in lines}
    for support in TaskSupport.objects.all():
        line = by_task.get(support.task_id)
        if line is None or line.excused_at or support.unit_id == line.lead_unit_id:
            continue
        made = any(
            task == support.task_id and unit == support.unit_id and start <= when < end
            for task, unit, when in reports
        )
        unit = counts[support.unit_id]
        unit["supported"] += 1
        unit["contributed"] += made
        weight = Decimal(formula.support_weight) * line.task.difficulty
        unit["weight"] += weight
        if made:
            unit["value"] += points(formula)[line.rating or line.proposed] * weight
    for item in RoundItem.objects.select_related("round"):
        round_ = item.round
        if not start <= round_.opens_at < end or item.task_id in excused:
            continue
        times = [
            when
            for task, unit, when in reports
            if task == item.task_id and unit == item.lead_unit_id and when >= round_.opens_at
        ]
        if any(when <= round_.due_at for when in times):
            state = ON_TIME
        elif any(when < round_.closes_at for when in times):
            state = LATE
        else:
            state = MISSING
        counts[item.lead_unit_id]["rounds"][state] += 1
    for unit in counts.values():
        owed = sum(unit["rounds"].values())
        unit["terms"] = {
            "ratings": _cents(unit["value"] / unit["weight"]) if unit["weight"] else None,
            "reporting": _cents(
                formula.reporting_weight * (Decimal(unit["reported"]) / unit["tasks"])
                if unit["tasks"]
                else formula.reporting_weight
            ),
            "punctuality": _cents(
                formula.punctuality_weight * (Decimal(unit["rounds"][ON_TIME]) / owed)
                if owed
                else formula.punctuality_weight
            ),
            "claimed": _cents(formula.claimed_bonus * unit["claimed"]),
        }
    return {key: counts[unit.pk] for key, unit in units.items()}


def _cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _shown(review, units: dict) -> dict:
    """What the draft ranking page shows and counts, per unit."""
    ranking = review_ranking(review=review, with_inputs=False)
    grouped = {u.unit: u for u in ranking_inputs_grouped(review=review, formula=ranking.formula)}
    shown = {}
    for key, unit in units.items():
        row, inputs = ranking.row_of(unit.pk), grouped[unit.pk]
        states: Counter = Counter()
        for _task, _week, state, n in inputs.rounds:
            states[state] += n
        support = [line for line in inputs.lines if line.role == SUPPORT and not line.excused]
        shown[key] = {
            "tasks": row.tasks,
            "ratings": Counter(
                {
                    rating: getattr(row, rating)
                    for rating in ("completed", "on_track", "behind", "not_completed")
                    if getattr(row, rating)
                }
            ),
            "reports": row.reports,
            "supported": row.supported,
            "contributed": sum(line.count for line in support if line.reports),
            "rounds": +states,
            "terms": {
                "ratings": row.term_ratings,
                "reporting": row.term_reporting,
                "punctuality": row.term_punctuality,
                "claimed": row.term_claimed,
            },
        }
    return shown


def _expected(plain: dict) -> dict:
    keys = ("tasks", "ratings", "reports", "supported", "contributed", "rounds", "terms")
    return {
        key: {name: (+unit[name] if name == "rounds" else unit[name]) for name in keys}
        for key, unit in plain.items()
    }


def test_the_draft_page_equals_plain_counts_of_the_raw_rows_for_every_term(example):
    review, units = example.review, example.units
    formula = review_ranking(review=review, with_inputs=False).formula
    plain = _plain(review, formula, units)

    assert _shown(review, units) == _expected(plain)
    # The edges were met: each state, a unit's two late reports one line, C's report on T8
    # not A's line, September's and November's rounds left out.
    assert plain["A"]["rounds"] == Counter({ON_TIME: 4, LATE: 1, MISSING: 3})
    assert plain["B"]["rounds"] == Counter({ON_TIME: 2, LATE: 1, MISSING: 3})
    assert plain["C"]["rounds"] == Counter({ON_TIME: 3, LATE: 1, MISSING: 2})
    assert plain["C"]["contributed"] == 0  # its report on T5 came in November


def test_every_owed_line_stores_the_state_its_reports_give(example):
    """The page counts the stored states (``RoundItem.report_state``): on every edge above
    each equals the state worked out from the raw reports, in and out of the month."""
    stored = Counter(item.report_state for item in checked_states())
    # October's 20 (the counts of the test above) and one on time in each of September's
    # and November's rounds.
    assert stored == Counter({ON_TIME: 9 + 2, LATE: 3, MISSING: 8 + 18})


def test_the_draft_page_equals_the_line_by_line_draft_and_plain_counts_after_an_excuse(
    example, world
):
    """An excused line leaves its task's rounds out of its unit's (and only its) counts."""
    review, units = example.review, example.units
    review_item_excuse(
        item=review.items.get(task=example.tasks["T7"]), by=world.coordinator, reason="先行先试"
    )
    review.refresh_from_db()
    formula = review_ranking(review=review, with_inputs=False).formula
    plain = _plain(review, formula, units)

    assert _shown(review, units) == _expected(plain)
    assert plain["B"]["rounds"] == Counter({ON_TIME: 1, MISSING: 3})
    by_lines = review_ranking(review=review, with_inputs=True).rows
    grouped = review_ranking(review=review, with_inputs=False).rows
    assert [(r.unit_id, r.score, r.rank) for r in grouped] == [
        (r.unit_id, r.score, r.rank) for r in by_lines
    ]
    assert len(ranking_inputs(review=review, formula=formula, draft=True)) == 3
