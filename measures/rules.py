"""What each rule proposes for a certified month, from that month's certified figures (the
ratings of ``cycles.ReviewItem`` and each unit's ``cycles.UnitMonth``). Reads only: the
proposals are written by ``measures.services.measures_propose``.

* ``behind_running`` (N, default 2): the unit had tasks rated 进度滞后 in each of the last N
  certified months, running (no month missing), ending with this one;
* ``not_completed``: a task rated 未完成 at this month's end — proposed to its specific owner
  when the task names a user, else to its lead unit;
* ``top_score`` (N, default 3): the unit ranks N or better this month;
* ``low_reporting`` (N %, default 80): fewer than N % of the unit's rated tasks had a progress
  report in the month;
* ``red_board`` / ``black_board``: the unit is on the month's 红榜 / 黑榜 as the campaign's
  ranking formula draws them (top or bottom N, or a score threshold: ``cycles.RankingFormula``,
  stored as ``UnitMonth.board`` when the month is certified). The formula decides who is on
  the boards; these rules only turn that into proposals, so the two never disagree.

Excused ratings (容错免责) count in none of them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from cycles.models import MonthlyReview, Rating, ReviewItem, UnitMonth
from cycles.schedule import previous_month
from measures.models import Measure, MeasureRule


@dataclass
class Proposal:
    unit_id: int
    grounds: str
    person_id: int | None = None
    task_ids: list[int] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def target_key(self) -> str:
        return f"p{self.person_id}" if self.person_id else f"u{self.unit_id}"


def _lines(review: MonthlyReview, **filters):
    return (
        ReviewItem.objects.filter(review=review, excused_at__isnull=True, **filters)
        .select_related("task")
        .order_by("lead_unit_id", "task__task_list__order", "task__order", "task_id")
    )


def _brief(items) -> str:
    return "、".join(f"{item.task.code} {item.task.title}" for item in items[:20])


def behind_running(review: MonthlyReview, months: int) -> list[Proposal]:
    months = max(months, 1)
    reviews = list(
        MonthlyReview.objects.filter(
            campaign_id=review.campaign_id,
            status=MonthlyReview.Status.CERTIFIED,
            month__lte=review.month,
        ).order_by("-month")[:months]
    )
    expected = review.month
    for past in reviews:
        if past.month != expected:
            return []  # a month is missing or not certified: not "running"
        expected = previous_month(expected)
    if len(reviews) < months:
        return []
    behind: dict[int, dict] = defaultdict(dict)
    for row in UnitMonth.objects.filter(review__in=reviews, behind__gt=0):
        behind[row.unit_id][row.review_id] = row.behind
    units = [unit for unit, by_review in behind.items() if len(by_review) == len(reviews)]
    items = defaultdict(list)
    for item in ReviewItem.objects.filter(
        review__in=reviews, lead_unit_id__in=units, rating=Rating.BEHIND, excused_at__isnull=True
    ).select_related("task"):
        items[item.lead_unit_id].append(item)
    proposals = []
    for unit_id in sorted(units):
        per_month = [(past, behind[unit_id][past.pk]) for past in reversed(reviews)]
        grounds = _("Rated behind %(n)d months running: %(months)s.") % {
            "n": len(reviews),
            "months": "；".join(
                _("%(month)s, %(count)d tasks") % {"month": past.label, "count": count}
                for past, count in per_month
            ),
        }
        proposals.append(
            Proposal(
                unit_id=unit_id,
                grounds=grounds,
                task_ids=sorted({item.task_id for item in items[unit_id]}),
                figures={
                    "behind": {past.month.isoformat(): count for past, count in per_month},
                    "reviews": [past.pk for past in reviews],
                },
            )
        )
    return proposals


def not_completed(review: MonthlyReview, _number: int) -> list[Proposal]:
    groups: dict[tuple[int, int | None], list] = defaultdict(list)
    for item in _lines(review, rating=Rating.NOT_COMPLETED):
        groups[(item.lead_unit_id, item.task.specific_owner_id)].append(item)
    return [
        Proposal(
            unit_id=unit_id,
            person_id=person_id,
            grounds=_("Not completed at the end of %(month)s: %(tasks)s.")
            % {"month": review.label, "tasks": _brief(items)},
            task_ids=[item.task_id for item in items],
            figures={"not_completed": len(items)},
        )
        for (unit_id, person_id), items in sorted(groups.items(), key=lambda kv: kv[0][0])
    ]


def top_score(review: MonthlyReview, number: int) -> list[Proposal]:
    rows = UnitMonth.objects.filter(review=review, rank__lte=max(number, 1)).order_by("rank")
    return [
        Proposal(
            unit_id=row.unit_id,
            grounds=_("%(month)s: score %(score)s, rank %(rank)d.")
            % {"month": review.label, "score": row.score, "rank": row.rank},
            figures={"score": str(row.score), "rank": row.rank, "tasks": row.tasks},
        )
        for row in rows
    ]


def low_reporting(review: MonthlyReview, percent: int) -> list[Proposal]:
    units: dict[int, list] = defaultdict(list)
    for item in _lines(review):
        units[item.lead_unit_id].append(item)
    proposals = []
    for unit_id, items in units.items():
        made = sum(1 for item in items if item.reports > 0)
        rate = (Decimal(100) * made / len(items)).quantize(Decimal("0.1"))
        if rate >= percent:
            continue
        silent = [item for item in items if item.reports == 0]
        proposals.append(
            Proposal(
                unit_id=unit_id,
                grounds=_(
                    "%(month)s: reporting rate %(rate)s%% (%(made)d of %(n)d tasks reported), "
                    "below %(limit)d%%. Not reported: %(tasks)s."
                )
                % {
                    "month": review.label,
                    "rate": rate,
                    "made": made,
                    "n": len(items),
                    "limit": percent,
                    "tasks": _brief(silent),
                },
                task_ids=[item.task_id for item in silent],
                figures={"rate": str(rate), "reported": made, "tasks": len(items)},
            )
        )
    return sorted(proposals, key=lambda p: p.unit_id)


def on_board(board: str):
    def rule(review: MonthlyReview, _number: int) -> list[Proposal]:
        rows = UnitMonth.objects.filter(review=review, board=board).order_by("rank", "unit_id")
        words = (
            _("%(month)s: on the 红榜 by the ranking formula (score %(score)s, rank %(rank)d).")
            if board == "red"
            else _(
                "%(month)s: on the 黑榜 by the ranking formula (score %(score)s, rank %(rank)d)."
            )
        )
        return [
            Proposal(
                unit_id=row.unit_id,
                grounds=words % {"month": review.label, "score": row.score, "rank": row.rank},
                figures={"score": str(row.score), "rank": row.rank, "board": board},
            )
            for row in rows
        ]

    return rule


RULES = {
    MeasureRule.BEHIND_RUNNING: behind_running,
    MeasureRule.NOT_COMPLETED: not_completed,
    MeasureRule.TOP_SCORE: top_score,
    MeasureRule.LOW_REPORTING: low_reporting,
    MeasureRule.RED_BOARD: on_board("red"),
    MeasureRule.BLACK_BOARD: on_board("black"),
}


def proposals_for(*, measure: Measure, review: MonthlyReview) -> list[Proposal]:
    """What ``measure``'s rule proposes for the certified ``review`` (nothing without a rule)."""
    rule = RULES.get(MeasureRule(measure.rule)) if measure.rule else None
    return rule(review, measure.rule_number) if rule else []
