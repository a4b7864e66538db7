"""Who may see and do what on open calls (揭榜挂帅). Pages, templates (through the flags their
views pass) and services ask this module; nothing else in ``challenges`` tests a role.

* The 榜单 of a campaign (its calls, who claimed what, their lights) and each call: every
  person of the campaign — its coordinators, leaders, and the staff and heads of units that
  take part in it (they have tasks in it) or that may bid on one of its calls.
* Publishing a call (发榜) and closing one: the campaign's coordinators, while it is live.
* Bidding (揭榜), changing and withdrawing a bid: staff and heads of a unit that may bid
  (the call is open to all, or names the unit) and that may lead a task at all (not a
  supervisory body: ``accounts.permissions.unit_may_lead``). Whether bids are still taken is
  the service's rule (the claim deadline).
* A bid's content: its own unit, and those who assess it.
* Assessing (评榜) and awarding: the campaign's coordinators and the leaders.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role, Unit, User
from accounts.permissions import (
    is_coordinator,
    is_leader,
    leading_units_q,
    oversees_campaigns,
    unit_may_lead,
    works_on_tasks,
)
from campaigns.models import Campaign
from challenges.models import Bid, Call, CallUnit
from tasks.permissions import can_edit_campaign, can_manage_campaign, is_live, visible_campaigns


def takes_part(user: User) -> bool:
    """Sees some 榜单 (the menu entry, ``accounts.permissions.menu``): unit staff and heads,
    coordinators, leaders."""
    return user.is_active and (works_on_tasks(user) or oversees_campaigns(user))


def _member(user: User) -> bool:
    return bool(user.unit_id) and works_on_tasks(user)


def callable_by_unit_q(unit_id: int, prefix: str = "") -> Q:
    """A filter on Call for the calls ``unit_id`` may bid on (kind aside)."""
    named = CallUnit.objects.filter(call=OuterRef(f"{prefix}pk"), unit_id=unit_id)
    return Q(**{f"{prefix}open_to_all": True}) | Q(Exists(named))


def board_campaigns(user: User) -> QuerySet[Campaign]:
    """The campaigns whose 榜单 ``user`` may read."""
    if not user.is_authenticated or not takes_part(user):
        return Campaign.objects.none()
    if is_leader(user):
        return Campaign.objects.all()
    q = Q(pk__in=visible_campaigns(user).values("pk"))
    unit_id = user.unit_id
    if _member(user) and unit_id is not None:
        calls = Call.objects.filter(callable_by_unit_q(unit_id), campaign=OuterRef("pk"))
        bids = Bid.objects.filter(unit_id=unit_id, call__campaign=OuterRef("pk"))
        q |= Q(Exists(calls)) | Q(Exists(bids))
    return Campaign.objects.filter(q)


def access_board(user: User, slug: str) -> Campaign:
    campaign = board_campaigns(user).filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return campaign


def access_call(user: User, pk: int) -> Call:
    """The call if ``user`` may read its campaign's 榜单; 404 otherwise."""
    call = (
        Call.objects.filter(pk=pk, campaign__in=board_campaigns(user))
        .select_related("campaign", "task_list", "published_by")
        .first()
    )
    if call is None:
        raise Http404
    return call


def can_publish(user: User, campaign: Campaign) -> bool:
    """发榜: the campaign's coordinators, while it is live."""
    return can_edit_campaign(user, campaign)


def publishable_campaign_ids(user: User) -> set[int]:
    """The campaigns ``user`` may publish calls on (``can_publish`` for many, in one query)."""
    if not is_coordinator(user):
        return set()
    live = user.coordinated_campaigns.exclude(status=Campaign.Status.ARCHIVED)  # is_live
    return set(live.values_list("pk", flat=True))


def can_close(user: User, call: Call) -> bool:
    """End a call (all its places filled or not): the campaign's coordinators."""
    return can_edit_campaign(user, call.campaign)


def unit_may_bid(unit: Unit | None, call: Call) -> bool:
    """The unit may lead a task, and the call is open to all or names it."""
    if unit is None or not unit_may_lead(unit):
        return False
    return call.open_to_all or CallUnit.objects.filter(call=call, unit=unit).exists()


def can_bid(user: User, call: Call) -> bool:
    """揭榜 (and change or withdraw the bid): staff and heads of a unit that may bid."""
    return is_live(call.campaign) and _member(user) and unit_may_bid(user.unit, call)


def can_withdraw(user: User, bid: Bid) -> bool:
    return is_live(bid.call.campaign) and _member(user) and user.unit_id == bid.unit_id


def can_assess(user: User, call: Call) -> bool:
    """评榜 and award: the campaign's coordinators and the leaders, while it is live."""
    if not is_live(call.campaign):
        return False
    return is_leader(user) or can_manage_campaign(user, call.campaign)


def can_award(user: User, call: Call) -> bool:
    return can_assess(user, call)


def sees_every_bid(user: User, call: Call) -> bool:
    """Every bid of the call with its content and scores: those who assess (an archived
    campaign's too)."""
    return is_leader(user) or can_manage_campaign(user, call.campaign)


def access_bid(user: User, pk: int) -> Bid:
    """A bid: its own unit's staff and heads, and those who assess it; 404 otherwise."""
    bid = (
        Bid.objects.filter(pk=pk)
        .select_related("call__campaign", "call__task_list", "unit", "submitted_by", "task")
        .first()
    )
    if bid is None:
        raise Http404
    own = _member(user) and user.unit_id == bid.unit_id
    if not (own or sees_every_bid(user, bid.call)):
        raise Http404
    return bid


def unit_people(unit_ids) -> list[User]:
    """Active staff and heads of these units: who hears of a call and of its bids' fate."""
    return list(
        User.objects.filter(
            unit_id__in=list(unit_ids), is_active=True, roles__role__in=(Role.STAFF, Role.HEAD)
        ).distinct()
    )


def bidding_units_q() -> Q:
    """A filter on Unit for the units that could bid on a call open to all."""
    return leading_units_q() & Q(active=True)
