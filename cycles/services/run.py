"""What is due at an instant: the one entry point of beat's job and of ``run_cycles``."""

import datetime
from dataclasses import dataclass, field

from campaigns.models import Campaign
from cycles import schedule
from cycles.models import DispatchRound
from cycles.services.digests import digests_requeue
from cycles.services.dispatch import round_close, round_open, round_remind
from cycles.services.followups import followups_remind
from cycles.services.review import review_open_due


@dataclass
class RunSummary:
    opened: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reviews: list[int] = field(default_factory=list)
    followups: int = 0
    requeued: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def cycles_run(*, now: datetime.datetime) -> RunSummary:
    """Do whatever is due at ``now``: the one entry point of beat and of ``run_cycles``."""
    summary = RunSummary()
    campaigns = Campaign.objects.filter(status=Campaign.Status.ACTIVE).order_by("pk")
    for campaign in campaigns:
        if campaign.dispatch_enabled:
            _dispatch_due(campaign, now, summary)
        review = review_open_due(campaign=campaign, now=now)
        if review is not None:
            summary.reviews.append(review.pk)
    summary.followups = followups_remind(now=now)
    summary.requeued = digests_requeue(now=now)
    return summary


def _dispatch_due(campaign: Campaign, now: datetime.datetime, summary: RunSummary) -> None:
    today = schedule.local_date(now, campaign.schedule_timezone)
    this_week = schedule.week_start(today)
    # Close or remind what is still open from earlier weeks (a server that was down catches up).
    for round_ in DispatchRound.objects.filter(campaign=campaign, closed_at__isnull=True).order_by(
        "week_start"
    ):
        if now >= round_.closes_at:
            if round_close(round_id=round_.pk, now=now):
                summary.closed.append(round_.pk)
        elif (
            now >= round_.reminder_at
            and round_.reminded_at is None
            and round_remind(round_id=round_.pk, now=now)
        ):
            summary.reminded.append(round_.pk)
    # The round whose window holds ``now`` (last week's, when this week's has not opened yet).
    # It opens late if the server was down, but only while reports can still be made on time:
    # a round opened after its due time would chase nobody.
    for week in (this_week - datetime.timedelta(days=7), this_week):
        times = schedule.round_times(campaign, week)
        if times.opens_at <= now < times.due_at and campaign.start_date <= times.due_at.date():
            opened = round_open(campaign=campaign, times=times, now=now)
            if opened is not None:
                summary.opened.append(opened.pk)
                if opened.reminded_at is not None:  # opened late: heads escalated with it
                    summary.reminded.append(opened.pk)
