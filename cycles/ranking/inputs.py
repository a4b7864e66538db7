"""What the ranking of a month is computed from, read from the database in a fixed number of
queries whatever the number of tasks and units (at most nine): the review's lines, the
claimed tasks, supporting units and their contributions (when the formula counts them), the
weekly reports owed in the month's rounds, the targets at month end and the penalties."""

from django.db.models import Count, Exists, OuterRef

from cycles import hooks, schedule
from cycles.models import MonthlyReview, RankingFormula, ReviewItem, RoundItem
from cycles.ranking.compute import LATE, LEAD, MISSING, ON_TIME, SUPPORT, Line, UnitInputs
from cycles.selectors import targets_at
from tasks.models import ProgressReport, Task, TaskSupport


def ranking_inputs(
    *, review: MonthlyReview, formula: RankingFormula, draft: bool = False
) -> list[UnitInputs]:
    """Every unit's inputs for ``review``. ``draft``: lines not rated yet take their proposed
    rating (and say so); otherwise every line must be rated (certifying checks that)."""
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    units: dict[int, UnitInputs] = {}

    def unit(unit_id: int, name: str) -> UnitInputs:
        return units.setdefault(unit_id, UnitInputs(unit=unit_id, name=name))

    items = list(
        ReviewItem.objects.filter(review=review)
        .order_by("lead_unit__name", "task__task_list__order", "task__order", "task_id")
        .values_list(
            "task_id",
            "lead_unit_id",
            "lead_unit__name",
            "task__code",
            "task__title",
            "task__difficulty",
            "rating",
            "proposed",
            "reports",
            "excused_at",
        )
    )
    claimed = _claimed(review)
    lead_of: dict[int, int] = {}
    for task, unit_id, name, code, title, difficulty, rating, proposed, reports, excused in items:
        lead_of[task] = unit_id
        unit(unit_id, name).lines.append(
            Line(
                task=task,
                code=code,
                title=title,
                role=LEAD,
                rating=rating or proposed,
                difficulty=str(difficulty),
                reports=reports,
                claimed=task in claimed,
                proposed=draft and not rating,
                excused=excused is not None,
            )
        )
    if formula.support_weight:
        _supporting_lines(review, start, end, lead_of, units, unit)
    _rounds(review, start, end, units)
    _targets(review, end, lead_of, units)
    add_penalties(review, start, end, units)
    return list(units.values())


def add_penalties(review, start, end, units: dict[int, UnitInputs]) -> None:
    """Each penalty applied to a ranked unit (or one of its people) in the month."""
    for penalty in hooks.penalties(campaign_id=review.campaign_id, start=start, end=end):
        if penalty.unit_id in units:
            units[penalty.unit_id].penalties.append(
                {
                    "ref": penalty.ref,
                    "kind": penalty.kind,
                    "label": penalty.label,
                    "date": penalty.date,
                }
            )


def _claimed(review: MonthlyReview) -> set[int]:
    """The review's tasks that were claimed (揭榜), as the registered expression says."""
    if not hooks.claims_known():
        return set()
    return set(
        Task.objects.filter(pk__in=ReviewItem.objects.filter(review=review).values("task_id"))
        .annotate(is_claimed=hooks.claimed_annotation())
        .filter(is_claimed=True)
        .values_list("pk", flat=True)
    )


def _supporting_lines(review, start, end, lead_of, units, unit) -> None:
    """A line for each supporting unit of each task of the review (two queries): the task's
    rating, and the unit's contributions (reports) in the month."""
    lines = {line.task: line for u in list(units.values()) for line in u.lines}
    supports = (
        TaskSupport.objects.filter(task__review_items__review=review)
        .order_by("unit__name", "task__task_list__order", "task__order", "task_id")
        .values_list("task_id", "unit_id", "unit__name")
    )
    contributions = {
        (task, unit_id): n
        for task, unit_id, n in ProgressReport.objects.filter(
            task__review_items__review=review, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("task_id", "unit_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("task_id", "unit_id", "n")
    }
    for task, unit_id, name in supports:
        if lead_of.get(task) == unit_id:
            continue  # led it at month end: its lead line counts
        led = lines[task]
        unit(unit_id, name).lines.append(
            Line(
                task=task,
                code=led.code,
                title=led.title,
                role=SUPPORT,
                rating=led.rating,
                difficulty=led.difficulty,
                reports=contributions.get((task, unit_id), 0),
                claimed=led.claimed,
                proposed=led.proposed,
                excused=led.excused,
            )
        )


def _rounds(review, start, end, units) -> None:
    """Each weekly report a ranked unit owed in the rounds that opened in the month, and
    whether it came by the due time, late (before the round closed) or not at all."""
    reports = ProgressReport.objects.filter(
        task_id=OuterRef("task_id"),
        unit_id=OuterRef("lead_unit_id"),
        submitted_at__gte=OuterRef("round__opens_at"),
    )
    owed = (
        RoundItem.objects.filter(
            round__campaign_id=review.campaign_id,
            round__opens_at__gte=start,
            round__opens_at__lt=end,
            lead_unit_id__in=list(units),
        )
        .annotate(
            on_time=Exists(reports.filter(submitted_at__lte=OuterRef("round__due_at"))),
            made=Exists(reports.filter(submitted_at__lt=OuterRef("round__closes_at"))),
        )
        .order_by("round__week_start", "task_id")
        .values_list("lead_unit_id", "task_id", "round__week_start", "on_time", "made")
    )
    for unit_id, task, week, on_time, made in owed:
        state = ON_TIME if on_time else LATE if made else MISSING
        units[unit_id].rounds.append([task, week.isoformat(), state])


def _targets(review, end, lead_of, units) -> None:
    """Each target of each led task, with its share of the way at month end (three queries)."""
    for target in sorted(
        targets_at(task_ids=list(lead_of), moment=end), key=lambda t: (t.task_id, t.order, t.pk)
    ):
        share = None if target.current_value is None else (target.attainment or 0)
        units[lead_of[target.task_id]].targets.append([target.task_id, target.metric, share])


def ranking_inputs_frozen(*, review: MonthlyReview) -> list[UnitInputs] | None:
    """The inputs a certified month was ranked from, with the lines excused since marked
    (two queries); None for a month certified before inputs were stored."""
    rows = list(review.unit_figures.order_by("rank", "unit_id").values_list("inputs", flat=True))
    if not rows or not all(rows):
        return None
    excused = set(
        ReviewItem.objects.filter(review=review, excused_at__isnull=False).values_list(
            "task_id", flat=True
        )
    )
    units = [UnitInputs.from_json(data) for data in rows]
    for inputs in units:
        for line in inputs.lines:
            line.excused = line.excused or line.task in excused
    return units
