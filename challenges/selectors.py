"""Reads of open calls: the 榜单 of a campaign, the calls a unit may bid on, a call's bids with
their scores, and a call's history. Each declares its joins; none grows with the data."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Case, Count, Prefetch, Q, QuerySet, When

from accounts.models import User
from campaigns.models import Campaign
from challenges.models import Bid, Call, CallEvent
from challenges.permissions import board_campaigns, callable_by_unit_q, publishable_campaign_ids


@dataclass
class BoardLine:
    call: Call
    bids: int  # submitted, awarded or not: every bid that was not withdrawn
    awarded: list[Bid]  # with their task and its light


@dataclass
class Board:
    lines: list[BoardLine]
    counts: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)  # the claimed tasks' lights


def _awarded_bids() -> Prefetch:
    return Prefetch(
        "bids",
        queryset=Bid.objects.filter(status=Bid.Status.AWARDED)
        .select_related("unit", "task__task_list__campaign")
        .order_by("awarded_at", "id"),
        to_attr="awarded_bids",
    )


def campaign_board(*, campaign: Campaign, today: datetime.date) -> Board:
    """The 榜单: every call of the campaign (open ones first), how many units bid, who claimed
    it and how their task stands (its light), with the counts the page heads with."""
    calls = (
        Call.objects.filter(campaign=campaign)
        .select_related("task_list")
        .annotate(
            bid_count=Count("bids", filter=~Q(bids__status=Bid.Status.WITHDRAWN), distinct=True)
        )
        .prefetch_related(_awarded_bids())
        .order_by("number")
    )
    lines = []
    counts = dict.fromkeys(Call.Status.values, 0)
    lights: dict[str, int] = {}
    for call in calls:
        counts[call.status] += 1
        for bid in call.awarded_bids:  # type: ignore[attr-defined]
            if bid.task is not None:
                bid.light = bid.task.light_on(today)
                key = bid.light.light
                lights[key] = lights.get(key, 0) + 1
        lines.append(BoardLine(call=call, bids=call.bid_count, awarded=call.awarded_bids))  # type: ignore[attr-defined]
    lines.sort(key=lambda line: (line.call.status != Call.Status.OPEN, line.call.number))
    counts["all"] = len(lines)
    counts["claimed"] = sum(len(line.awarded) for line in lines)
    return Board(lines=lines, counts=counts, lights=lights)


def calls_for_user(*, user: User, limit: int = 100) -> list[Call]:
    """The calls on the 榜单 the user may read, open ones first, newest first, each with the
    user's unit's bid (``my_bid``) and whether the unit may bid (``for_my_unit``)."""
    open_first = Case(When(status=Call.Status.OPEN, then=0), default=1)
    calls = (
        Call.objects.filter(campaign__in=board_campaigns(user))
        .select_related("campaign")
        .order_by(open_first, "-claim_deadline")
    )
    callable_ids: set[int] = set()
    if user.unit_id:
        mine = Bid.objects.filter(unit_id=user.unit_id)
        calls = calls.prefetch_related(Prefetch("bids", queryset=mine, to_attr="my_bids"))
        callable_ids = set(
            Call.objects.filter(callable_by_unit_q(user.unit_id)).values_list("pk", flat=True)
        )
    rows = list(calls[:limit])
    for call in rows:
        bids = getattr(call, "my_bids", [])
        call.my_bid = bids[0] if bids else None  # type: ignore[attr-defined]
        call.for_my_unit = bool(user.unit_id) and call.pk in callable_ids  # type: ignore[attr-defined]
    return rows


def boards_for_user(*, user: User, limit: int = 30) -> list[Campaign]:
    """The 榜单 worth a link: campaigns with calls, and those the user may publish on."""
    campaigns = board_campaigns(user).annotate(calls_count=Count("calls")).order_by("-start_date")
    publishable = publishable_campaign_ids(user)
    return [c for c in campaigns[:limit] if c.calls_count or c.pk in publishable]


def call_bids(*, call: Call) -> QuerySet[Bid]:
    """Every bid of the call with its unit, supporting units, committed targets and the
    assessors' scores (``score``: the average total; ``assessed``: how many assessed)."""
    return (
        Bid.objects.filter(call=call)
        .select_related("unit", "submitted_by", "task")
        .prefetch_related("supports__unit", "targets__target", "assessments__assessor")
        .annotate(score=Avg("assessments__total"), assessed=Count("assessments", distinct=True))
        .order_by("status", "-score", "submitted_at")
    )


def bid_scores(bid: Bid, criteria) -> list[dict]:
    """Per assessor: the points given per criterion (in the call's order), total, comment."""
    rows = []
    for assessment in bid.assessments.all():
        rows.append(
            {
                "assessor": assessment.assessor,
                "points": [Decimal(assessment.scores.get(str(c.pk), "0")) for c in criteria],
                "total": assessment.total,
                "comment": assessment.comment,
                "at": assessment.at,
            }
        )
    return rows


def call_history(*, call: Call) -> QuerySet[CallEvent]:
    return (
        CallEvent.objects.filter(call=call)
        .select_related("actor", "bid__unit")
        .order_by("at", "id")
    )
