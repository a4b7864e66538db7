"""The trend of a campaign: its weekly snapshots, oldest first."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from cockpit.models import WeekSnapshot
from cycles.models import DispatchRound

WEEKS = 52
# What the trend's table and charts (the cockpit's and the big screen's) show of a week.
SHOWN = ("week_start", "source", "owed", "reported", "rate", "red", "overdue", "closed", "progress")


def trend(*, campaign: Campaign, weeks: int = WEEKS) -> list[WeekSnapshot]:
    """The last ``weeks`` snapshots of the campaign, oldest first, each with the id of its round
    (``round_id``, None for a week reconstructed with no round), whose bulletin lists the
    tasks behind its figures. One query: the round (one a campaign and week, a unique
    constraint) found for each week by a subquery on that constraint's index."""
    week_round = DispatchRound.objects.filter(
        campaign=campaign, week_start=OuterRef("week_start")
    ).values("pk")[:1]
    # The weeks' figures, not the reporting of every unit each week keeps (``units``).
    rows = list(
        WeekSnapshot.objects.filter(campaign=campaign)
        .only(*SHOWN)
        .annotate(round_id=Subquery(week_round))
        .order_by("-week_start")[:weeks]
    )
    return rows[::-1]


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
