"""揭榜: a unit's bid, changed or withdrawn until bids close."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from challenges import permissions
from challenges.models import (
    Bid,
    BidSupport,
    BidTarget,
    Call,
    CallEvent,
    CallTarget,
)
from challenges.services._common import _call_url, _event, _locked_call, _require
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify

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
