"""Reads. Each list read says what it joins, so a page costs the same few queries at any size."""

import datetime
import functools
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Unit, User
from campaigns.models import Campaign, Category, TaskList
from config.prepared import PreparedModels, prepared
from tasks.as_at import SETTING_EVENTS, TaskAsAt, tasks_as_at  # noqa: F401 (re-exported)
from tasks.attainment import (  # noqa: F401 (re-exported)
    target_attainment,
    target_attainments,
    target_series,
)
from tasks.lights import Light, light_expression, overdue_q
from tasks.models import (
    Evidence,
    Instruction,
    ProgressReport,
    Task,
    TaskQuerySet,
    TaskRequest,
    TaskSupport,
)
from tasks.my_work import awaiting_percent, sorted_tasks
from tasks.permissions import visible_campaigns, visible_lists_q, visible_tasks, visible_tasks_q
from tasks.search import AnyOf, word_q
from tasks.task_page import (  # noqa: F401 (re-exported)
    task_detail,
    task_detail_queryset,
    task_detail_rest,
)


@dataclass
class TaskFilters:
    status: str = ""
    light: str = ""
    task_list: int | None = None
    category: int | None = None
    unit: int | None = None
    role: str = ""  # "lead" or "support": the user's unit's part in the task
    open_instructions: bool = False
    q: str = ""
    sort: str = ""  # one of SORTS; empty: the lists' own order
    lead_unit: int | None = None  # the lead unit only (``unit``: leading or supporting)
    overdue: bool = False


def with_list_columns(
    qs: QuerySet[Task], *, today: datetime.date, light: bool = True
) -> QuerySet[Task]:
    """``qs`` with the list pages' columns: the light (``light_value``; not when ``light`` is
    False, for a table that shows none, as the red list: every task of it is red), the last
    report and the open instructions, and the task's list, category, units read with it."""
    latest = ProgressReport.objects.filter(task=OuterRef("pk"), unit_id=OuterRef("lead_unit_id"))
    open_instructions = (
        Instruction.objects.filter(task=OuterRef("pk"), answered_at__isnull=True)
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.select_related("task_list__campaign", "category", "lead_unit")
        .prefetch_related(
            Prefetch(
                "supports",
                queryset=TaskSupport.objects.select_related("unit").order_by("id"),
            )
        )
        .annotate(
            **({"light_value": light_expression(today)} if light else {}),
            last_report_at=Subquery(latest.order_by("-submitted_at").values("submitted_at")[:1]),
            open_instructions=Coalesce(Subquery(open_instructions, output_field=IntegerField()), 0),
        )
    )


def _lead_or_support_q(unit_id: int) -> Q:
    """Led or supported by the unit: an EXISTS on the supports, no join that repeats rows."""
    supports = TaskSupport.objects.filter(task=OuterRef("pk"), unit_id=unit_id)
    return Q(lead_unit_id=unit_id) | Q(Exists(supports))


def of_unit_q(unit_id: int) -> Q:
    """``_lead_or_support_q`` for 我的任务, whose tasks are one unit's among every list: the
    supported tasks as an array (``= ANY(ARRAY(...))``) that the primary key's index takes
    beside the lead unit's (one bitmap scan each, a few hundred rows), where the EXISTS was
    a filter on every task of every list (an index-only scan of all of them, 10,000 at
    10,000 tasks: the count and the keys 3.5 → 1.1 ms). The same tasks."""
    supported = TaskSupport.objects.filter(unit_id=unit_id).order_by().values("task_id")
    return Q(lead_unit_id=unit_id) | Q(AnyOf(F("pk"), Subquery(supported)))


def apply_filters(
    qs: QuerySet[Task],
    filters: TaskFilters,
    *,
    unit_id: int | None,
    today: datetime.date | None = None,
) -> QuerySet:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.light:
        qs = qs.filter(Q(light_value=filters.light))
        if filters.light == Light.RED:
            # Every red task is overdue (tasks.lights): said too, the same tasks are found
            # through the index of status and deadline, not by every task's light.
            qs = qs.filter(overdue_q(today or timezone.localdate()))
    if filters.task_list:
        qs = qs.filter(task_list_id=filters.task_list)
    if filters.open_instructions:
        qs = qs.filter(Q(open_instructions__gt=0))
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.unit:
        qs = qs.filter(_lead_or_support_q(filters.unit))
    if filters.lead_unit:
        qs = qs.filter(lead_unit_id=filters.lead_unit)
    if filters.overdue:
        qs = qs.filter(overdue_q(today or timezone.localdate()))
    if unit_id and filters.role == "lead":
        qs = qs.filter(lead_unit_id=unit_id)
    elif unit_id and filters.role == "support":
        qs = qs.filter(Exists(TaskSupport.objects.filter(task=OuterRef("pk"), unit_id=unit_id)))
    if filters.q:
        words = filters.q.split()
        for word in words[:5]:
            qs = qs.filter(word_q(word))
    return qs


def tasks_for_user(
    *,
    user: User,
    filters: TaskFilters | None = None,
    today: datetime.date | None = None,
    page: bool = False,
) -> QuerySet[Task]:
    """The tasks of the user's own unit (lead or supporting), for "my tasks". ``page``: the
    keys of its table only (``values_list("pk")``: its rows are read by
    ``tasks.table_rows.task_table_rows``), from a query built once a day per process."""
    today = today or timezone.localdate()
    filters = filters or TaskFilters()
    if page:
        qs = table_of_mine(today).filter(visible_tasks_q(user))
    else:
        qs = _of_mine(Task.objects.filter(visible_tasks_q(user)), today)
    if user.unit_id:
        qs = qs.filter(of_unit_q(user.unit_id))
    qs = apply_filters(qs, filters, unit_id=user.unit_id, today=today)
    return sorted_tasks(qs, filters.sort)


def _of_mine(qs: TaskQuerySet, today: datetime.date) -> QuerySet[Task]:
    # An archived campaign is read-only and out of the way (its tasks stay on its list pages).
    qs = qs.work().exclude(task_list__campaign__status=Campaign.Status.ARCHIVED)
    return with_list_columns(qs, today=today).annotate(awaiting_percent=awaiting_percent())


@functools.lru_cache(maxsize=2)
def table_of_mine(today: datetime.date) -> QuerySet[Task]:
    """我的任务's table before whose tasks they are: built once a day per process and cloned
    for each request, not its expressions worked out again for each. The person's
    conditions are added to the clone; only its keys are read (its filters and sort orders
    use the columns: light, last report)."""
    return _of_mine(Task.objects.all(), today).select_related(None).prefetch_related(None)


def tasks_of_list(
    *, user: User, task_list: TaskList, filters: TaskFilters, today: datetime.date | None = None
) -> QuerySet[Task]:
    today = today or timezone.localdate()
    qs: QuerySet[Task] = visible_tasks(user).filter(task_list=task_list)
    qs = with_list_columns(qs, today=today)
    return apply_filters(qs, filters, unit_id=user.unit_id, today=today).order_by("order", "id")


@dataclass
class LightCounts:
    green: int = 0
    yellow: int = 0
    red: int = 0
    grey: int = 0
    closed: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red + self.grey

    def share(self, light: str) -> int:
        return round(100 * getattr(self, light) / self.total) if self.total else 0


@dataclass
class ListSummary:
    task_list: TaskList
    counts: LightCounts = field(default_factory=LightCounts)


@dataclass
class CampaignSummary:
    campaign: Campaign
    lists: list[ListSummary] = field(default_factory=list)
    counts: LightCounts = field(default_factory=LightCounts)


def campaign_summaries(
    *,
    user: User,
    today: datetime.date | None = None,
    archived: bool = True,
    campaign: Campaign | None = None,
) -> list[CampaignSummary]:
    """Every campaign the user may see (or only ``campaign``, for its page), with light counts
    per list, counted in one SQL query; ``archived=False`` leaves the archived campaigns out. A
    draft list (its coordinators alone see it) is listed with its lines but counts in no total
    of the campaign."""
    today = today or timezone.localdate()
    campaigns_qs = visible_campaigns(user)
    if campaign is not None:
        campaigns_qs = campaigns_qs.filter(pk=campaign.pk)
    if not archived:
        campaigns_qs = campaigns_qs.exclude(status=Campaign.Status.ARCHIVED)
    lists = TaskList.objects.filter(visible_lists_q(user)).order_by("order", "id")
    campaigns = list(
        campaigns_qs.select_related("organiser")
        .prefetch_related(Prefetch("lists", queryset=lists))
        .order_by("-year", "name")
    )
    per_list = _list_counts(visible_tasks(user).filter(task_list__campaign__in=campaigns), today)
    return [_summary(c, c.lists.all(), per_list) for c in campaigns]


def campaign_page_summary(
    *, user: User, campaign: Campaign, today: datetime.date, lagging: bool = False
) -> tuple[CampaignSummary, list[dict] | None]:
    """``campaign_summaries(campaign=campaign)``'s one summary for the campaign's page, whose
    ``campaign`` the reader may see already (``access_campaign``): its lists and their counts,
    two queries, not the visible campaigns asked again first. With ``lagging`` (a reader who
    sees every unit's figures, all of whose work they read), also ``lagging_units``, counted
    in the same read of the campaign's tasks (grouped by list, lead unit and light), where
    the page read them twice, each task's light worked out twice."""
    lists = list(
        TaskList.objects.filter(visible_lists_q(user), campaign=campaign).order_by("order", "id")
    )
    tasks = visible_tasks(user).filter(task_list__campaign=campaign)
    if not lagging:
        return _summary(campaign, lists, _list_counts(tasks, today)), None
    work = {task_list.pk for task_list in lists if task_list.is_work and not task_list.is_draft}
    per_list: dict[int, LightCounts] = {}
    units: dict[int, dict] = {}
    for row in _list_counts_rows(tasks, today, "lead_unit_id", "lead_unit__name"):
        _count_list(per_list, row)
        if row["task_list_id"] in work:
            _count_unit(units, row)
    return _summary(campaign, lists, per_list), _ranked_lagging(units, LAGGING_SHOWN)


LAGGING_SHOWN = 10


def _list_counts(tasks: QuerySet[Task], today: datetime.date) -> dict[int, LightCounts]:
    """The tasks' light counts per list, in one query."""
    per_list: dict[int, LightCounts] = {}
    for row in _list_counts_rows(tasks, today):
        _count_list(per_list, row)
    return per_list


def _list_counts_rows(tasks: QuerySet[Task], today: datetime.date, *groups: str) -> QuerySet:
    return (
        tasks.annotate(light_value=light_expression(today))
        .values("task_list_id", *groups, "light_value")
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(status=Task.Status.CLOSED)),
        )
        .order_by()
    )


def _count_list(per_list: dict[int, LightCounts], row: dict) -> None:
    counts = per_list.setdefault(row["task_list_id"], LightCounts())
    setattr(counts, row["light_value"], getattr(counts, row["light_value"]) + row["n"])
    counts.closed += row["closed"]
    if row["light_value"] == Light.RED:
        counts.overdue += row["n"]


def _summary(campaign: Campaign, lists, per_list: dict[int, LightCounts]) -> CampaignSummary:
    summary = CampaignSummary(campaign=campaign)
    for task_list in lists:
        counts = per_list.get(task_list.pk, LightCounts())
        summary.lists.append(ListSummary(task_list=task_list, counts=counts))
        if not task_list.is_work or task_list.is_draft:
            continue  # questions, measures and drafts: counted on their list, never as tasks
        for name in ("green", "yellow", "red", "grey", "closed", "overdue"):
            setattr(summary.counts, name, getattr(summary.counts, name) + getattr(counts, name))
    return summary


@prepared()
def _lagging_groups(today: datetime.date, values) -> QuerySet:
    """``lagging_units``' groups, compiled once a day per process (``config.prepared``)."""
    return (
        Task.objects.work()
        .filter(task_list__campaign_id=values["campaign"])
        .annotate(light_value=light_expression(today))
        .values("lead_unit_id", "lead_unit__name", "light_value")
        .annotate(n=Count("id"))
        .order_by()
    )


def lagging_units(*, campaign: Campaign, today: datetime.date, limit: int = 10) -> list[dict]:
    """Lead units with the most red tasks in a campaign (for the leader's view). The tasks are
    counted by lead unit and light (each task's light worked out once, a few hundred groups),
    and the units ranked from those counts."""
    units: dict[int, dict] = {}
    for row in _lagging_groups.rows(today, campaign=campaign.pk):
        _count_unit(units, row)
    return _ranked_lagging(units, limit)


def _count_unit(units: dict[int, dict], row: dict) -> None:
    unit = units.setdefault(
        row["lead_unit_id"],
        {
            "lead_unit_id": row["lead_unit_id"],
            "lead_unit__name": row["lead_unit__name"],
            "total": 0,
            "red": 0,
            "yellow": 0,
        },
    )
    unit["total"] += row["n"]
    if row["light_value"] in (Light.RED, Light.YELLOW):
        unit[row["light_value"]] += row["n"]


def _ranked_lagging(units: dict[int, dict], limit: int) -> list[dict]:
    """The units with red or yellow tasks, the most red first."""
    lagging = [u for u in units.values() if u["red"] or u["yellow"]]
    lagging.sort(key=lambda u: (-u["red"], -u["yellow"], u["lead_unit__name"]))
    return lagging[:limit]


def list_filter_choices(*, task_list: TaskList) -> dict:
    return {
        "categories": list(Category.objects.filter(task_list=task_list).order_by("order", "id")),
        "units": list(
            Unit.objects.filter(
                pk__in=Task.objects.filter(task_list=task_list).values("lead_unit_id")
            ).order_by("order", "name")
        ),
    }


def _files_on_task(path: str) -> Coalesce:
    """How many evidence files the task of the outer request has on its ``path`` (report or
    request): a correlated count, so a list costs one query whatever its length."""
    files = (
        Evidence.objects.filter(**{f"{path}__task_id": OuterRef("task_id")})
        .values(f"{path}__task_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(files[:1], output_field=IntegerField()), 0)


def _pending_requests(values) -> QuerySet[TaskRequest]:
    last = ProgressReport.objects.filter(
        task_id=OuterRef("task_id"), unit_id=OuterRef("task__lead_unit_id")
    ).order_by("-submitted_at", "-id")
    return (
        TaskRequest.objects.filter(
            status=TaskRequest.Status.PENDING,
            task__task_list__campaign__coordinators=values["user"],
        )
        .annotate(
            last_report_at=Subquery(last.values("submitted_at")[:1]),
            last_report_percent=Subquery(last.values("percent")[:1]),
            last_report_text=Subquery(last.values("text")[:1]),
            evidence_count=_files_on_task("report") + _files_on_task("request"),
        )
        .select_related(
            "task__task_list__campaign", "task__lead_unit", "requested_by", "proposed_unit"
        )
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
        .order_by("requested_at", "id")
    )


_PENDING = PreparedModels(_pending_requests, maxsize=1)


def pending_requests(*, user: User) -> list[TaskRequest]:
    """The coordinator's queue: pending requests on tasks of the campaigns they coordinate,
    each with what the decision needs to hand: the lead unit's last report (when, how far,
    what) and how many evidence files the task has in all (on reports and requests). Its
    query compiled once per process, the person's id its parameter (``config.prepared``)."""
    return _PENDING.objects(user=user.pk)


def overdue_instructions(
    *, today: datetime.date, tasks: QuerySet[Task] | None = None
) -> QuerySet[Instruction]:
    """Open instructions past their answer deadline, on tasks still being worked on (of
    ``tasks`` when given, e.g. a campaign's or what a user may see), the longest overdue
    first: for red lists and the cockpit."""
    qs = Instruction.objects.overdue(today)
    if tasks is not None:
        qs = qs.filter(task__in=tasks)
    return qs.select_related("task__task_list__campaign", "task__lead_unit", "given_by").order_by(
        "reply_by", "given_at", "id"
    )


def evidence_for_download(*, user: User, evidence_id: int) -> Evidence:
    """The file if its task is visible to the user; 404 otherwise."""
    from django.http import Http404

    evidence = Evidence.objects.select_related("report", "request").filter(pk=evidence_id).first()
    if evidence is None or not visible_tasks(user).filter(pk=evidence.task_id).exists():
        raise Http404
    return evidence


# --- a task as it stood at an instant ---------------------------------------------------------
