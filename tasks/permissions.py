"""Who may see and do what. Pages, downloads and the API ask this module, nothing else.

* Unit staff and unit heads: tasks where their unit leads or supports.
* Coordinators: every task of the campaigns they coordinate (and their own unit's tasks).
* Leaders: every task.
* Auditors and administrators: no task content unless they also hold a business role.
* Running a campaign (creating it, editing it and its lists, adding and editing tasks,
  archiving): coordinators, each only on the campaigns they coordinate; any coordinator may
  create a campaign and becomes one of its coordinators.
* An archived campaign is read-only: nobody reports, asks, decides, instructs, answers,
  acknowledges or edits on it until a coordinator restores it.
* 签收 (acknowledging a task handed to a unit): staff and heads of its lead unit.
* A draft list (an import nobody has published yet): its campaign's coordinators only.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import (  # noqa: F401 (the unit's people re-exported)
    is_coordinator,
    is_leader,
    is_unit_head,
    unit_heads,
    unit_members,
    unit_staff,
    units_members,
)
from campaigns.models import Campaign, ListImport, TaskList
from tasks import readers
from tasks.models import ProgressReport, Task, TaskQuerySet, TaskRequest, TaskSupport


def _unit_q(user: User, prefix: str = "") -> Q:
    if not user.unit_id or not user.has_role(Role.STAFF, Role.HEAD):
        return Q(pk__in=[])
    supports = TaskSupport.objects.filter(task=OuterRef(f"{prefix}pk"), unit_id=user.unit_id)
    return Q(**{f"{prefix}lead_unit_id": user.unit_id}) | Q(Exists(supports))


def visible_tasks_q(user: User) -> Q:
    """A filter on Task for every task ``user`` may read (a draft list's: coordinators')."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    live = Q(task_list__published_at__isnull=False)
    if user.has_role(Role.LEADER):
        if user.has_role(Role.COORDINATOR):
            return live | Q(task_list__campaign__in=_coordinated(user))
        return live
    q = _unit_q(user) & live
    if user.has_role(Role.COORDINATOR):
        # A subquery on the task's own column, not a join through the coordinators (a join
        # repeats rows and needs SELECT DISTINCT over the whole table).
        q |= Q(task_list__campaign__in=_coordinated(user))
    return q


# For statements compiled once per process (``tasks.task_page.VisibleTaskRead``,
# ``tasks.readers``): the shape of ``visible_tasks_q(user)`` follows the answers to its role
# questions and whether the person has a unit; their id and unit are the statement's
# parameters.
_ASKED = ((Role.LEADER,), (Role.COORDINATOR,), (Role.STAFF, Role.HEAD))


class Reader:
    """An active person as the rules read them (another role question is an error: the
    statement's key would not cover it). ``business``: whether they hold a business role
    (``visible_campaigns`` asks; keyed by the caller that says it)."""

    is_authenticated = is_active = True

    def __init__(self, answers: tuple[bool, ...], pk, unit_id, business: bool = True):
        self.answers: dict[tuple[str, ...], bool] = dict(zip(_ASKED, answers, strict=True))
        self.pk, self.unit_id = pk, unit_id
        self.has_business_role = business

    def has_role(self, *roles: str) -> bool:
        return self.answers[roles]


def reader_key(user: User) -> tuple[tuple[bool, ...], bool]:
    return tuple(user.has_role(*roles) for roles in _ASKED), bool(user.unit_id)


def reader_values(user: User) -> dict:
    return {"user": user.pk, "unit": user.unit_id}


def visible_q(answers: tuple[bool, ...], unit: bool, values) -> Q:
    """``visible_tasks_q`` of the active person ``reader_key`` gives, with the ``values``
    (``reader_values``; slots when compiling)."""
    reader = Reader(answers, values["user"], values["unit"] if unit else None)
    return visible_tasks_q(reader)  # type: ignore[arg-type]  # a User as the rule reads one


def _coordinated(user: User) -> QuerySet:
    """The campaigns ``user`` coordinates, as a subquery (no join that repeats rows). By the
    user's id (the same SQL), which ``tasks.task_page`` gives as a prepared statement's slot."""
    return Campaign.objects.filter(coordinators=user.pk).values("pk")


def visible_lists_q(user: User, prefix: str = "") -> Q:
    """A filter on TaskList: the live lists, and the drafts of the campaigns ``user``
    coordinates (an import's draft is theirs to review before anyone else sees it)."""
    q = Q(**{f"{prefix}published_at__isnull": False})
    if user.is_authenticated and user.has_role(Role.COORDINATOR):
        q |= Q(**{f"{prefix}campaign__in": _coordinated(user)})
    return q


def access_task_list(user: User, campaign: Campaign, pk: int) -> TaskList:
    """A list of a campaign ``user`` may read (a draft only for its coordinators); 404
    otherwise."""
    if user.is_authenticated:
        found = readers.TASK_LIST.objects(
            *reader_key(user), **reader_values(user), campaign=campaign.pk, pk=pk
        )
        task_list = found[0] if found else None
    else:
        task_list = TaskList.objects.filter(visible_lists_q(user), campaign=campaign, pk=pk).first()
    if task_list is None:
        raise Http404
    return task_list


def visible_tasks(user: User) -> TaskQuerySet:
    """Every task ``user`` may read: conditions on the task's own columns and EXISTS / IN
    subqueries, never a join that repeats rows, so no DISTINCT is needed."""
    return Task.objects.filter(visible_tasks_q(user))


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    if not user.is_authenticated or not user.has_business_role:
        return Campaign.objects.none()
    if user.has_role(Role.LEADER):
        return Campaign.objects.all()
    # Per campaign "is there a task I may see", not the campaign of every visible task.
    q = Q(Exists(visible_tasks(user).filter(task_list__campaign_id=OuterRef("pk"))))
    if user.has_role(Role.COORDINATOR):
        q |= Q(pk__in=_coordinated(user))
    return Campaign.objects.filter(q)


def can_see_unit_figures(user: User, campaign: Campaign) -> bool:
    """Which units lag, every unit's ratings: for the campaign's office and leaders, not units."""
    return is_leader(user) or can_manage_campaign(user, campaign)


def can_decide_requests(user: User) -> bool:
    """The request queue (申请审批) is the coordinators'; each row is one of their campaigns."""
    return is_coordinator(user)


def can_manage_campaign(user: User, campaign: Campaign) -> bool:
    return (
        user.is_authenticated
        and user.has_role(Role.COORDINATOR)
        and bool(readers.COORDINATES.rows(campaign=campaign.pk, user=user.pk))
    )


# --- Running a campaign ---------------------------------------------------------------------


def is_live(campaign: Campaign) -> bool:
    """An archived campaign is read-only: every rule that changes something asks this."""
    return not campaign.is_archived


def can_create_campaign(user: User) -> bool:
    """Any coordinator starts a campaign (and becomes one of its coordinators)."""
    return is_coordinator(user)


def can_edit_campaign(user: User, campaign: Campaign) -> bool:
    """Its name, dates, coordinators, lists, and tasks added by hand: its coordinators, while
    it is not archived."""
    return is_live(campaign) and can_manage_campaign(user, campaign)


def can_archive_campaign(user: User, campaign: Campaign) -> bool:
    """Archive, and restore an archived campaign: its coordinators."""
    return can_manage_campaign(user, campaign)


def can_add_task(user: User, task_list) -> bool:
    """Add a line by hand: the list's campaign's coordinators, while it is not archived; not
    to a draft list an import made (it is published or discarded whole)."""
    return not task_list.is_draft and can_edit_campaign(user, task_list.campaign)


def can_edit_task(user: User, task: Task) -> bool:
    """Title, units, owners, deadline, difficulty: the campaign's coordinators, until the
    task is closed out (a struck-off task stays as it was struck off)."""
    return task.status != Task.Status.CLOSED and can_edit_campaign(user, task.task_list.campaign)


def may_acknowledge(user: User, task: Task) -> bool:
    """签收 is the lead unit's (staff or head), on open work of a live campaign."""
    return (
        task.is_work
        and task.status in OPEN_FOR_WORK
        and is_live(task.task_list.campaign)
        and is_lead_member(user, task)
    )


def can_acknowledge(user: User, task: Task) -> bool:
    """The 签收 button: the lead unit, while the task waits for it."""
    return task.awaiting_acknowledgement and may_acknowledge(user, task)


def acknowledges_for_unit(user: User) -> bool:
    """Bulk 签收 on 我的任务: a member (staff or head) of a unit."""
    return bool(user.unit_id) and user.has_role(Role.STAFF, Role.HEAD)


def coordinator_choices() -> QuerySet[User]:
    """Who may be named a campaign's coordinator: active users holding the coordinator role."""
    return (
        User.objects.filter(is_active=True, roles__role=Role.COORDINATOR)
        .distinct()
        .order_by("unit__order", "username")
    )


def can_see_acknowledgements(user: User, campaign: Campaign) -> bool:
    """Which units have not acknowledged their tasks: the campaign's office and leaders."""
    return can_see_unit_figures(user, campaign)


@dataclass(frozen=True)
class CampaignPageRights:
    manage: bool  # ``can_manage_campaign``
    unit_figures: bool  # ``can_see_unit_figures``
    acknowledgements: bool  # ``can_see_acknowledgements``


def campaign_page_rights(user: User, campaign: Campaign) -> CampaignPageRights:
    """The three rules a campaign's page asks, with the campaign's coordinators asked once
    (each function above asks them again: four queries for a coordinator's page, now one).
    tests/tasks/test_campaign_rights.py holds them equal to the functions for every role."""
    manage = can_manage_campaign(user, campaign)
    unit_figures = is_leader(user) or manage  # as can_see_unit_figures
    return CampaignPageRights(
        manage=manage, unit_figures=unit_figures, acknowledgements=unit_figures
    )


def access_task(user: User, task_id: int, queryset: QuerySet[Task] | None = None) -> Task:
    """The task if ``user`` may read it; 404 otherwise, so its existence is not revealed."""
    qs = queryset if queryset is not None else Task.objects.all()
    # One row by its key: no ORDER BY (``first()`` would sort by the task's default order,
    # through its list and campaign, and compiling that was a tenth of the task page's CPU).
    found = list(qs.filter(visible_tasks_q(user), pk=task_id).order_by()[:1])
    if not found:
        raise Http404
    return found[0]


def access_campaign(user: User, slug: str, *, related: tuple[str, ...] = ()) -> Campaign:
    """The campaign if ``user`` may see it (with its ``related`` objects read in the same
    query); 404 otherwise."""
    if user.is_authenticated and user.is_active:
        key = (*reader_key(user), user.has_business_role, related)
        found = readers.CAMPAIGN.objects(*key, **reader_values(user), slug=slug)
        campaign = found[0] if found else None
    else:
        campaign = visible_campaigns(user).select_related(*related).filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return campaign


def access_managed_campaign(user: User, slug: str) -> Campaign:
    """The campaign if ``user`` coordinates it (imports and other management); 404 otherwise."""
    if not user.is_authenticated or not user.is_active or not user.has_role(Role.COORDINATOR):
        raise Http404
    campaign = Campaign.objects.filter(slug=slug, coordinators__pk=user.pk).first()
    if campaign is None:
        raise Http404
    return campaign


def access_list_import(user: User, slug: str, pk: int, *, with_preview: bool = True) -> ListImport:
    """An import of a campaign ``user`` coordinates (any of its coordinators); 404 otherwise."""
    campaign = access_managed_campaign(user, slug)
    qs = ListImport.objects.filter(campaign=campaign, pk=pk).select_related("task_list")
    qs = qs.defer("source") if with_preview else qs.defer("source", "preview")
    list_import = qs.first()
    if list_import is None:
        raise Http404
    list_import.campaign = campaign
    return list_import


# --- What a person may do on a task -------------------------------------------------------
# Each rule takes the user and the object and answers yes or no; services call them to refuse,
# pages call them to decide which forms to show. Reading is settled above (visible_tasks_q).

OPEN_FOR_WORK = (Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF)


def _member_of(user: User, unit_id: int | None) -> bool:
    return bool(unit_id) and user.unit_id == unit_id and user.has_role(Role.STAFF, Role.HEAD)


def is_lead_member(user: User, task: Task) -> bool:
    return _member_of(user, task.lead_unit_id)


def is_supporting_member(user: User, task: Task) -> bool:
    return (
        user.unit_id is not None
        and user.has_role(Role.STAFF, Role.HEAD)
        and TaskSupport.objects.filter(task=task, unit_id=user.unit_id).exists()
    )


def can_report(user: User, task: Task) -> bool:
    """Lead-unit staff report for the task; supporting-unit staff send a contribution."""
    if task.status not in OPEN_FOR_WORK or not task.is_work or not is_live(task.task_list.campaign):
        return False
    return is_lead_member(user, task) or is_supporting_member(user, task)


def can_request(user: User, task: Task) -> bool:
    """Close-out, extension and transfer are the lead unit's to ask for."""
    return (
        task.status == Task.Status.IN_PROGRESS
        and task.is_work
        and is_live(task.task_list.campaign)
        and is_lead_member(user, task)
    )


def can_coordinate(user: User, task: Task) -> bool:
    """Decide requests, give instructions as the office: the task's campaign's coordinators
    (not on an archived campaign)."""
    return can_edit_campaign(user, task.task_list.campaign)


def can_instruct(user: User, task: Task) -> bool:
    """Leaders, and the campaign's coordinators, on work: a question or a measure is not a task
    anybody carries out, so an instruction on it would wait for an answer forever; never on a
    draft list (nothing goes out for a list that is not published)."""
    if not user.is_authenticated or not task.is_work or task.task_list.is_draft:
        return False
    if not is_live(task.task_list.campaign):
        return False
    return user.has_role(Role.LEADER) or can_coordinate(user, task)


def can_raise_problem(user: User, task: Task) -> bool:
    """Enter an obstacle met on the task (a report's, an instruction's) in its campaign's
    problem ledger (问题台账): the task's units (staff and heads), its campaign's
    coordinators and the leaders, while the campaign is live."""
    if not task.is_work or not is_live(task.task_list.campaign) or not user.is_authenticated:
        return False
    return (
        user.has_role(Role.LEADER)
        or can_coordinate(user, task)
        or is_lead_member(user, task)
        or is_supporting_member(user, task)
    )


def can_answer_instruction(user: User, task: Task) -> bool:
    return is_live(task.task_list.campaign) and is_lead_member(user, task)


def can_urge_instruction(user: User, task: Task) -> bool:
    """催办: whoever may give instructions on the task may chase an unanswered one."""
    return can_instruct(user, task)


def can_confirm_report(user: User, report) -> bool:
    return (
        report.confirmed_at is None
        and is_unit_head(user)
        and user.unit_id == report.unit_id
        and is_live(report.task.task_list.campaign)
    )


def confirms_reports(user: User) -> bool:
    """A unit head: has a list of the unit's reports waiting for confirmation (待我确认)."""
    return is_unit_head(user)


def confirmable_reports(user: User, reports: Iterable[ProgressReport]) -> set[int]:
    """The ids of those ``reports`` the user may confirm (a head, their unit's, not yet)."""
    if not is_unit_head(user):
        return set()
    return {report.pk for report in reports if can_confirm_report(user, report)}


def decidable_requests(user: User, task: Task, requests: Iterable[TaskRequest]) -> set[int]:
    """The ids of the task's pending ``requests`` the user may approve or reject."""
    if not can_coordinate(user, task):
        return set()
    return {r.pk for r in requests if r.status == TaskRequest.Status.PENDING}


def withdrawable_requests(user: User, task: Task, requests: Iterable[TaskRequest]) -> set[int]:
    """The ids of the task's pending ``requests`` the user may withdraw (the lead unit's)."""
    if not is_lead_member(user, task):
        return set()
    return {r.pk for r in requests if r.status == TaskRequest.Status.PENDING}


def report_needs_confirmation(user: User, task: Task) -> bool:
    """Where the campaign asks for it, a staff member's report counts once the head confirms."""
    return task.task_list.campaign.requires_head_confirmation and not user.has_role(Role.HEAD)


def can_edit_report(user: User, report) -> bool:
    """Staff of the reporting unit may correct a report until its month is certified."""
    return (
        report.locked_at is None
        and report.task.status in OPEN_FOR_WORK
        and is_live(report.task.task_list.campaign)
        and _member_of(user, report.unit_id)
    )


def can_add_evidence(user: User, report) -> bool:
    """Evidence files added to a report already sent: whoever may correct it."""
    return can_edit_report(user, report)
