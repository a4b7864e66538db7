"""The trend of a campaign: its weekly snapshots, oldest first."""

from datetime import date
from functools import lru_cache

from django.db.models import Case, F, JSONField, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from cockpit.models import WeekSnapshot
from cycles.models import DispatchRound

WEEKS = 52
# What the trend's table and charts (the cockpit's and the big screen's) show of a week.
SHOWN = ("week_start", "source", "owed", "reported", "rate", "red", "overdue", "closed", "progress")


def trend(
    *, campaign: Campaign, weeks: int = WEEKS, units_of: tuple[date, date] | None = None
) -> list[WeekSnapshot]:
    """The last ``weeks`` snapshots of the campaign, oldest first, each with the id of its round
    (``round_id``, None for a week reconstructed with no round), whose bulletin lists the
    tasks behind its figures. One query: the round (one a campaign and week, a unique
    constraint) found for each week by a subquery on that constraint's index.

    ``units_of``: (from, before), each week starting in it also with its reporting by unit
    (``month_units``; None for the other weeks), which the cockpit's unit table adds up for
    last month, read here rather than by a query of its own (a campaign has a week a week at
    most, so last month's are among the last 52)."""
    rows = list(_weeks(campaign.pk, units_of)[:weeks])
    shown: list[WeekSnapshot] = []
    for row in reversed(rows):
        row.round_id, row.month_units = row.week_round, row.week_units
        shown.append(row)
    return shown


@lru_cache(maxsize=32)
def _weeks(campaign_id: int, units_of: tuple[date, date] | None) -> QuerySet:
    """``trend``'s read, built once per campaign and month per process and cloned (sliced) for
    each page (as ``tasks.table_rows._table_values`` is). Never evaluated itself."""
    week_round = (
        DispatchRound.objects.filter(campaign=campaign_id, week_start=OuterRef("week_start"))
        .order_by()
        .values("pk")[:1]
    )
    # The weeks' figures, not the reporting of every unit each week keeps (``units``).
    units: Case | Value = Value(None, output_field=JSONField())
    if units_of is not None:
        start, before = units_of
        units = Case(
            When(week_start__gte=start, week_start__lt=before, then=F("units")),
            output_field=JSONField(),
        )
    return (
        WeekSnapshot.objects.filter(campaign=campaign_id)
        .only(*SHOWN)
        .annotate(week_round=Subquery(week_round), week_units=units)
        .order_by("-week_start")
    )


def trend_chart(rows: list[WeekSnapshot]) -> dict:
    """What the trend chart draws (the table beside it shows the same rows)."""
    return {
        "weeks": [r.label for r in rows],
        "red": [r.red for r in rows],
        "overdue": [r.overdue for r in rows],
        "rate": [float(r.rate) for r in rows],
        "progress": [float(r.progress) for r in rows],
        "closed": [r.closed for r in rows],
        "names": {
            "red": _("red"),
            "overdue": _("overdue"),
            "rate": _("reporting rate"),
            "progress": _("average progress"),
            "closed": _("closed that week"),
        },
    }
