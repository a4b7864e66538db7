"""The worked example of the README's "赛马" section: three units, ten tasks, October 2026,
and a formula that uses every term. ``EXPECTED`` is the hand-worked result the README
shows; ``build`` makes the rows through the models, as review_open and the services would.

    unit  led tasks (rating, difficulty, reports)                  supports (contributed?)
    A     T1 completed 2.0 (2) 揭榜, T2 on track 1.0 (1),           T8 (yes)
          T3 behind 1.0 (0), T4 on track 1.5 (1)
    B     T5 completed 1.0 (1), T6 not completed 1.0 (0) 揭榜,      T1 (yes)
          T7 behind 2.0 (1)
    C     T8 on track, T9 on track, T10 completed, all 1.0 (1 each) T5 (no)

Formula: completed 100, on track 90, behind 60, not completed 0; difficulty weighs; a
supported task weighs 0.5; reporting 10, punctuality 10, targets 10; 揭榜 +5; 约谈 −5;
红榜 the top 1, 黑榜 the bottom 1.

A: ratings (200 + 90 + 60 + 135 + 45) ÷ (2 + 1 + 1 + 1.5 + 0.5) = 530 ÷ 6 = 88.33;
   reporting 10 × 3/4 = 7.50; punctuality 10 × 2/4 = 5.00 (T3 missing, T4 late);
   targets 10 × (50 + 100)/2 ÷ 100 = 7.50; claimed 5 × 1 = 5.00; → 113.33, rank 1, 红榜
B: ratings (100 + 0 + 120 + 100) ÷ (1 + 1 + 2 + 1) = 320 ÷ 5 = 64.00;
   reporting 10 × 2/3 = 6.67; punctuality 10 × 2/3 = 6.67; targets 10 × 0 = 0.00 (T6's
   target has no value yet); claimed 0 (T6 is not completed); 约谈 −5.00; → 72.34, rank 3, 黑榜
C: ratings (90 + 90 + 100 + 0) ÷ (1 + 1 + 1 + 0.5) = 280 ÷ 3.5 = 80.00; reporting 10.00;
   punctuality 10.00; targets 10.00 (no target: nothing to miss); → 110.00, rank 2
(C's 约谈 was applied in November: it counts in November's ranking, not October's.)
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import BooleanField, ExpressionWrapper, Q

from campaigns.models import TaskList
from cycles import hooks
from cycles.models import DispatchRound, MonthlyReview, Rating, ReviewItem, RoundItem
from cycles.services import ranking_formula_update
from measures.services import application_add
from tasks import hooks as task_hooks
from tasks.models import ProgressReport, Target, TaskSupport
from tests.cycles.conftest import at
from tests.factories import TaskFactory, TaskListFactory, UserFactory

OCTOBER = datetime.date(2026, 10, 1)

FORMULA = {
    "points_completed": Decimal(100),
    "points_on_track": Decimal(90),
    "points_behind": Decimal(60),
    "points_not_completed": Decimal(0),
    "difficulty_mode": "weight",
    "support_weight": Decimal("0.5"),
    "reporting_weight": Decimal(10),
    "punctuality_weight": Decimal(10),
    "targets_weight": Decimal(10),
    "claimed_bonus": Decimal(5),
    "penalty_criticism": Decimal(3),
    "penalty_talk": Decimal(5),
    "penalty_accountability": Decimal(10),
    "red_top": 1,
    "red_min_score": None,
    "black_bottom": 1,
    "black_max_score": None,
}

# unit → (ratings, reporting, punctuality, targets, claimed, penalties, score, rank, board)
EXPECTED = {
    "A": ("88.33", "7.50", "5.00", "7.50", "5.00", "0.00", "113.33", 1, "red"),
    "B": ("64.00", "6.67", "6.67", "0.00", "0.00", "-5.00", "72.34", 3, "black"),
    "C": ("80.00", "10.00", "10.00", "10.00", "0.00", "0.00", "110.00", 2, ""),
}

# (name, lead, rating, difficulty, reports in October, claimed)
TASKS = [
    ("T1", "A", Rating.COMPLETED, "2.0", 2, True),
    ("T2", "A", Rating.ON_TRACK, "1.0", 1, False),
    ("T3", "A", Rating.BEHIND, "1.0", 0, False),
    ("T4", "A", Rating.ON_TRACK, "1.5", 1, False),
    ("T5", "B", Rating.COMPLETED, "1.0", 1, False),
    ("T6", "B", Rating.NOT_COMPLETED, "1.0", 0, True),
    ("T7", "B", Rating.BEHIND, "2.0", 1, False),
    ("T8", "C", Rating.ON_TRACK, "1.0", 1, False),
    ("T9", "C", Rating.ON_TRACK, "1.0", 1, False),
    ("T10", "C", Rating.COMPLETED, "1.0", 1, False),
]
SUPPORTS = [("T8", "A", True), ("T1", "B", True), ("T5", "C", False)]
# The week of 12 October: reports due Thursday 17:00; A's T3 never came, its T4 came late,
# B's T6 never came; the rest came on time.
ROUND = {"T3": None, "T4": at(2026, 10, 16, 9, 0), "T6": None}


def claimed_by_title():
    """Claimed (揭榜) tasks for the example: those whose title says 揭榜."""
    return ExpressionWrapper(Q(title__startswith="揭榜"), output_field=BooleanField())


def build(world, clock, *, formula: bool = True) -> SimpleNamespace:
    """October's review of the world's campaign, fully rated, not certified yet."""
    campaign = world.campaign
    units = {
        "A": world.lead,
        "B": world.support,
        "C": world.other,
    }
    people = {key: UserFactory(unit=unit) for key, unit in units.items()}
    task_list = TaskListFactory(campaign=campaign, name="赛马清单")
    tasks = {}
    for name, lead, _rating, difficulty, _reports, claimed in TASKS:
        tasks[name] = TaskFactory(
            task_list=task_list,
            code=name,
            title=f"{'揭榜：' if claimed else ''}任务{name}",
            lead_unit=units[lead],
            difficulty=Decimal(difficulty),
        )
    for name, unit, contributed in SUPPORTS:
        TaskSupport.objects.create(task=tasks[name], unit=units[unit])
        if contributed:
            _report(tasks[name], units[unit], people[unit], at(2026, 10, 20, 10, 0))
    Target.objects.create(
        task=tasks["T2"], metric="网办率(%)", baseline=50, target_value=100, current_value=75
    )
    Target.objects.create(
        task=tasks["T4"],
        metric="压缩时限(工作日)",
        baseline=20,
        target_value=5,
        current_value=4,
        direction=Target.Direction.LOWER,
    )
    Target.objects.create(task=tasks["T6"], metric="可办率(%)", target_value=65)
    round_ = DispatchRound.objects.create(
        campaign=campaign,
        week_start=datetime.date(2026, 10, 12),
        opens_at=at(2026, 10, 12, 9, 0),
        due_at=at(2026, 10, 15, 17, 0),
        reminder_at=at(2026, 10, 15, 5, 0),
        closes_at=at(2026, 10, 19, 9, 0),
    )
    review = MonthlyReview.objects.create(campaign=campaign, month=OCTOBER)
    for name, lead, rating, _difficulty, reports, _claimed in TASKS:
        task = tasks[name]
        RoundItem.objects.create(round=round_, task=task, lead_unit=units[lead])
        when = ROUND.get(name, at(2026, 10, 13, 10, 0))
        if when is not None:
            _report(task, units[lead], people[lead], when)
        ReviewItem.objects.create(
            review=review,
            task=task,
            lead_unit=units[lead],
            proposed=rating,
            reason="例",
            rating=rating,
            reports=reports,
        )
    measures = TaskListFactory(campaign=campaign, name="激励惩戒措施", kind=TaskList.Kind.MEASURE)
    talk = TaskFactory(task_list=measures, code="1", title="约谈", lead_unit=world.office)
    clock.set(2026, 10, 25, 10, 0)
    application_add(
        campaign=campaign, line=talk, by=world.coordinator, unit=units["B"], grounds="滞后"
    )
    clock.set(2026, 11, 2, 10, 0)
    application_add(
        campaign=campaign, line=talk, by=world.coordinator, unit=units["C"], grounds="十一月"
    )
    clock.set(2026, 11, 3, 9, 0)
    if formula:
        ranking_formula_update(
            campaign=campaign, by=world.coordinator, values=FORMULA, expected_version=0
        )
    return SimpleNamespace(review=review, units=units, tasks=tasks, people=people)


def _report(task, unit, person, when):
    """A report written as the report services write one: the row, then what apps keep of
    it in the same transaction (the weekly reports owed that it settles)."""
    report = ProgressReport.objects.create(
        task=task,
        unit=unit,
        period_start=when.date(),
        text="进展",
        percent=50,
        submitted_by=person,
        submitted_at=when,
        confirmed_at=when,
    )
    task_hooks.reports_written([report])


def claims_registered(monkeypatch):
    """Register the example's claimed tasks for one test (the registry is module state)."""
    monkeypatch.setattr(hooks, "_CLAIMED", [claimed_by_title])
