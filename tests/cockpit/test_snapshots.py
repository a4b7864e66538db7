"""Weekly snapshots: stored once per campaign and week when a round closes, and the backfill
from the history gives the same numbers as the rounds that really ran."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cockpit.models import WeekSnapshot
from cockpit.services import snapshot_from_round, snapshots_backfill
from cycles.models import DispatchRound
from cycles.services import cycles_run
from tasks.models import Task, TaskEvent
from tasks.services import report_submit, task_create, task_update

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


class Clock:
    def __init__(self):
        self.now = at(2026, 11, 1, 10, 0)

    def __call__(self):
        return self.now

    def set(self, *args):
        self.now = at(*args)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    monkeypatch.setattr(TaskEvent._meta.get_field("at"), "get_default", clock)
    return clock


@pytest.fixture
def weeks(world, clock, django_capture_on_commit_callbacks):
    """Three weeks of a campaign, each closed by its round: reports on time, late and by the
    wrong unit, a transfer, a close-out, a task added mid-week, a deadline extended."""
    w = world
    c = w.campaign
    c.start_date = datetime.date(2026, 11, 1)
    c.dispatch_weekday, c.dispatch_time = 0, datetime.time(9, 0)
    c.report_due_weekday, c.report_due_time = 3, datetime.time(17, 0)
    c.save()
    Task.objects.filter(pk=w.task.pk).delete()  # the world's own task: not part of this story

    def new(code, unit, deadline, **kw):
        return task_create(
            task_list=w.task_list, code=code, title=f"任务{code}", lead_unit=unit,
            deadline=deadline, **kw,
        )  # fmt: skip

    w.a = new("A", w.lead, datetime.date(2026, 11, 20))
    w.b = new("B", w.other, datetime.date(2030, 1, 1))
    w.c = new("C", w.lead, datetime.date(2026, 11, 12))
    w.d = new("D", w.other, datetime.date(2026, 12, 31))
    w.e = new("E", w.support, datetime.date(2030, 1, 1))
    new("G", w.lead, datetime.date(2026, 11, 3), status=Task.Status.DRAFT)

    def run(*args):
        with django_capture_on_commit_callbacks(execute=True):
            cycles_run(now=at(*args))

    def report(task, user, percent, *args):
        clock.set(*args)
        report_submit(task=task, by=user, text="进展", percent=percent, submitted_at=at(*args))

    run(2026, 11, 2, 9, 0)  # week 1 opens
    report(w.a, w.lead_staff, 20, 2026, 11, 3, 10, 0)  # on time
    clock.set(2026, 11, 3, 11, 0)
    task_update(task=w.e, by=w.coordinator, lead_unit=w.other)  # handed over mid-week
    report(Task.objects.get(pk=w.e.pk), w.other_staff, 10, 2026, 11, 3, 12, 0)  # not owed by it
    report(w.b, w.other_staff, 30, 2026, 11, 6, 10, 0)  # after Thursday 17:00: late
    run(2026, 11, 9, 9, 0)  # week 1 closes, week 2 opens
    report(w.c, w.lead_staff, 30, 2026, 11, 10, 9, 30)
    clock.set(2026, 11, 10, 11, 0)
    task_update(task=w.d, by=w.coordinator, status=Task.Status.CLOSED)
    w.f = new("F", w.lead, datetime.date(2030, 1, 1))  # after the round opened: owed next week
    report(Task.objects.get(pk=w.e.pk), w.other_staff, 40, 2026, 11, 12, 10, 0)
    run(2026, 11, 16, 9, 0)  # week 2 closes, week 3 opens
    clock.set(2026, 11, 17, 10, 0)
    task_update(
        task=Task.objects.get(pk=w.c.pk), by=w.coordinator, deadline=datetime.date(2026, 12, 31)
    )
    report(w.f, w.lead_staff, 10, 2026, 11, 20, 10, 0)  # late
    run(2026, 11, 23, 9, 0)  # week 3 closes
    w.now = at(2026, 11, 23, 9, 0)
    return w


WEEKS = [datetime.date(2026, 11, 2), datetime.date(2026, 11, 9), datetime.date(2026, 11, 16)]


def stored(campaign) -> dict:
    return {
        s.week_start: s.figures()
        for s in WeekSnapshot.objects.filter(campaign=campaign).order_by("week_start")
    }


def test_closing_a_round_stores_its_week_with_the_bulletins_figures(weeks):
    rounds = DispatchRound.objects.filter(campaign=weeks.campaign, closed_at__isnull=False)
    snapshots = stored(weeks.campaign)

    assert list(snapshots) == WEEKS
    assert set(WeekSnapshot.objects.values_list("source", flat=True)) == {"round"}
    for round_ in rounds:
        totals = round_.result["totals"]
        week = snapshots[round_.week_start]
        assert {k: week[k] for k in totals} == {**totals, "rate": week["rate"]}
        assert float(week["rate"]) == totals["rate"]
    # Checked by hand against the story above.
    assert [(s["owed"], s["reported"], s["late"]) for s in snapshots.values()] == [
        (5, 2, 1),  # A on time, B late; E's report came from the unit it was handed to
        (5, 2, 0),  # C, and E by its new lead unit; F did not exist when the round opened
        (5, 1, 1),  # F late; D closed
    ]
    assert [(s["red"], s["closed"]) for s in snapshots.values()] == [(0, 0), (1, 1), (1, 0)]
    # Week 1 by lead unit (owed, reported, on time): A and C; B (late) and D; E, handed over.
    assert snapshots[WEEKS[0]]["units"] == {
        str(weeks.lead.pk): [2, 1, 1],
        str(weeks.other.pk): [2, 1, 0],
        str(weeks.support.pk): [1, 0, 0],
    }


def test_the_backfill_from_the_history_gives_the_same_numbers_as_the_rounds(weeks):
    real = stored(weeks.campaign)
    WeekSnapshot.objects.all().delete()

    count = snapshots_backfill(campaign=weeks.campaign, now=weeks.now)

    assert count == 3
    assert stored(weeks.campaign) == real
    assert set(WeekSnapshot.objects.values_list("source", flat=True)) == {"history"}


def test_the_backfill_fills_only_the_weeks_that_have_none(weeks):
    real = stored(weeks.campaign)
    WeekSnapshot.objects.filter(week_start=WEEKS[1]).delete()

    assert snapshots_backfill(campaign=weeks.campaign, now=weeks.now) == 1
    assert snapshots_backfill(campaign=weeks.campaign, now=weeks.now) == 0
    assert stored(weeks.campaign) == real
    assert WeekSnapshot.objects.get(week_start=WEEKS[1]).source == "history"


def test_storing_a_weeks_snapshot_again_changes_nothing(weeks):
    round_ = DispatchRound.objects.get(campaign=weeks.campaign, week_start=WEEKS[0])
    before = list(WeekSnapshot.objects.order_by("pk").values())
    Task.objects.filter(pk=weeks.a.pk).update(progress=99)  # would change the average

    snapshot_from_round(round_id=round_.pk)
    cycles_run(now=weeks.now)  # nothing is due any more

    assert list(WeekSnapshot.objects.order_by("pk").values()) == before


def test_weeks_before_the_campaign_started_or_not_closed_yet_are_not_backfilled(weeks):
    WeekSnapshot.objects.all().delete()

    snapshots_backfill(campaign=weeks.campaign, now=at(2026, 11, 16, 8, 59))

    assert list(stored(weeks.campaign)) == WEEKS[:1]
