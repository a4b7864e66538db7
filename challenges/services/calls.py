"""发榜 and the end of a call (all places awarded, or closed by a coordinator)."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from accounts.permissions import cannot_lead_message, unit_may_lead
from campaigns.models import Campaign, TaskList
from challenges import permissions
from challenges.models import (
    Bid,
    Call,
    CallCriterion,
    CallEvent,
    CallTarget,
    CallUnit,
)
from challenges.services._common import _call_url, _event, _locked_call, _require, _when
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify

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
