"""Reads of the cycles: the tasks (and targets) a monthly review judges, and the review page's lines.

Each read costs the same few queries whatever the number of tasks (tests/cycles count them).
"""

import dataclasses
import datetime

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery

from accounts.models import Unit
from campaigns.models import Campaign
from config.pages import address_of
from cycles import schedule
from cycles.among import among
from cycles.models import DispatchRound, MonthlyReview, ReviewItem, RoundItem
from cycles.permissions import can_see_every_rating
from tasks.attainment import AttainmentRow, attainment_rollup
from tasks.models import ProgressReport, ReportTargetValue, Target, Task, TaskRequest
from tasks.permissions import visible_tasks, visible_tasks_q
from tasks.selectors import TaskAsAt, tasks_as_at

# The statuses a task may have had at the end of a month to be judged in its review.
REVIEWED_STATUSES = (Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF, Task.Status.CLOSED)

UNRATED = "unrated"  # the rating filter's value for lines nobody has rated yet


def reports_to_lock(*, review: MonthlyReview) -> QuerySet[ProgressReport]:
    """The reports certifying ``review`` locks: every report on the campaign's tasks submitted
    in the month (local time, the campaign's time zone) and not locked yet. The review page
    says how many before the coordinator certifies; the certification locks these."""
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    return ProgressReport.objects.filter(
        task__task_list__campaign=review.campaign,
        submitted_at__gte=start,
        submitted_at__lt=end,
        locked_at__isnull=True,
    )


def tasks_at_month_end(
    *, campaign: Campaign, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[Task, TaskAsAt]]:
    """Every task of the campaign open during [start, end), with its state at ``end``.

    A review opened late (the server was down on the 1st) must judge the month as it was, not
    as it is now: progress, status, deadline and the ongoing flag come from the task's history
    at ``end`` (tasks.selectors.tasks_as_at); a task closed after ``end`` was still open then
    and is judged as open; a task that was still a draft then, or did not exist yet (created
    or imported after ``end``), is left out. A task closed after
    ``end`` whose history does not say what it was before (rows written straight into the
    table) counts as in progress at ``end``."""
    candidates = (
        Task.objects.work()
        .filter(task_list__campaign=campaign, created_at__lt=end)
        .filter(
            Q(status__in=[Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF])
            | Q(status=Task.Status.CLOSED, closed_at__gte=start)
        )
        .order_by("pk")
    )
    result = []
    for task, state in tasks_as_at(tasks=candidates, moment=end):
        if state.status == Task.Status.CLOSED and (task.closed_at is None or task.closed_at >= end):
            state = dataclasses.replace(state, status=Task.Status.IN_PROGRESS)
        if state.status in REVIEWED_STATUSES:
            result.append((task, state))
    return result


def targets_at(*, task_ids: list[int], moment: datetime.datetime) -> list[Target]:
    """The tasks' targets with the values they had at ``moment`` (not saved): the value of the
    last confirmed report before ``moment`` that gave one; the baseline when reports gave values
    only afterwards; the current value when no report ever did. Three queries (none for no
    task). The ids go as one array each (``among``): a review's few thousand targets, each
    prepared apart by ``__in``, cost more Python than the queries."""
    if isinstance(task_ids, list | tuple | set):
        if not task_ids:
            return []
        targets = list(Target.objects.filter(among("task_id", task_ids)))
    else:  # a subquery of the ids
        targets = list(Target.objects.filter(task_id__in=task_ids))
    ids = [target.pk for target in targets]
    if not ids:
        return targets
    given = ReportTargetValue.objects.filter(
        among("target_id", ids), report__confirmed_at__isnull=False
    )
    then = dict(
        given.filter(report__submitted_at__lt=moment)
        .order_by("target_id", "report__submitted_at", "report_id")
        .values_list("target_id", "value")
    )  # the last value of each target wins
    since = set(given.filter(report__submitted_at__gte=moment).values_list("target_id", flat=True))
    for target in targets:
        if target.pk in then:
            target.current_value = then[target.pk]
        elif target.pk in since:
            target.current_value = target.baseline
    return targets


def _attainment_as_at(lines: QuerySet, moment: datetime.datetime) -> list[AttainmentRow]:
    """Targets of the tasks of ``lines`` (round items or review lines) rolled up by the line's
    lead unit, each valued as at ``moment``; units and targets in the lines' order. Four
    queries whatever the number of lines."""
    ordered = list(
        lines.order_by("lead_unit__order", "lead_unit__name", "task__order", "task_id").values_list(
            "task_id", "lead_unit_id", "lead_unit__name"
        )
    )
    place = {
        task_id: (index, unit_id, name) for index, (task_id, unit_id, name) in enumerate(ordered)
    }
    targets = sorted(
        targets_at(task_ids=list(place), moment=moment),
        key=lambda t: (place[t.task_id][0], t.order, t.pk),
    )
    return attainment_rollup((place[t.task_id][1], place[t.task_id][2], t) for t in targets)


def round_attainment(*, round_: DispatchRound, moment: datetime.datetime) -> list[AttainmentRow]:
    """The weekly bulletin's targets: those of the tasks the round asked a report for, by the
    unit that owed it, with the values they had at ``moment`` (when the bulletin is drawn up,
    at the latest the round's close): a value reported after the round changes nothing."""
    return _attainment_as_at(RoundItem.objects.filter(round=round_), moment)


def review_attainment(*, review: MonthlyReview) -> list[AttainmentRow]:
    """The monthly bulletin's targets: those of the tasks the review judged, by the unit that
    led each at month end, with the values they had at the month's last instant."""
    _start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    return _attainment_as_at(ReviewItem.objects.filter(review=review), end)


@dataclasses.dataclass
class ReviewFilters:
    q: str = ""  # words of the task's number or title
    unit: int | None = None  # lead unit
    proposed: str = ""  # a Rating value
    rating: str = ""  # a Rating value, or UNRATED


def review_items(
    *,
    review: MonthlyReview,
    tasks: QuerySet[Task] | None = None,
    filters: ReviewFilters | None = None,
) -> QuerySet[ReviewItem]:
    """The lines of a review in the page's order, with what each row shows. ``tasks``: the
    tasks the reader may see (None: every line); ``filters``: what the filter bar asks for."""
    items = ReviewItem.objects.filter(review=review)
    if tasks is not None:
        items = items.filter(task__in=tasks)
    filters = filters or ReviewFilters()
    if filters.unit:
        items = items.filter(lead_unit_id=filters.unit)
    if filters.proposed:
        items = items.filter(proposed=filters.proposed)
    if filters.rating == UNRATED:
        items = items.filter(rating="")
    elif filters.rating:
        items = items.filter(rating=filters.rating)
    for word in filters.q.split()[:5]:
        items = items.filter(Q(task__code__iexact=word) | Q(task__title__icontains=word))
    return items.select_related("task", "lead_unit", "confirmed_by").order_by(
        "lead_unit__name", "task__task_list__order", "task__order", "task_id"
    )


class ReviewKeys:
    """The keys of review lines in the page's order (lead unit's name, then the task's list
    and place in it), for ``two_step_page``: the lines counted per unit in one grouped query
    (which is also the count), and a page's keys read from the units it spans alone, so the
    database sorts a few units' lines, not every line of the month (100,000 at a time).
    ``units``: the lines' lead units in the database's order of names (``review_units``, which
    the filter bar reads anyway)."""

    def __init__(self, items: QuerySet[ReviewItem], units: list[Unit]):
        self.items = items
        self.units = units
        self._groups: list[tuple[str, list[int], int]] | None = None

    def groups(self) -> list[tuple[str, list[int], int]]:
        """(name, the units of that name, their lines), in the page's order: units of the
        same name are one group, their lines mixed in the task order."""
        if self._groups is None:
            counts = dict(
                self.items.order_by()
                .values("lead_unit_id")
                .annotate(n=Count("*"))
                .values_list("lead_unit_id", "n")
            )
            groups: list[tuple[str, list[int], int]] = []
            for unit in self.units:
                n = counts.get(unit.pk, 0)
                if not n:
                    continue
                if groups and groups[-1][0] == unit.name:
                    groups[-1] = (unit.name, [*groups[-1][1], unit.pk], groups[-1][2] + n)
                else:
                    groups.append((unit.name, [unit.pk], n))
            self._groups = groups
        return self._groups

    def count(self) -> int:
        return sum(n for _name, _units, n in self.groups())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, wanted: slice) -> list[int]:
        start, stop = wanted.start or 0, wanted.stop
        units: list[int] = []
        first = None  # where the first unit of the page begins among all lines
        at = 0
        for _name, ids, n in self.groups():
            if at + n > start and (stop is None or at < stop):
                first = at if first is None else first
                units += ids
            at += n
        if first is None:
            return []
        # The task's list order and place looked up per line (a few thousand index lookups),
        # where a join let the planner read every task of the campaign.
        task = Task.objects.filter(pk=OuterRef("task_id")).order_by()
        keys = (
            self.items.filter(lead_unit_id__in=units)
            .annotate(
                list_order=Subquery(task.values("task_list__order")[:1]),
                place=Subquery(task.values("order")[:1]),
            )
            .order_by("lead_unit__name", "list_order", "place", "task_id")
            .values_list("pk", flat=True)
        )
        return list(keys[start - first : None if stop is None else stop - first])


def rating_counts(*, items: QuerySet[ReviewItem]) -> dict[str, int]:
    """Lines per rating ("" for not rated yet), in one query."""
    return {
        row["rating"]: row["n"] for row in items.values("rating").annotate(n=Count("*")).order_by()
    }


def review_units(*, items: QuerySet[ReviewItem]) -> list[Unit]:
    """The lead units of these lines, for the unit filter."""
    return list(
        Unit.objects.filter(pk__in=items.order_by().values("lead_unit_id")).order_by("name")
    )


def pending_closeouts(*, campaign: Campaign) -> QuerySet[TaskRequest]:
    """The campaign's close-out requests still waiting for a decision (shown while rating)."""
    return TaskRequest.objects.filter(
        task__task_list__campaign=campaign,
        kind=TaskRequest.Kind.CLOSEOUT,
        status=TaskRequest.Status.PENDING,
    ).select_related("task", "task__lead_unit", "requested_by")


# --- task numbers in the bulletins ------------------------------------------------------------


def bulletin_task_refs(*, campaign: Campaign, task_ids: set[int], user) -> dict[int, dict]:
    """Task id → how a bulletin names it: its number, with its list's name in front when the
    same number appears in more than one list of the campaign, and a link for those who may
    open the task (``url`` empty otherwise). Two queries for any number of tasks (none
    for none); the ids and numbers each sent as one array (``cycles.among``)."""
    if not task_ids:
        return {}
    # Whether the reader may open each task is a column of the same read (its conditions are
    # on the task's own row and its list: no join repeats a row), not a third query.
    rows = list(
        Task.objects.filter(among("pk", task_ids))
        .annotate(visible=ExpressionWrapper(visible_tasks_q(user), output_field=BooleanField()))
        .order_by()
        .values_list("pk", "code", "task_list__name", "visible")
    )
    repeated = set(
        Task.objects.filter(
            among("code", {code for _p, code, _l, _v in rows}), task_list__campaign=campaign
        )
        .values("code")
        .annotate(lists=Count("task_list", distinct=True))
        .filter(lists__gt=1)
        .values_list("code", flat=True)
    )
    address = address_of("tasks:detail")
    return {
        pk: {
            "label": f"{list_name} · {code}" if code in repeated else code,
            "url": address.format(pk) if visible else "",
        }
        for pk, code, list_name, visible in rows
    }


# --- the weekly bulletin as a reader sees it ---------------------------------------------------

BULLETIN_TASK_LISTS = ("late", "red", "overdue", "closed")


def round_visible_tasks(*, user, round_: DispatchRound) -> QuerySet[Task] | None:
    """The campaign's tasks whose lines ``user`` reads in a weekly bulletin (None: every)."""
    if can_see_every_rating(user, round_.campaign):
        return None
    return visible_tasks(user).filter(task_list__campaign=round_.campaign)


def round_result_for(*, user, round_: DispatchRound, result: dict) -> dict:
    """The weekly bulletin ``result`` as ``user`` reads it (page, workbook and API alike): the
    figures are everyone's, the task lines only those of tasks the reader may open, unless they
    see every rating (unit staff would otherwise read every unit's red tasks). One query."""
    if can_see_every_rating(user, round_.campaign):
        return result
    # The reader's tasks in the campaign (a unit's few), not a lookup of every listed id.
    visible = set(
        visible_tasks(user).filter(task_list__campaign=round_.campaign).values_list("pk", flat=True)
    )
    return {
        **result,
        **{
            key: [row for row in result.get(key, []) if row.get("id") in visible]
            for key in BULLETIN_TASK_LISTS
        },
    }
