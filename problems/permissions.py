"""Who may see and work the problem ledger (问题台账). Pages, templates (through the flags
their views pass) and services ask this module; nothing else in ``problems`` tests a role.

* The whole ledger of a campaign (every problem, the counts by state and unit): its
  coordinators and the leaders.
* A unit's staff and heads: the problems that concern their unit or that it was asked to
  solve (in the campaigns they take part in), and those they raised themselves.
* Raising a problem: from a progress report or an instruction, whoever may act on the task
  (``tasks.permissions.can_raise_problem``: its units, its campaign's coordinators, the
  leaders); from a verified 否, the inspection group; by hand, the campaign's coordinators.
* Working it (assign to a unit with a deadline, resolve, refer to the city or to 纪委监委,
  record the answer, reopen): the campaign's coordinators, while the campaign is live.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import is_coordinator, is_leader, works_on_tasks
from campaigns.models import Campaign
from inspections.models import Answer
from inspections.permissions import can_verify
from problems.models import Problem
from tasks.models import Instruction, ProgressReport
from tasks.permissions import (
    can_edit_campaign,
    can_manage_campaign,
    can_raise_problem,
    visible_campaigns,
)


def _member(user: User) -> bool:
    return bool(user.unit_id) and works_on_tasks(user)


def sees_whole_ledger(user: User, campaign: Campaign) -> bool:
    """Every problem of the campaign and the counts by unit: its office and the leaders."""
    return is_leader(user) or can_manage_campaign(user, campaign)


def works_ledger(user: User, campaign: Campaign) -> bool:
    """Raise by hand, assign, resolve, refer, record answers, reopen: its coordinators."""
    return can_edit_campaign(user, campaign)


def visible_problems_q(user: User) -> Q:
    """A filter on Problem for every problem ``user`` may read."""
    return problems_q_of(reader_shape(user), {"user": user.pk, "unit": user.unit_id})


def reader_shape(user: User) -> tuple[bool, bool, bool, bool]:
    """What ``problems_q_of`` asks of a person: active, leader, coordinator, unit member."""
    if not user.is_authenticated or not user.is_active:
        return (False, False, False, False)
    return (True, is_leader(user), is_coordinator(user), _member(user))


def problems_q_of(shape: tuple[bool, bool, bool, bool], values) -> Q:
    """``visible_problems_q`` of the person of ``shape`` (``reader_shape``) whose id and
    unit are ``values["user"]`` and ``values["unit"]`` (slots when compiled once per shape:
    the task page's problems, ``problems.selectors.task_section``)."""
    active, leader, coordinator, member = shape
    if not active:
        return Q(pk__in=[])
    if leader:
        return Q()
    q = Q(raised_by_id=values["user"])
    if coordinator:
        q |= Q(campaign_id__in=Campaign.objects.filter(coordinators=values["user"]).values("pk"))
    if member:
        q |= Q(unit_id=values["unit"]) | Q(assigned_unit_id=values["unit"])
    return q


def can_see_ledger(user: User, campaign: Campaign) -> bool:
    """The whole ledger for the campaign's office and leaders, the unit's part for the staff
    and heads of a unit taking part in the campaign."""
    if sees_whole_ledger(user, campaign):
        return True
    return _member(user) and visible_campaigns(user).filter(pk=campaign.pk).exists()


def access_ledger(user: User, slug: str) -> Campaign:
    """The campaign if ``user`` may see its ledger (``can_see_ledger``); 404 otherwise."""
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None or not can_see_ledger(user, campaign):
        raise Http404
    return campaign


def ledger_problems(user: User, campaign: Campaign) -> QuerySet[Problem]:
    """The problems of the campaign that ``user`` sees on its ledger page."""
    problems = Problem.objects.filter(campaign=campaign)
    if sees_whole_ledger(user, campaign):
        return problems
    return problems.filter(visible_problems_q(user))


def access_problem(user: User, pk: int) -> Problem:
    problem = (
        Problem.objects.filter(visible_problems_q(user), pk=pk)
        .select_related(
            "campaign", "task__task_list", "unit", "assigned_unit", "raised_by", "report", "answer"
        )
        .first()
    )
    if problem is None:
        raise Http404
    return problem


def can_raise_from_report(user: User, report: ProgressReport) -> bool:
    return can_raise_problem(user, report.task)


def can_raise_from_instruction(user: User, instruction: Instruction) -> bool:
    return can_raise_problem(user, instruction.task)


def can_raise_from_answer(user: User, answer: Answer) -> bool:
    """A verified 否 is entered by the inspection group that verified it."""
    return can_verify(user, answer.round)


def can_raise_by_hand(user: User, campaign: Campaign) -> bool:
    return works_ledger(user, campaign)


def may_raise_somehow(user: User) -> bool:
    """Holds a role that raises problems from somewhere (the raise page's first check)."""
    return user.is_authenticated and user.has_role(
        Role.STAFF, Role.HEAD, Role.COORDINATOR, Role.LEADER, Role.INSPECTOR
    )
