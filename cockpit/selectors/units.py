"""One unit's page: its tasks across campaigns (lead and supporting), its reporting week by
week, its monthly ratings and ranks, its measures and its targets. A fixed number of queries
whatever the number of tasks, rounds and months."""

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db import connections
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)

from accounts.models import Unit, User
from campaigns.models import Campaign
from cockpit.models import WeekSnapshot
from cockpit.permissions import reach_campaigns, unit_page_work
from cockpit.selectors.figures import COUNT_NAMES, count_groups_sql
from cockpit.selectors.reporting import reporting_counts
from config.prepared import Slot, Statement, prepared, prepares
from config.replica import read_alias
from cycles.models import DispatchRound, MonthlyReview, UnitMonth
from measures.models import INCENTIVES, PENALTIES, Application, Measure
from tasks.attainment import AttainmentRow, rolled_up, target_values
from tasks.models import Task
from tasks.selectors import TaskFilters

WEEKS_SHOWN = 26


@dataclass
class CampaignRow:
    campaign_id: int
    name: str
    slug: str
    lead: dict = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    supporting: int = 0


GROUPS = ("task_list__campaign_id", "task_list__campaign__name", "task_list__campaign__slug", "led")


def _campaign_counts(reach: str, unit_id, user_id, today: datetime.date) -> tuple[str, list]:
    """The statement of ``unit_campaigns``: the unit's tasks the reader may open, published,
    grouped by campaign and by whether the unit leads them (``unit_id``, ``user_id``: values,
    or ``config.prepared`` slots)."""
    tasks = (
        unit_page_work(reach, unit_id, user_id)
        .exclude(status=Task.Status.DRAFT)
        .annotate(
            led=Case(
                When(lead_unit_id=unit_id, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    )
    return count_groups_sql(tasks, today, *GROUPS)


@functools.lru_cache(maxsize=8)
def _campaign_counts_statement(reach: str, today: datetime.date) -> Statement:
    return Statement(*_campaign_counts(reach, Slot("unit"), Slot("user"), today))


def unit_campaigns(
    *, reach: str, unit_id: int, user_id: int, today: datetime.date
) -> list[CampaignRow]:
    """Per campaign: the unit's lead tasks with their counts, and how many it supports (and
    does not lead), of those the reader may open (``permissions.unit_page_reach``). One
    query, compiled once a day per process on PostgreSQL (``config.prepared``); the lead and
    the supported tasks were two, each built and compiled for each page."""
    if prepares():
        found = _campaign_counts_statement(reach, today).rows({"unit": unit_id, "user": user_id})
    else:
        sql, params = _campaign_counts(reach, unit_id, user_id, today)
        with connections[read_alias()].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
    rows: dict[int, CampaignRow] = {}
    for pk, name, slug, led, *counts in found:
        row = rows.get(pk)
        if row is None:
            row = rows[pk] = CampaignRow(pk, name, slug)
        if led:
            row.lead = dict(zip(COUNT_NAMES, counts, strict=True))
        else:
            row.supporting = counts[0]
    return sorted(rows.values(), key=lambda r: r.name)


class UnitKeys:
    """The keys of a unit's task table when nothing filters it (``two_step_page(keys=…)``):
    counted already (the tasks by campaign above add up to them: the same tasks, lead and
    supported), and a page's keys read by a statement compiled once a day per process
    (``config.prepared``), where the page built, compiled and ran a count and its keys' query.
    The same keys in the same order as ``cockpit.selectors.drill.drill_tasks``'."""

    def __init__(self, *, reach: str, unit_id: int, user_id: int, today, total: int):
        self.values = {"unit": unit_id, "user": user_id}
        self.statement = _keys_statement(reach, today)
        self.total = total

    def count(self) -> int:
        return self.total

    def __getitem__(self, page: slice) -> list[int]:
        start, stop = page.start or 0, page.stop
        rows = self.statement.rows(self.values, (stop - start, start))
        return [pk for (pk,) in rows]


def unfiltered_keys(
    *, reach: str, unit_id: int, user_id: int, today: datetime.date, rows: list[CampaignRow]
) -> UnitKeys | None:
    """``UnitKeys`` where statements are prepared (PostgreSQL), else None (the table's own)."""
    if not prepares():
        return None
    total = sum(r.lead["tasks"] + r.supporting for r in rows)
    return UnitKeys(reach=reach, unit_id=unit_id, user_id=user_id, today=today, total=total)


@functools.lru_cache(maxsize=8)
def _keys_statement(reach: str, today: datetime.date) -> Statement:
    from cockpit.selectors.drill import DrillFilters, drill_tasks

    tasks = drill_tasks(
        base=unit_page_work(reach, Slot("unit"), Slot("user")).exclude(status=Task.Status.DRAFT),
        filters=TaskFilters(),
        drill=DrillFilters(),
        today=today,
    )
    return Statement.of(tasks.values_list("pk", flat=True), tail=" LIMIT %s OFFSET %s")


@dataclass
class WeekRow:
    round_id: int | None  # None: a week reconstructed from the history with no round of its own
    campaign: str
    campaign_id: int
    week_start: datetime.date
    owed: int
    reported: int
    on_time: int

    @property
    def label(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def late(self) -> int:
        return self.reported - self.on_time

    @property
    def not_reported(self) -> int:
        return self.owed - self.reported

    @property
    def rate(self) -> float:
        return round(100 * self.reported / self.owed, 1) if self.owed else 100.0

    @property
    def on_time_rate(self) -> float:
        return round(100 * self.on_time / self.owed, 1) if self.owed else 100.0


@prepared()
def _rounds(reach: str, recent: datetime.date, values) -> QuerySet:
    campaigns = reach_campaigns(reach, values["user"])
    return DispatchRound.objects.filter(campaign__in=campaigns, week_start__gte=recent).values_list(
        "pk", "campaign_id", "week_start", "campaign__name", "closed_at"
    )


@prepared()
def _snapshots(reach: str, recent: datetime.date, values) -> QuerySet:
    campaigns = reach_campaigns(reach, values["user"])
    return WeekSnapshot.objects.filter(campaign__in=campaigns, week_start__gte=recent).values_list(
        "campaign_id", "week_start", "campaign__name", "units"
    )


def unit_punctuality(
    *, reach: str, unit_id: int, user_id: int, today: datetime.date
) -> list[WeekRow]:
    """The unit's reporting week by week over the last WEEKS_SHOWN weeks, oldest first: reports
    owed as lead unit, made, made by the due time, in the campaigns the reader sees
    (``permissions.reach_campaigns``). A closed week is read from its snapshot (what its
    bulletin published); a round still open is counted. Three queries, the first two
    compiled once a day per process (``config.prepared``)."""
    recent = today - datetime.timedelta(weeks=WEEKS_SHOWN)
    rounds = _rounds.rows(reach, recent, user=user_id)
    round_ids = {(campaign_id, week): pk for pk, campaign_id, week, _name, _closed in rounds}
    weeks: dict[tuple[int, datetime.date], WeekRow] = {}
    unit_key = str(unit_id)
    for campaign_id, week_start, name, units in _snapshots.rows(reach, recent, user=user_id):
        figures = units.get(unit_key)
        if figures:
            key = (campaign_id, week_start)
            weeks[key] = WeekRow(round_ids.get(key), name, campaign_id, week_start, *figures)
    still_open = {
        pk: (campaign_id, week, name)
        for pk, campaign_id, week, name, closed in rounds
        if closed is None
    }
    for r in reporting_counts(still_open, "round_id", lead_unit_id=unit_id):
        campaign_id, week, name = still_open[r["round_id"]]
        weeks.setdefault(
            (campaign_id, week),
            WeekRow(r["round_id"], name, campaign_id, week, r["owed"], r["reported"], r["on_time"]),
        )
    return sorted(weeks.values(), key=lambda w: (w.week_start, w.campaign))


@dataclass
class RatingRow:
    figure: UnitMonth
    of: int  # how many units were ranked that month
    rank_change: int | None  # places gained since the campaign's month before


def _ranked() -> Subquery:
    """How many units a rating's month ranked."""
    return Subquery(
        UnitMonth.objects.filter(review=OuterRef("review"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )


@prepared()
def _ratings(reach: str, values) -> QuerySet:
    return (
        UnitMonth.objects.filter(
            unit_id=values["unit"], review__campaign__in=reach_campaigns(reach, values["user"])
        )
        .annotate(of=_ranked())
        .order_by("review__month", "review__campaign__name")
        .values_list(
            "pk",
            *("tasks", "on_track", "behind", "completed", "not_completed", "score", "rank"),
            *("review_id", "review__month", "review__campaign_id", "review__campaign__name"),
            "of",
        )
    )


def unit_ratings(*, reach: str, unit_id: int, user_id: int) -> list[RatingRow]:
    """The unit's certified months in the campaigns the reader sees, oldest first, with its
    rank among how many units, and the places gained since the campaign's month before. One
    query, compiled once per process (``config.prepared``): the rows are the columns the
    ratings' table and chart show, each rating with its month and campaign as they read them
    (``figure.review.campaign.name``), not three whole rows."""
    rows: list[RatingRow] = []
    before: dict[int, UnitMonth] = {}
    reviews: dict[int, MonthlyReview] = {}
    for pk, *figures, review_id, month, campaign_id, name, of in _ratings.rows(
        reach, unit=unit_id, user=user_id
    ):
        review = reviews.get(review_id)
        if review is None:
            review = reviews[review_id] = MonthlyReview(
                pk=review_id, month=month, campaign=Campaign(pk=campaign_id, name=name)
            )
        figure = UnitMonth(
            pk=pk, review=review, unit_id=unit_id, **dict(zip(RATED, figures, strict=False))
        )
        previous = before.get(campaign_id)
        change = previous.rank - figure.rank if previous is not None else None
        rows.append(RatingRow(figure=figure, of=of or 0, rank_change=change))
        before[campaign_id] = figure
    return rows


RATED = ("tasks", "on_track", "behind", "completed", "not_completed", "score", "rank")


# What the cockpit's and the unit page's measures lists show of an application: its line's
# title, its campaign's name, the unit's and the person's names (``User.__str__``), its month and
# grounds. Reading only these made the query 20 columns instead of 107 (the line is a whole
# task) and built the rows with a sixth of the calls.
SHOWN_OF_APPLIED = (
    "month",
    "grounds",
    "measure__line__title",
    "campaign__name",
    "unit__name",
    "person__display_name",
    "person__first_name",
    "person__last_name",
    "person__username",
)


@dataclass
class UnitMeasures:
    applied: Sequence[Application]
    incentives: int
    penalties: int


def applied_measures(
    *, campaigns: QuerySet[Campaign] | list[int], unit: Unit | None = None, limit: int = 50
) -> UnitMeasures:
    """The measures applied in these campaigns (or campaign ids) (to ``unit`` or one of its
    people, if given), newest first, and how many incentives and penalties. One query: the two
    numbers are counted over every applied measure by window aggregates (``OVER ()``, worked
    out before the ``LIMIT``) beside the rows shown."""
    applied = _applied().filter(status=Application.Status.APPLIED, campaign__in=campaigns)
    if unit is not None:
        applied = applied.filter(unit=unit)
    rows = list(applied[:limit])
    return UnitMeasures(
        applied=rows,
        incentives=rows[0].incentives if rows else 0,
        penalties=rows[0].penalties if rows else 0,
    )


@lru_cache(maxsize=1)
def _applied() -> QuerySet:
    """``applied_measures``' read before its campaigns: built once per process and cloned for
    each page (as ``tasks.table_rows._table_values`` is). Never evaluated itself."""
    return (
        Application.objects.select_related("measure__line", "campaign", "unit", "person")
        .only(*SHOWN_OF_APPLIED)
        .annotate(
            incentives=Window(Count("pk", filter=Q(measure__kind__in=INCENTIVES))),
            penalties=Window(Count("pk", filter=Q(measure__kind__in=PENALTIES))),
        )
        .order_by("-month", "-decided_at", "-pk")
    )


def score_series(rows: list[RatingRow]) -> dict:
    """The ratings as the chart draws them: one line of ranks per campaign."""
    months = sorted({r.figure.review.month for r in rows})
    labels = [f"{m:%Y-%m}" for m in months]
    series: dict[str, list] = {}
    for r in rows:
        line = series.setdefault(r.figure.review.campaign.name, [None] * len(months))
        line[months.index(r.figure.review.month)] = r.figure.rank
    return {"months": labels, "series": [{"name": k, "data": v} for k, v in series.items()]}


def as_number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@prepared()
def _targets(reach: str, values) -> QuerySet:
    led = unit_page_work(reach, values["unit"], values["user"], supports=False)
    return target_values(by="campaign", tasks=led.exclude(status=Task.Status.DRAFT))


def unit_targets(*, reach: str, unit_id: int, user_id: int) -> list[AttainmentRow]:
    """The targets of the unit's lead tasks the reader may open, by campaign
    (``target_attainment(by="campaign")``), read by a statement compiled once per process."""
    return rolled_up(_targets.rows(reach, unit=unit_id, user=user_id))


@prepared()
def _unit_applied(reach: str, values) -> QuerySet:
    return (
        Application.objects.filter(
            status=Application.Status.APPLIED,
            campaign__in=reach_campaigns(reach, values["user"]),
            unit_id=values["unit"],
        )
        .order_by("-month", "-decided_at", "-pk")
        .values_list(
            *("pk", "month", "grounds", "measure__kind", "measure__line__title"),
            *("campaign_id", "campaign__name", "person_id", "person__display_name"),
            *("person__first_name", "person__last_name", "person__username"),
        )[:UNIT_MEASURES]
    )


@prepared()
def _unit_measure_kinds(reach: str, values) -> QuerySet:
    return (
        Application.objects.filter(
            status=Application.Status.APPLIED,
            campaign__in=reach_campaigns(reach, values["user"]),
            unit_id=values["unit"],
        )
        .order_by()
        .values_list("measure__kind")
        .annotate(n=Count("pk"))
        .values_list("measure__kind", "n")
    )


UNIT_MEASURES = 50


def unit_measures(*, reach: str, unit_id: int, user_id: int) -> UnitMeasures:
    """``applied_measures(unit=…)`` of the unit's page: the measures applied to the unit or one
    of its people in the campaigns the reader sees, newest first, and how many incentives and
    penalties. One query (compiled once per process, ``config.prepared``) when fewer than
    ``UNIT_MEASURES`` were applied: the kinds are then counted from the rows; two otherwise."""
    applied = []
    kinds: dict[str, int] = {}
    found = _unit_applied.rows(reach, unit=unit_id, user=user_id)
    for pk, month, grounds, kind, title, campaign_id, campaign, person_id, *names in found:
        kinds[kind] = kinds.get(kind, 0) + 1
        application = Application(
            pk=pk,
            month=month,
            grounds=grounds,
            measure=Measure(kind=kind, line=Task(title=title)),
            campaign=Campaign(pk=campaign_id, name=campaign),
            unit_id=unit_id,
        )
        if person_id is not None:
            display_name, first_name, last_name, username = names
            application.person = User(
                pk=person_id,
                display_name=display_name,
                first_name=first_name,
                last_name=last_name,
                username=username,
            )
        applied.append(application)
    if len(found) == UNIT_MEASURES:
        kinds = dict(_unit_measure_kinds.rows(reach, unit=unit_id, user=user_id))
    return UnitMeasures(
        applied=applied,
        incentives=sum(kinds.get(k, 0) for k in INCENTIVES),
        penalties=sum(kinds.get(k, 0) for k in PENALTIES),
    )
