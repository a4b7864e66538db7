"""Every write of open calls: publish (发榜), bid (揭榜), withdraw, assess (评榜), award, close.
Each is atomic, asks challenges.permissions, refuses with RuleViolation, and leaves a
CallEvent. The award creates the task through tasks.services.task_create."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from accounts.permissions import cannot_lead_message, unit_may_lead
from campaigns.models import Campaign, TaskList
from challenges import permissions
from challenges.models import (
    Assessment,
    Bid,
    BidSupport,
    BidTarget,
    Call,
    CallCriterion,
    CallEvent,
    CallTarget,
    CallUnit,
)
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify
from tasks.models import Task
from tasks.services import lead_unit_check, task_create


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _event(*, call: Call, by: User | None, kind: str, bid: Bid | None = None, **data: Any):
    return CallEvent.objects.create(call=call, bid=bid, actor=by, kind=kind, **data)


def _call_url(call: Call) -> str:
    return reverse("challenges:call", args=[call.pk])


def _when(at: datetime.datetime) -> str:
    return date_format(timezone.localtime(at), "Y-m-d H:i")


# --- 发榜 -----------------------------------------------------------------------------------


def _check_call(
    *, task_list: TaskList, campaign: Campaign, title: str, goal: str, claim_deadline, now
) -> None:
    if task_list.campaign_id != campaign.pk or not task_list.is_work:
        raise RuleViolation(_("Choose a list of work of this campaign."), field="task_list")
    if not title.strip():
        raise RuleViolation(_("Name the problem the call is for."), field="title")
    if not goal.strip():
        raise RuleViolation(_("Say what is to be achieved."), field="goal")
    if claim_deadline <= now:
        raise RuleViolation(_("Bids must close in the future."), field="claim_deadline")


def _clean_targets(targets: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = [dict(t) for t in targets if (t.get("metric") or "").strip()]
    for row in rows:
        row["metric"] = row["metric"].strip()
        row.setdefault("direction", CallTarget.Direction.HIGHER)
    return rows


def _clean_criteria(criteria: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = [
        {"name": c["name"].strip(), "points": int(c["points"])}
        for c in criteria
        if (c.get("name") or "").strip()
    ]
    if not rows:
        raise RuleViolation(
            _("Give at least one criterion bids are assessed on."), field="criteria"
        )
    if any(row["points"] < 1 for row in rows):
        raise RuleViolation(_("Every criterion is worth at least 1 point."), field="criteria")
    return rows


@transaction.atomic
def call_publish(
    *,
    campaign: Campaign,
    by: User,
    task_list: TaskList,
    title: str,
    goal: str,
    claim_deadline: datetime.datetime,
    criteria: Iterable[Mapping[str, Any]],
    targets: Iterable[Mapping[str, Any]] = (),
    conditions: str = "",
    complete_by: datetime.date | None = None,
    units: Iterable[Unit] = (),
    places: int = 1,
    now: datetime.datetime | None = None,
) -> Call:
    """Publish a call: numbered next in its campaign; ``units`` empty means open to all."""
    _require(permissions.can_publish(by, campaign))
    now = now or timezone.now()
    _check_call(
        task_list=task_list,
        campaign=campaign,
        title=title,
        goal=goal,
        claim_deadline=claim_deadline,
        now=now,
    )
    if complete_by is not None and complete_by < timezone.localtime(claim_deadline).date():
        raise RuleViolation(
            _("The completion date cannot be before bids close."), field="complete_by"
        )
    if places < 1:
        raise RuleViolation(_("A call has at least one place."), field="places")
    criteria_rows = _clean_criteria(criteria)
    target_rows = _clean_targets(targets)
    named = list(dict.fromkeys(units))
    cannot = [unit for unit in named if not unit_may_lead(unit)]
    if cannot:
        raise RuleViolation(cannot_lead_message(cannot[0]), field="units")
    Campaign.objects.select_for_update().get(pk=campaign.pk)  # one number at a time
    number = (Call.objects.filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0) + 1
    call = Call.objects.create(
        campaign=campaign,
        task_list=task_list,
        number=number,
        title=title.strip(),
        goal=goal.strip(),
        conditions=conditions.strip(),
        claim_deadline=claim_deadline,
        complete_by=complete_by,
        open_to_all=not named,
        places=places,
        published_by=by,
        published_at=now,
    )
    CallUnit.objects.bulk_create([CallUnit(call=call, unit=unit) for unit in named])
    CallTarget.objects.bulk_create(
        [CallTarget(call=call, order=i, **row) for i, row in enumerate(target_rows)]
    )
    CallCriterion.objects.bulk_create(
        [CallCriterion(call=call, order=i, **row) for i, row in enumerate(criteria_rows)]
    )
    _event(
        call=call,
        by=by,
        kind=CallEvent.Kind.PUBLISHED,
        after={
            "title": call.title,
            "claim_deadline": claim_deadline.isoformat(),
            "places": places,
            "unit_ids": [unit.pk for unit in named],
            "targets": [row["metric"] for row in target_rows],
            "criteria": [f"{row['name']} {row['points']}" for row in criteria_rows],
        },
    )
    units_told = (
        [unit.pk for unit in named]
        if named
        else Unit.objects.filter(permissions.bidding_units_q()).values_list("pk", flat=True)
    )
    notify(
        recipients=permissions.unit_people(units_told),
        kind=Notification.Kind.OTHER,
        title=_("New open call (揭榜挂帅): %(title)s, bids close %(when)s")
        % {"title": call.title[:60], "when": _when(claim_deadline)},
        url=_call_url(call),
        campaign=campaign,
    )
    return call


# --- 揭榜 -----------------------------------------------------------------------------------


def _committed(call: Call, values: Mapping[int, Any]) -> dict[CallTarget, Decimal]:
    """Each of the call's targets with the value the bid commits to (all are required)."""
    committed: dict[CallTarget, Decimal] = {}
    for target in call.targets.all():
        raw = values.get(target.pk)
        try:
            value = Decimal(str(raw).strip()) if raw not in (None, "") else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise RuleViolation(
                _("Commit to a value for “%(metric)s”.") % {"metric": target.metric},
                field=f"target_{target.pk}",
            )
        if not target.accepts(value):
            raise RuleViolation(
                _("“%(metric)s”: the call asks for at least %(threshold)s (as good or better).")
                % {"metric": target.metric, "threshold": floatformat(target.threshold, "-2")},
                field=f"target_{target.pk}",
            )
        committed[target] = value
    return committed


def _locked_call(call: Call) -> Call:
    return Call.objects.select_for_update().select_related("campaign", "task_list").get(pk=call.pk)


@transaction.atomic
def bid_submit(
    *,
    call: Call,
    by: User,
    plan: str,
    commander: str,
    complete_by: datetime.date,
    targets: Mapping[int, Any] | None = None,
    supporting_units: Iterable[Unit] = (),
    leader_in_charge: str = "",
    specific_owner: str = "",
    now: datetime.datetime | None = None,
) -> Bid:
    """揭榜: the user's unit bids, or changes its bid, or bids again after withdrawing; until
    bids close. One bid per unit and call (a unique constraint; the call's row is locked)."""
    _require(permissions.can_bid(by, call))
    now = now or timezone.now()
    call = _locked_call(call)
    if not call.takes_bids(now):
        raise RuleViolation(_("This call takes no more bids."), code="closed")
    unit = by.unit
    assert unit is not None, "can_bid asks for a unit"
    if not plan.strip():
        raise RuleViolation(_("Describe your plan."), field="plan")
    if not commander.strip():
        raise RuleViolation(_("Name the leader who takes command (挂帅)."), field="commander")
    if call.complete_by and complete_by > call.complete_by:
        raise RuleViolation(
            _("The call is to be completed by %(date)s.") % {"date": call.complete_by},
            field="complete_by",
        )
    if complete_by <= timezone.localtime(now).date():
        raise RuleViolation(_("The completion date must be in the future."), field="complete_by")
    supporting = [u for u in dict.fromkeys(supporting_units) if u.pk != unit.pk]
    committed = _committed(call, targets or {})
    fields = {
        "plan": plan.strip(),
        "commander": commander.strip()[:50],
        "leader_in_charge": leader_in_charge.strip()[:50],
        "specific_owner": specific_owner.strip()[:50],
        "complete_by": complete_by,
    }
    bid = Bid.objects.select_for_update().filter(call=call, unit=unit).first()
    kind = CallEvent.Kind.BID
    before: dict[str, Any] = {}
    if bid is None:
        bid = Bid.objects.create(call=call, unit=unit, submitted_by=by, submitted_at=now, **fields)
    else:
        kind = CallEvent.Kind.BID_CHANGED if bid.status == Bid.Status.SUBMITTED else kind
        before = {"status": bid.status, **_bid_snapshot(bid)}
        for name, value in fields.items():
            setattr(bid, name, value)
        bid.status, bid.submitted_by, bid.submitted_at = Bid.Status.SUBMITTED, by, now
        bid.version += 1
        bid.save()
        BidSupport.objects.filter(bid=bid).delete()
        BidTarget.objects.filter(bid=bid).delete()
    BidSupport.objects.bulk_create([BidSupport(bid=bid, unit=u) for u in supporting])
    BidTarget.objects.bulk_create(
        [BidTarget(bid=bid, target=t, value=v) for t, v in committed.items()]
    )
    _event(call=call, bid=bid, by=by, kind=kind, before=before, after=_bid_snapshot(bid))
    if kind == CallEvent.Kind.BID:
        notify(
            recipients=call.campaign.coordinators.filter(is_active=True),
            kind=Notification.Kind.OTHER,
            title=_("%(unit)s bids on call %(number)s %(title)s")
            % {"unit": unit.name, "number": call.number, "title": call.title[:40]},
            url=_call_url(call),
            campaign=call.campaign,
        )
    return bid


def _bid_snapshot(bid: Bid) -> dict[str, Any]:
    return {
        "commander": bid.commander,
        "complete_by": bid.complete_by.isoformat(),
        "supporting_unit_ids": sorted(s.unit_id for s in BidSupport.objects.filter(bid=bid)),
        "targets": {str(t.target_id): str(t.value) for t in BidTarget.objects.filter(bid=bid)},
        "plan": bid.plan[:200],
    }


@transaction.atomic
def bid_withdraw(*, bid: Bid, by: User, now: datetime.datetime | None = None) -> Bid:
    """Withdraw before bids close; the unit may bid again until then."""
    _require(permissions.can_withdraw(by, bid))
    now = now or timezone.now()
    call = _locked_call(bid.call)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    if bid.status != Bid.Status.SUBMITTED:
        raise RuleViolation(_("Only a submitted bid can be withdrawn."), code="stale")
    if not call.takes_bids(now):
        raise RuleViolation(_("Bids have closed: the bid can no longer be withdrawn."))
    bid.status = Bid.Status.WITHDRAWN
    bid.version += 1
    bid.save(update_fields=["status", "version"])
    _event(
        call=call,
        bid=bid,
        by=by,
        kind=CallEvent.Kind.WITHDRAWN,
        before={"status": Bid.Status.SUBMITTED},
        after={"status": bid.status},
    )
    return bid


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


def _settle(call: Call, *, by: User, now: datetime.datetime, status: str) -> None:
    """End the call: bids still submitted are not awarded, and their units are told."""
    others = list(call.bids.select_for_update().filter(status=Bid.Status.SUBMITTED))
    Bid.objects.filter(pk__in=[b.pk for b in others]).update(status=Bid.Status.NOT_AWARDED)
    before = {"status": call.status}
    call.status, call.closed_at = status, now
    call.save(update_fields=["status", "closed_at"])
    _event(
        call=call,
        by=by,
        kind=CallEvent.Kind.CLOSED,
        before=before,
        after={"status": status, "not_awarded_bid_ids": [b.pk for b in others]},
    )
    notify(
        recipients=permissions.unit_people([b.unit_id for b in others]),
        kind=Notification.Kind.OTHER,
        title=_("Call %(number)s %(title)s is settled: your unit's bid was not awarded")
        % {"number": call.number, "title": call.title[:40]},
        url=_call_url(call),
        campaign=call.campaign,
    )


@transaction.atomic
def call_close(*, call: Call, by: User, now: datetime.datetime | None = None) -> Call:
    """End a call before its places are filled (a split call with fewer good bids, or none)."""
    _require(permissions.can_close(by, call))
    now = now or timezone.now()
    call = _locked_call(call)
    if call.status != Call.Status.OPEN:
        raise RuleViolation(_("The call is settled."), code="stale")
    awarded = call.bids.filter(status=Bid.Status.AWARDED).exists()
    _settle(call, by=by, now=now, status=Call.Status.AWARDED if awarded else Call.Status.CLOSED)
    return call
