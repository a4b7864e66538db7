"""The unit ranking (赛马): the formula per campaign, the worked example of the README, the
draft before certifying, the copy kept with a certified month, excusing after it, boards."""

import datetime
from decimal import Decimal

import pytest

from config.errors import RuleViolation
from cycles.models import MonthlyReview, RankingFormula, RankingFormulaEvent, UnitMonth
from cycles.ranking.selectors import review_ranking, unit_explanation
from cycles.services import ranking_formula_update, review_certify, review_item_excuse
from tasks.models import TaskSupport
from tests.cycles import ranking_example
from tests.cycles.ranking_example import EXPECTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(world, clock, monkeypatch):
    ranking_example.claims_registered(monkeypatch)
    return ranking_example.build(world, clock)


def _by_key(example, rows) -> dict:
    keys = {unit.pk: key for key, unit in example.units.items()}
    return {
        keys[row.unit_id]: (
            str(row.term_ratings),
            str(row.term_reporting),
            str(row.term_punctuality),
            str(row.term_targets),
            str(row.term_claimed),
            str(row.term_penalties),
            str(row.score),
            row.rank,
            row.board,
        )
        for row in rows
    }


def test_the_worked_example_gives_the_documented_scores_in_the_draft(example):
    ranking = review_ranking(review=example.review)

    assert ranking.draft
    assert _by_key(example, ranking.rows) == EXPECTED
    assert [row.unit_name for row in ranking.rows] == [
        "区行政审批服务局",
        "区发展改革局",
        "区大数据局",
    ]


def test_certifying_stores_the_documented_scores_and_a_copy_of_the_formula(example, world):
    review_certify(review=example.review, by=world.coordinator)

    example.review.refresh_from_db()
    stored = UnitMonth.objects.filter(review=example.review)
    assert _by_key(example, stored) == EXPECTED
    assert example.review.formula["points_on_track"] == "90.0"
    assert example.review.formula_version == 1
    a = stored.get(unit=example.units["A"])
    assert (a.tasks, a.on_track, a.behind, a.completed, a.supported) == (4, 2, 1, 1, 1)


def test_each_term_of_a_score_names_the_tasks_behind_it(example):
    why = unit_explanation(review=example.review, unit_id=example.units["A"].pk)

    assert why.total == Decimal("113.33") == why.row.score
    assert (why.terms.value, why.terms.weight) == (Decimal("530.0"), Decimal("6.0"))
    assert [(s.line.code, s.line.role, s.value) for s in why.terms.lines] == [
        ("T1", "lead", Decimal("200.0")),
        ("T2", "lead", Decimal("90.0")),
        ("T3", "lead", Decimal("60.0")),
        ("T4", "lead", Decimal("135.00")),
        ("T8", "support", Decimal("45.00")),
    ]
    assert [line.code for line in why.silent] == ["T3"]
    assert [(r["code"], r["state"]) for r in why.late] == [("T3", "missing"), ("T4", "late")]
    assert [(t["code"], t["share"]) for t in why.target_rows] == [("T2", 50), ("T4", 100)]
    assert [s.line.code for s in why.terms.lines if s.bonus] == ["T1"]
    b = unit_explanation(review=example.review, unit_id=example.units["B"].pk)
    assert [(p["label"], points) for p, points in b.terms.penalties] == [("约谈", Decimal(5))]


def test_the_default_formula_scores_as_before_with_every_difficulty_at_one(world, clock):
    example = ranking_example.build(world, clock, formula=False)
    example.review.items.update()  # ratings as built
    for task in example.tasks.values():
        task.difficulty = Decimal("1.0")
        task.save(update_fields=["difficulty"])

    rows = review_ranking(review=example.review).rows

    # The average of 100 / 100 / 60 / 0 over the led tasks, nothing else.
    scores = {row.unit_name: row.score for row in rows}
    assert scores == {
        "区发展改革局": Decimal("100.00"),  # 100, 100, 100
        "区行政审批服务局": Decimal("90.00"),  # 100, 100, 60, 100
        "区大数据局": Decimal("53.33"),  # 100, 0, 60
    }
    assert [row.board for row in rows] == ["red", "red", "red"]  # the top 3
    assert all(row.term_ratings == row.score for row in rows)


def test_changing_one_weight_changes_the_draft_and_nothing_certified(example, world, clock):
    # September, certified under the example's formula (the same tasks, the same ratings).
    september = MonthlyReview.objects.create(
        campaign=world.campaign, month=datetime.date(2026, 9, 1)
    )
    for item in example.review.items.all():
        item.pk, item.review = None, september
        item.save()
    review_certify(review=september, by=world.coordinator)
    certified = list(
        UnitMonth.objects.filter(review=september).values_list("unit", "score", "rank")
    )
    draft = [row.unit_id for row in review_ranking(review=example.review).rows]

    # One weight: punctuality 10 → 40 puts C (every report on time) ahead of A.
    formula = ranking_formula_update(
        campaign=world.campaign,
        by=world.coordinator,
        values={"punctuality_weight": Decimal(40)},
        expected_version=1,
        note="更看重按时报送",
    )

    redrawn = review_ranking(review=example.review).rows
    assert [row.unit_id for row in redrawn] != draft
    assert redrawn[0].unit_id == example.units["C"].pk
    assert list(
        UnitMonth.objects.filter(review=september).values_list("unit", "score", "rank")
    ) == (certified)
    september.refresh_from_db()
    assert september.formula["punctuality_weight"] == "10.0"
    assert review_ranking(review=september).formula.punctuality_weight == Decimal("10.0")
    assert formula.version == 2
    event = RankingFormulaEvent.objects.get(version=2)
    assert (event.before, event.after) == (
        {"punctuality_weight": "10.0"},
        {"punctuality_weight": "40.0"},
    )
    assert event.actor == world.coordinator and event.note == "更看重按时报送"


def test_excusing_after_certification_uses_the_stored_inputs_and_formula(example, world):
    review_certify(review=example.review, by=world.coordinator)
    # Afterwards: the formula changes, and so do B's tasks' reports; neither may move October.
    ranking_formula_update(
        campaign=world.campaign,
        by=world.coordinator,
        values={"points_behind": Decimal(0)},
        expected_version=1,
    )
    item = example.review.items.get(task=example.tasks["T6"])

    review_item_excuse(item=item, by=world.coordinator, reason="先行先试")

    b = UnitMonth.objects.get(review=example.review, unit=example.units["B"])
    # T6 leaves B's lines (and its target): (100 + 120 + 100) ÷ 4 = 80.00 under behind = 60;
    # reporting 10 × 2/2; punctuality 10 × 2/2 (T6's missing report no longer counts);
    # targets: no target left → 10; 约谈 −5.
    assert (b.term_ratings, b.term_reporting, b.term_punctuality, b.term_targets) == (
        Decimal("80.00"),
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("10.00"),
    )
    assert b.score == Decimal("105.00") and b.rank == 3
    assert b.inputs["lines"][1]["excused"] is True


def test_the_formula_is_refused_out_of_range_or_contradictory_and_nothing_changes(world):
    with pytest.raises(RuleViolation) as error:
        ranking_formula_update(
            campaign=world.campaign,
            by=world.coordinator,
            values={"points_behind": Decimal(120)},
            expected_version=0,
        )
    assert error.value.field == "points_behind"
    assert "不应" in str(error.value.message) or "不得" in str(error.value.message)
    with pytest.raises(RuleViolation) as error:
        ranking_formula_update(
            campaign=world.campaign,
            by=world.coordinator,
            values={"support_weight": Decimal(2)},
            expected_version=0,
        )
    assert error.value.field == "support_weight"
    assert not RankingFormula.objects.exists() and not RankingFormulaEvent.objects.exists()


def test_a_formula_saved_from_a_stale_page_is_refused(world):
    ranking_formula_update(
        campaign=world.campaign,
        by=world.coordinator,
        values={"claimed_bonus": Decimal(3)},
        expected_version=0,
    )
    with pytest.raises(RuleViolation) as error:
        ranking_formula_update(
            campaign=world.campaign,
            by=world.coordinator,
            values={"claimed_bonus": Decimal(8)},
            expected_version=0,
        )
    assert error.value.code == "stale"
    assert RankingFormula.objects.get().claimed_bonus == Decimal(3)
    # Saving the same settings again records nothing.
    ranking_formula_update(
        campaign=world.campaign,
        by=world.coordinator,
        values={"claimed_bonus": Decimal(3)},
        expected_version=1,
    )
    assert RankingFormulaEvent.objects.count() == 1


def test_only_the_campaigns_coordinators_change_its_formula(world):
    from django.core.exceptions import PermissionDenied

    for outsider in (world.other_coordinator, world.leader, world.lead_head):
        with pytest.raises(PermissionDenied):
            ranking_formula_update(
                campaign=world.campaign,
                by=outsider,
                values={"claimed_bonus": Decimal(3)},
                expected_version=0,
            )
    assert not RankingFormula.objects.exists()


def test_rank_changes_against_the_previous_certified_month(example, world):
    september = MonthlyReview.objects.create(
        campaign=world.campaign, month=datetime.date(2026, 9, 1)
    )
    # In September only B and C took part (A did not yet support T8): C first, B second.
    for item in example.review.items.exclude(lead_unit=example.units["A"]):
        item.pk, item.review = None, september
        item.save()
    support = TaskSupport.objects.get(unit=example.units["A"])
    support.delete()
    review_certify(review=september, by=world.coordinator)
    TaskSupport.objects.create(task=support.task, unit=support.unit)
    assert list(september.unit_figures.order_by("rank").values_list("unit", flat=True)) == [
        example.units["C"].pk,
        example.units["B"].pk,
    ]

    rows = {row.unit_name: row for row in review_ranking(review=example.review).rows}

    assert (rows["区行政审批服务局"].change_label, rows["区发展改革局"].change_label) == (
        "新进",
        "↓1",
    )
    assert rows["区大数据局"].change_label == "↓1"


def _figures(rows) -> list[tuple]:
    return [
        (
            row.unit_id,
            row.unit_name,
            row.rank,
            row.board,
            row.score,
            row.tasks,
            row.reports,
            row.supported,
            row.completed,
            row.on_track,
            row.behind,
            row.not_completed,
            row.term_ratings,
            row.term_reporting,
            row.term_punctuality,
            row.term_targets,
            row.term_claimed,
            row.term_penalties,
        )
        for row in rows
    ]


def test_the_draft_page_counted_in_groups_gives_the_same_ranking_as_line_by_line(example, world):
    """The ranking page reads its draft grouped in SQL (cycles.ranking.grouped); every figure
    of every unit equals the line-by-line draft's, with every term in use, a supported task,
    a claimed one, a penalty, and an excused line (its rounds and targets left out)."""
    by_lines = review_ranking(review=example.review, with_inputs=True)
    assert _figures(review_ranking(review=example.review, with_inputs=False).rows) == _figures(
        by_lines.rows
    )
    assert _by_key(example, by_lines.rows) == EXPECTED

    review_item_excuse(
        item=example.review.items.get(task=example.tasks["T6"]),
        by=world.coordinator,
        reason="先行先试",
    )
    example.review.refresh_from_db()
    grouped = _figures(review_ranking(review=example.review, with_inputs=False).rows)
    assert grouped == _figures(review_ranking(review=example.review, with_inputs=True).rows)
    assert grouped != _figures(by_lines.rows)  # the excused line moved B
