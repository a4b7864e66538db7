"""The trend of a campaign: its weekly snapshots, oldest first."""

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
    tasks behind its figures. Two queries."""
    # The weeks' figures, not the reporting of every unit each week keeps (``units``).
    rows = list(
        WeekSnapshot.objects.filter(campaign=campaign).only(*SHOWN).order_by("-week_start")[:weeks]
    )
    rounds = dict(
        DispatchRound.objects.filter(
            campaign=campaign, week_start__in=[r.week_start for r in rows]
        ).values_list("week_start", "pk")
    )
    for row in rows:
        row.round_id = rounds.get(row.week_start)
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
