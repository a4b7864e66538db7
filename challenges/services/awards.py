"""评榜 and the award, which creates the task through tasks.services.task_create."""

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import TaskList
from challenges import permissions
from challenges.models import (
    Assessment,
    Bid,
    Call,
    CallEvent,
)
from challenges.services._common import _event, _locked_call, _require, _when
from challenges.services.calls import _settle
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify
from tasks.models import Task
from tasks.services import lead_unit_check, task_create

# --- 评榜 and the award ----------------------------------------------------------------------


def _assessable(call: Call, bid: Bid, now: datetime.datetime) -> None:
    if call.status != Call.Status.OPEN:
        raise RuleViolation(_("The call is settled."), code="stale")
    if call.takes_bids(now):
        raise RuleViolation(
            _("Bids are assessed once they close (%(when)s).")
            % {"when": _when(call.claim_deadline)}
        )
    if bid.status != Bid.Status.SUBMITTED:
        raise RuleViolation(
            _("This bid is %(status)s.") % {"status": bid.get_status_display()}, code="stale"
        )


@transaction.atomic
def bid_assess(
    *,
    bid: Bid,
    by: User,
    scores: Mapping[int, Any],
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Assessment:
    """评榜: the assessor's points per criterion (0 to the criterion's points) and a comment;
    assessing again replaces the assessor's earlier scores."""
    _require(permissions.can_assess(by, bid.call))
    now = now or timezone.now()
    call = _locked_call(bid.call)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    _assessable(call, bid, now)
    given: dict[str, str] = {}
    total = Decimal(0)
    for criterion in call.criteria.all():
        try:
            points = Decimal(str(scores.get(criterion.pk, "")).strip())
        except InvalidOperation:
            points = Decimal(-1)
        if not points.is_finite() or not 0 <= points <= criterion.points:
            raise RuleViolation(
                _("Give “%(name)s” from 0 to %(points)s points.")
                % {"name": criterion.name, "points": criterion.points},
                field=f"score_{criterion.pk}",
            )
        given[str(criterion.pk)] = str(points)
        total += points
    earlier = Assessment.objects.filter(bid=bid, assessor=by).first()
    assessment, _created = Assessment.objects.update_or_create(
        bid=bid,
        assessor=by,
        defaults={"scores": given, "total": total, "comment": comment.strip(), "at": now},
    )
    _event(
        call=call,
        bid=bid,
        by=by,
        kind=CallEvent.Kind.ASSESSED,
        before={"scores": earlier.scores, "total": str(earlier.total)} if earlier else {},
        after={"scores": given, "total": str(total)},
        note=comment.strip(),
    )
    return assessment


def _next_code(task_list: TaskList) -> str:
    """The number after the list's highest plain number, as a task added by hand gets."""
    numbers = [int(c) for c in task_list.tasks.values_list("code", flat=True) if c.isdigit()]
    return str(max(numbers, default=0) + 1)


def _task_from_bid(*, call: Call, bid: Bid, by: User) -> Task:
    """The task the award creates: the call's problem, the bid's unit, people, date and
    committed targets, marked as claimed (揭榜); its lead unit is then asked for 签收."""
    lead_unit_check(bid.unit)
    submitter = bid.submitted_by
    linked = (
        submitter
        if bid.specific_owner
        and submitter.unit_id == bid.unit_id
        and bid.specific_owner == str(submitter)
        else None
    )
    last = call.task_list.tasks.order_by("-order").values_list("order", flat=True).first()
    return task_create(
        task_list=call.task_list,
        code=_next_code(call.task_list),
        title=call.title[:500],
        lead_unit=bid.unit,
        by=by,
        supporting_units=[s.unit for s in bid.supports.select_related("unit")],
        content=bid.plan,
        goal=call.goal,
        source=_("Open call %(number)s (揭榜挂帅)") % {"number": call.number},
        principal_owner_name=bid.commander,
        leader_in_charge_name=bid.leader_in_charge,
        specific_owner_name=bid.specific_owner,
        specific_owner=linked,
        deadline=bid.complete_by,
        order=(last or 0) + 1,
        claimed=True,
        targets=[
            {
                "metric": t.target.metric,
                "unit_of_measure": t.target.unit_of_measure,
                "baseline": t.target.baseline,
                "current_value": t.target.baseline,
                "target_value": t.value,
                "direction": t.target.direction,
            }
            for t in bid.targets.select_related("target")
        ],
    )


@transaction.atomic
def bid_award(*, bid: Bid, by: User, now: datetime.datetime | None = None) -> Bid:
    """Award a bid: create its task (once: the call's row is locked, and an awarded bid is
    returned as it is), and when the call's places are filled, settle the other bids and
    tell their units."""
    _require(permissions.can_award(by, bid.call))
    now = now or timezone.now()
    call = _locked_call(bid.call)
    bid = Bid.objects.select_for_update().select_related("unit", "submitted_by").get(pk=bid.pk)
    if bid.status == Bid.Status.AWARDED:
        return bid  # a second click, or a second assessor at the same moment
    _assessable(call, bid, now)
    awarded = call.bids.filter(status=Bid.Status.AWARDED).count()
    task = _task_from_bid(call=call, bid=bid, by=by)
    bid.status, bid.task, bid.awarded_by, bid.awarded_at = Bid.Status.AWARDED, task, by, now
    bid.version += 1
    bid.save(update_fields=["status", "task", "awarded_by", "awarded_at", "version"])
    _event(
        call=call,
        bid=bid,
        by=by,
        kind=CallEvent.Kind.AWARDED,
        before={"status": Bid.Status.SUBMITTED},
        after={"status": bid.status, "task_id": task.pk, "task_code": task.code},
    )
    notify(
        recipients=permissions.unit_people([bid.unit_id]),
        kind=Notification.Kind.OTHER,
        title=_("Your unit's bid on call %(number)s %(title)s is awarded: task %(code)s")
        % {"number": call.number, "title": call.title[:40], "code": task.code},
        body=_("Acknowledge (签收) the task, then report on it as on any task."),
        url=reverse("tasks:detail", args=[task.pk]),
        campaign=call.campaign,
    )
    if awarded + 1 >= call.places:
        _settle(call, by=by, now=now, status=Call.Status.AWARDED)
    return bid
