"""Who may see and do what in the cycles, and who is chased. Pages, templates (through the
flags their views pass) and services ask this module; nothing else in ``cycles`` tests a role.

* A campaign's rounds, reviews and bulletins: whoever may see the campaign (else 404).
* Every task's rating on a review: the campaign's coordinators and leaders; unit staff see
  their own unit's lines only.
* Rating, confirming all, certifying, changing the schedule and the ranking formula: the
  campaign's coordinators.
* The unit ranking: the formula, and a certified month's ranking, for whoever sees the
  campaign; the draft before certifying for its coordinators and leaders; "why this score"
  of a unit for them, and for the unit's own people once the month is certified.
* Digests: a task's linked owner, else the lead unit's staff; red tasks also its unit heads.

The rules on campaigns and tasks themselves live in ``tasks.permissions``.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, User, UserRole
from campaigns.models import Campaign
from cycles.models import DispatchRound, MonthlyReview
from tasks.permissions import can_manage_campaign, visible_campaigns

# --- seeing -------------------------------------------------------------------------------


def can_see_cycles(user: User, campaign: Campaign) -> bool:
    """The campaign's rounds, monthly reviews and bulletins: whoever may see the campaign.
    Leaders and the campaign's coordinators see it (``visible_campaigns`` says so too), known
    without its query: from the roles in memory, and the coordinators' answer the pages ask
    next anyway (``_coordinates``, kept on the campaign)."""
    if user.is_authenticated and can_see_every_rating(user, campaign):
        return True
    return visible_campaigns(user).filter(pk=campaign.pk).exists()


def access_round(user: User, pk: int, *, with_result: bool = True) -> DispatchRound:
    """The round if ``user`` may see its campaign; 404 otherwise. ``with_result=False``
    leaves the stored bulletin unread until asked for (megabytes at 100,000 tasks)."""
    rounds = DispatchRound.objects.select_related("campaign")
    if not with_result:
        rounds = rounds.defer("result")
    round_ = get_object_or_404(rounds, pk=pk)
    if not can_see_cycles(user, round_.campaign):
        raise Http404
    return round_


def access_review(user: User, pk: int) -> MonthlyReview:
    """The monthly review if ``user`` may see its campaign; 404 otherwise."""
    review = get_object_or_404(MonthlyReview.objects.select_related("campaign"), pk=pk)
    if not can_see_cycles(user, review.campaign):
        raise Http404
    return review


def _coordinates(user: User, campaign: Campaign) -> bool:
    """``tasks.permissions.can_manage_campaign``, asked once per user and loaded campaign: a
    page asks several of the rules below, and each would otherwise cost a query. Pages and
    services load the campaign afresh for every request or call, so the answer never ages."""
    answers = campaign.__dict__.setdefault("_cycles_coordinator_answers", {})
    if user.pk not in answers:
        answers[user.pk] = can_manage_campaign(user, campaign)
    return answers[user.pk]


def can_see_every_rating(user: User, campaign: Campaign) -> bool:
    """Coordinators of the campaign and leaders see every task's rating (on the review page
    and in the bulletin's workbook); everyone else only the tasks they may see."""
    return user.has_role(Role.LEADER) or _coordinates(user, campaign)


# --- acting -------------------------------------------------------------------------------
# Who may act, whatever the state: a certified month refusing changes is the services' rule
# (a RuleViolation), so pages also check the review is still open before offering forms.


def can_rate(user: User, review: MonthlyReview) -> bool:
    """Rate lines and confirm every proposal: the campaign's coordinators."""
    return _coordinates(user, review.campaign)


def can_certify(user: User, review: MonthlyReview) -> bool:
    """Certify and lock the month: the same coordinators who rate it."""
    return can_rate(user, review)


def can_change_schedule(user: User, campaign: Campaign) -> bool:
    """The dispatch day, due time and reminder hours: the campaign's coordinators."""
    return _coordinates(user, campaign)


def can_change_formula(user: User, campaign: Campaign) -> bool:
    """The ranking formula (赛马): the campaign's coordinators."""
    return _coordinates(user, campaign)


def can_see_draft_ranking(user: User, review: MonthlyReview) -> bool:
    """The ranking of a month not certified yet, under the current formula: the campaign's
    coordinators and leaders, who see every rating (units see it once it is certified)."""
    return can_see_every_rating(user, review.campaign)


def can_see_unit_score(user: User, review: MonthlyReview, unit_id: int) -> bool:
    """One unit's score term by term with the tasks behind it: coordinators and leaders for
    every unit (draft or certified); a unit's own staff and heads for their unit once the
    month is certified."""
    if can_see_every_rating(user, review.campaign):
        return True
    certified = review.status == MonthlyReview.Status.CERTIFIED
    return certified and user.unit_id is not None and user.unit_id == unit_id


# --- who is chased ------------------------------------------------------------------------


def _unit_people(unit_ids: Iterable[int], *roles: str) -> dict[int, list[int]]:
    """Active users holding one of ``roles``, by unit, in one query."""
    people: dict[int, list[int]] = defaultdict(list)
    rows = (
        UserRole.objects.filter(
            role__in=roles, user__unit_id__in=list(unit_ids), user__is_active=True
        )
        .values_list("user__unit_id", "user_id")
        .distinct()
        .order_by("user_id")
    )
    for unit_id, user_id in rows:
        if user_id not in people[unit_id]:
            people[unit_id].append(user_id)
    return people


def unit_reporters(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """Unit id → the staff who owe its tasks' reports when no owner is linked (one query)."""
    return _unit_people(unit_ids, Role.STAFF)


def unit_heads(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """Unit id → its heads, who hear of its red and overdue tasks (one query)."""
    return _unit_people(unit_ids, Role.HEAD)
