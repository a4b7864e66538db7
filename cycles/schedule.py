"""When things happen, in the campaign's local time. Pure functions: the clock is an argument."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RoundTimes:
    week_start: datetime.date
    opens_at: datetime.datetime
    due_at: datetime.datetime
    reminder_at: datetime.datetime
    closes_at: datetime.datetime


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def round_times(campaign, week: datetime.date) -> RoundTimes:
    """The round of the ISO week starting ``week``: it opens on the dispatch day and time,
    reports fall due on the due day (the next week's if that day comes before the opening),
    the second reminder goes some hours before, and it closes when the next round opens."""
    zone = ZoneInfo(campaign.schedule_timezone)

    def at(day_offset: int, time: datetime.time) -> datetime.datetime:
        day = week + datetime.timedelta(days=day_offset)
        return datetime.datetime.combine(day, time, tzinfo=zone)

    opens_at = at(campaign.dispatch_weekday, campaign.dispatch_time)
    due_at = at(campaign.report_due_weekday, campaign.report_due_time)
    if due_at <= opens_at:
        due_at += datetime.timedelta(days=7)
    reminder_at = max(
        opens_at, due_at - datetime.timedelta(hours=campaign.reminder_hours_before_due)
    )
    return RoundTimes(
        week_start=week,
        opens_at=opens_at,
        due_at=due_at,
        reminder_at=reminder_at,
        closes_at=opens_at + datetime.timedelta(days=7),
    )


def local_date(moment: datetime.datetime, tz_name: str) -> datetime.date:
    return moment.astimezone(ZoneInfo(tz_name)).date()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(day: datetime.date) -> datetime.date:
    return month_start(month_start(day) - datetime.timedelta(days=1))


def month_bounds(month: datetime.date, tz_name: str) -> tuple[datetime.datetime, datetime.datetime]:
    """[first instant, first instant of the next month) in the campaign's zone."""
    zone = ZoneInfo(tz_name)
    start = datetime.datetime.combine(month, datetime.time(0), tzinfo=zone)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return start, datetime.datetime.combine(following, datetime.time(0), tzinfo=zone)
