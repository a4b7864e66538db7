"""One unit's page: its tasks across campaigns (lead and supporting), its reporting week by
week, its monthly ratings and ranks, its measures and its targets. A fixed number of queries
whatever the number of tasks, rounds and months."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Window

from accounts.models import Unit
from campaigns.models import Campaign
from cockpit.models import WeekSnapshot
from cockpit.selectors.figures import COUNT_NAMES, grouped_counts
from cockpit.selectors.reporting import reporting_counts
from cycles.models import DispatchRound, UnitMonth
from measures.models import INCENTIVES, PENALTIES, Application
from tasks.models import Task

WEEKS_SHOWN = 26


@dataclass
class CampaignRow:
    campaign_id: int
    name: str
    slug: str
    lead: dict = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    supporting: int = 0


def unit_campaigns(
    *, led: QuerySet[Task], supported: QuerySet[Task], today: datetime.date
) -> list[CampaignRow]:
    """Per campaign: the unit's lead tasks with their counts, and how many it supports. Two
    queries; ``led`` and ``supported`` are what the reader may see of the work the unit leads
    and of the work it supports (and does not lead)."""
    groups = ("task_list__campaign_id", "task_list__campaign__name", "task_list__campaign__slug")
    rows: dict[int, CampaignRow] = {}
    for (pk, name, slug), counts in grouped_counts(
        led.exclude(status=Task.Status.DRAFT), today, *groups
    ).items():
        rows[pk] = CampaignRow(pk, name, slug, lead={n: counts[n] for n in COUNT_NAMES})
    published = supported.exclude(status=Task.Status.DRAFT)
    for row in published.values(*groups).annotate(n=Count("pk")).order_by():
        pk = row["task_list__campaign_id"]
        if pk not in rows:
            rows[pk] = CampaignRow(pk, row[groups[1]], row[groups[2]])
        rows[pk].supporting = row["n"]
    return sorted(rows.values(), key=lambda r: r.name)


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


def unit_punctuality(
    *, unit: Unit, campaigns: QuerySet[Campaign], today: datetime.date
) -> list[WeekRow]:
    """The unit's reporting week by week over the last WEEKS_SHOWN weeks, oldest first: reports
    owed as lead unit, made, made by the due time. A closed week is read from its snapshot
    (what its bulletin published); a round still open is counted. Three queries."""
    recent = today - datetime.timedelta(weeks=WEEKS_SHOWN)
    rounds = list(
        DispatchRound.objects.filter(campaign__in=campaigns, week_start__gte=recent).values_list(
            "pk", "campaign_id", "week_start", "campaign__name", "closed_at"
        )
    )
    round_ids = {(campaign_id, week): pk for pk, campaign_id, week, _name, _closed in rounds}
    weeks: dict[tuple[int, datetime.date], WeekRow] = {}
    snapshots = (
        WeekSnapshot.objects.filter(campaign__in=campaigns, week_start__gte=recent)
        .select_related("campaign")
        .only("campaign__name", "week_start", "units")
    )
    for snapshot in snapshots:
        figures = snapshot.units.get(str(unit.pk))
        if figures:
            key = (snapshot.campaign_id, snapshot.week_start)
            weeks[key] = WeekRow(
                round_ids.get(key), snapshot.campaign.name, key[0], key[1], *figures
            )
    still_open = {
        pk: (campaign_id, week, name)
        for pk, campaign_id, week, name, closed in rounds
        if closed is None
    }
    for r in reporting_counts(still_open, "round_id", lead_unit_id=unit.pk):
        campaign_id, week, name = still_open[r["round_id"]]
        weeks.setdefault(
            (campaign_id, week),
            WeekRow(r["round_id"], name, campaign_id, week, r["owed"], r["reported"], r["on_time"]),
        )
    return sorted(weeks.values(), key=lambda w: (w.week_start, w.campaign))


SHOWN_OF_RATING = (
    *("tasks", "on_track", "behind", "completed", "not_completed", "score", "rank"),
    *("review__month", "review__campaign__name"),
)


@dataclass
class RatingRow:
    figure: UnitMonth
    of: int  # how many units were ranked that month
    rank_change: int | None  # places gained since the campaign's month before


def unit_ratings(*, unit: Unit, campaigns: QuerySet[Campaign]) -> list[RatingRow]:
    """The unit's certified months in every campaign, oldest first, with its rank among how
    many units, and the places gained since the campaign's month before. One query."""
    ranked = (
        UnitMonth.objects.filter(review=OuterRef("review"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    figures = (
        UnitMonth.objects.filter(unit=unit, review__campaign__in=campaigns)
        .select_related("review__campaign")
        # What the ratings' table and chart show, not three whole rows (15 columns, not 51).
        .only(*SHOWN_OF_RATING)
        .annotate(of=Subquery(ranked))
        .order_by("review__month", "review__campaign__name")
    )
    rows: list[RatingRow] = []
    before: dict[int, UnitMonth] = {}
    for figure in figures:
        previous = before.get(figure.review.campaign_id)
        change = previous.rank - figure.rank if previous is not None else None
        rows.append(RatingRow(figure=figure, of=figure.of or 0, rank_change=change))
        before[figure.review.campaign_id] = figure
    return rows


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
