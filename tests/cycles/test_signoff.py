"""The monthly sign-off: opening, proposed ratings, confirming, certifying, locking."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.errors import RuleViolation
from cycles.models import MonthlyReview, Rating, ReviewItem, UnitMonth
from cycles.services import (
    cycles_run,
    review_certify,
    review_confirm_all,
    review_open,
    review_rate,
)
from notifications.models import Notification
from tasks.models import Followup, ProgressReport, Task, TaskEvent
from tasks.services import (
    report_edit,
    report_submit,
    request_create,
    request_decide,
    task_create,
    task_update,
)
from tests.cycles.conftest import SH, at
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(clock, world):
    """October 2026 of a campaign with four tasks in four situations."""
    world.campaign.start_date = datetime.date(2026, 10, 1)
    world.campaign.dispatch_enabled = False
    world.campaign.save()
    lst, lead, other = world.task_list, world.lead, world.other
    world.on_track = world.task  # deadline 2030, reported in October
    clock.set(2026, 10, 15, 10, 0)
    report_submit(
        task=world.task,
        by=world.lead_staff,
        text="十月进展",
        percent=40,
        submitted_at=at(2026, 10, 15, 10, 0),
    )
    world.silent = TaskFactory(task_list=lst, lead_unit=lead, deadline=datetime.date(2030, 1, 1))
    world.late = TaskFactory(
        task_list=lst, lead_unit=other, deadline=datetime.date(2026, 10, 20), progress=70
    )
    world.closed = TaskFactory(task_list=lst, lead_unit=other, status=Task.Status.CLOSED)
    Task.objects.filter(pk=world.closed.pk).update(closed_at=at(2026, 10, 28, 12, 0))
    world.old_closed = TaskFactory(task_list=lst, lead_unit=other, status=Task.Status.CLOSED)
    Task.objects.filter(pk=world.old_closed.pk).update(closed_at=at(2026, 8, 1, 12, 0))
    return world


def test_the_review_opens_on_the_first_of_the_month_in_local_time(month):
    # 2026-11-01 00:00 in Shanghai is 2026-10-31 16:00 UTC.
    october = datetime.date(2026, 10, 1)
    cycles_run(now=at(2026, 10, 31, 23, 59))
    assert not MonthlyReview.objects.filter(month=october).exists()

    cycles_run(now=at(2026, 11, 1, 0, 0))
    cycles_run(now=at(2026, 11, 1, 8, 0))

    review = MonthlyReview.objects.get(month=october)
    assert (
        Notification.objects.filter(
            recipient=month.coordinator, kind=Notification.Kind.REVIEW, url__contains=str(review.pk)
        ).count()
        == 1
    )


def test_proposed_ratings_follow_progress_deadline_and_reports(month):
    cycles_run(now=at(2026, 11, 1, 0, 5))

    proposed = {i.task_id: (i.proposed, i.reason) for i in ReviewItem.objects.all()}
    assert proposed[month.on_track.pk][0] == Rating.ON_TRACK
    assert proposed[month.silent.pk] == (Rating.BEHIND, "本月无进展报送")
    assert proposed[month.late.pk][0] == Rating.NOT_COMPLETED
    assert "2026-10-20" in proposed[month.late.pk][1]
    assert proposed[month.closed.pk][0] == Rating.COMPLETED
    assert month.old_closed.pk not in proposed  # closed before the month: not reviewed
    assert "指标" in proposed[month.on_track.pk][1]  # its target is counted in the reason


def test_certify_needs_every_rating_then_locks_the_month_and_ranks_units(month):
    cycles_run(now=at(2026, 11, 1, 0, 5))
    review = MonthlyReview.objects.get()
    item = ReviewItem.objects.get(task=month.silent)
    review_rate(review=review, by=month.coordinator, ratings={item.pk: Rating.ON_TRACK})

    with pytest.raises(RuleViolation) as error:
        review_certify(review=review, by=month.coordinator)
    assert error.value.code == "unrated"
    assert review_confirm_all(review=review, by=month.coordinator) == 3
    review.refresh_from_db()
    review_certify(review=review, by=month.coordinator, expected_version=review.version)

    review.refresh_from_db()
    assert review.status == MonthlyReview.Status.CERTIFIED
    october = ProgressReport.objects.get(task=month.task)
    assert october.locked_at is not None
    figures = {f.unit.name: f for f in UnitMonth.objects.select_related("unit")}
    # 审批局: on track + on track (changed by hand) = 100; 发改局: not completed + completed = 50.
    assert figures["区行政审批服务局"].score == Decimal("100.00")
    assert figures["区行政审批服务局"].rank == 1
    assert figures["区发展改革局"].score == Decimal("50.00")
    assert figures["区发展改革局"].rank == 2
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.RATED).count() == 4


def test_a_certified_months_report_can_no_longer_be_edited(month):
    cycles_run(now=at(2026, 11, 1, 0, 5))
    review = MonthlyReview.objects.get()
    review_confirm_all(review=review, by=month.coordinator)
    review_certify(review=review, by=month.coordinator)
    report = ProgressReport.objects.get(task=month.task)

    with pytest.raises(RuleViolation) as error:
        report_edit(report=report, by=month.lead_staff, text="改", percent=99)

    assert error.value.code == "locked"
    report.refresh_from_db()
    assert report.text == "十月进展"


def test_an_open_months_report_can_be_corrected(month):
    report = report_submit(
        task=month.task,
        by=month.lead_staff,
        text="十一月",
        percent=50,
        submitted_at=at(2026, 11, 3, 10, 0),
    )

    report_edit(report=report, by=month.lead_staff, text="十一月（更正）", percent=55)

    month.task.refresh_from_db()
    assert month.task.progress == 55
    with pytest.raises(PermissionDenied):
        report_edit(report=report, by=month.support_staff, text="x", percent=1)


def test_only_this_campaigns_coordinators_rate_and_certify(month):
    cycles_run(now=at(2026, 11, 1, 0, 5))
    review = MonthlyReview.objects.get()
    for outsider in (month.other_coordinator, month.leader, month.lead_head):
        with pytest.raises(PermissionDenied):
            review_confirm_all(review=review, by=outsider)
        with pytest.raises(PermissionDenied):
            review_certify(review=review, by=outsider)
    assert not ReviewItem.objects.exclude(rating="").exists()


def test_a_certified_month_cannot_be_rated_again(month):
    cycles_run(now=at(2026, 11, 1, 0, 5))
    review = MonthlyReview.objects.get()
    review_confirm_all(review=review, by=month.coordinator)
    review_certify(review=review, by=month.coordinator)
    item = ReviewItem.objects.first()

    with pytest.raises(RuleViolation):
        review_rate(review=review, by=month.coordinator, ratings={item.pk: Rating.BEHIND})
    with pytest.raises(RuleViolation):
        review_certify(review=review, by=month.coordinator)


def test_closed_tasks_get_a_follow_up_and_the_coordinator_is_reminded_once(world):
    request = request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="完成", files=[files.pdf()]
    )
    request_decide(request=request, by=world.coordinator, approve=True)
    followup = Followup.objects.get(task=world.task)
    closed_on = Task.objects.get(pk=world.task.pk).closed_at.astimezone(SH).date()
    assert (followup.due_date.year * 12 + followup.due_date.month) - (
        closed_on.year * 12 + closed_on.month
    ) == 3

    due = datetime.datetime.combine(followup.due_date, datetime.time(9), tzinfo=SH)
    cycles_run(now=due - datetime.timedelta(days=1))
    assert not Notification.objects.filter(kind=Notification.Kind.FOLLOWUP).exists()
    cycles_run(now=due)
    cycles_run(now=due + datetime.timedelta(hours=1))

    assert (
        Notification.objects.filter(
            recipient=world.coordinator, kind=Notification.Kind.FOLLOWUP
        ).count()
        == 1
    )


def test_review_pages(client, month):
    cycles_run(now=at(2026, 11, 1, 0, 5))
    review = MonthlyReview.objects.get()
    client.force_login(month.coordinator)

    page = client.get(reverse("cycles:review", args=[review.pk]))
    assert page.status_code == 200
    assert 'data-testid="certify"' in page.content.decode()
    client.post(reverse("cycles:review_confirm_all", args=[review.pk]))
    review.refresh_from_db()
    stale = client.post(reverse("cycles:review_certify", args=[review.pk]), {"version": 1})
    assert stale["Location"] == reverse("cycles:review", args=[review.pk])  # refused: stale
    response = client.post(
        reverse("cycles:review_certify", args=[review.pk]), {"version": review.version}
    )
    assert response["Location"] == reverse("cycles:review_bulletin", args=[review.pk])
    bulletin = client.get(response["Location"])
    assert "区行政审批服务局" in bulletin.content.decode()
    xlsx = client.get(response["Location"], {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_unit_staff_see_only_their_own_units_lines_of_the_review(client, month):
    cycles_run(now=at(2026, 11, 1, 0, 5))
    review = MonthlyReview.objects.get()
    # 区发展改革局 leads month.late and month.closed in this campaign, not month.task.
    client.force_login(month.other_staff)

    page = client.get(reverse("cycles:review", args=[review.pk])).content.decode()

    assert month.late.title in page
    assert month.task.title not in page  # 区行政审批服务局's task
    client.force_login(month.leader)
    assert (
        month.task.title in client.get(reverse("cycles:review", args=[review.pk])).content.decode()
    )


# --- a review opened late judges the month as it stood at its end -----------------------------


def report(task, by, percent, clock, *when):
    clock.set(*when)
    return report_submit(task=task, by=by, text=f"进展{percent}%", percent=percent)


@pytest.fixture
def october(clock, world):
    """A month of work on eight tasks, walked day by day (the clock moves the history)."""
    w = world
    w.campaign.start_date = datetime.date(2026, 10, 1)
    w.campaign.dispatch_enabled = False
    w.campaign.save()
    new = {"task_list": w.task_list, "lead_unit": w.lead, "by": w.coordinator}
    w.steady = w.task  # 20 % with no history yet, deadline 2030, one target not met
    w.quiet = TaskFactory(
        task_list=w.task_list, lead_unit=w.lead, progress=30, deadline=datetime.date(2030, 1, 1)
    )
    w.extended = task_create(
        code="E", title="压缩企业开办时间", deadline=datetime.date(2026, 10, 20), **new
    )
    w.closed_later = task_create(
        code="C", title="推行电子证照", deadline=datetime.date(2030, 1, 1), **new
    )
    w.asked_before = task_create(
        code="A", title="一件事一次办", deadline=datetime.date(2030, 1, 1), **new
    )
    w.asked_later = task_create(
        code="L", title="跨省通办", deadline=datetime.date(2030, 1, 1), **new
    )
    w.ongoing = task_create(code="O", title="常态化优化营商环境", ongoing=True, **new)
    w.draft = task_create(
        code="D",
        title="尚未启动的任务",
        deadline=datetime.date(2030, 1, 1),
        status=Task.Status.DRAFT,
        **new,
    )
    report(w.steady, w.lead_staff, 35, clock, 2026, 10, 10, 10, 0)
    report(w.extended, w.lead_staff, 70, clock, 2026, 10, 12, 10, 0)
    report(w.asked_later, w.lead_staff, 40, clock, 2026, 10, 14, 10, 0)
    report(w.ongoing, w.lead_staff, 30, clock, 2026, 10, 16, 10, 0)
    report(w.closed_later, w.lead_staff, 90, clock, 2026, 10, 20, 10, 0)
    report(w.asked_before, w.lead_staff, 95, clock, 2026, 10, 22, 10, 0)
    report(w.steady, w.lead_staff, 50, clock, 2026, 10, 24, 10, 0)
    clock.set(2026, 10, 30, 16, 0)
    w.closeout = request_create(
        task=w.asked_before, by=w.lead_staff, kind="closeout", reason="已完成", files=[files.pdf()]
    )
    return w


def walk_november(w, clock):
    """The first days of November, before a server that was down opens October's review."""
    report(w.quiet, w.lead_staff, 60, clock, 2026, 11, 2, 9, 0)
    clock.set(2026, 11, 2, 10, 0)
    extension = request_create(
        task=w.extended,
        by=w.lead_staff,
        kind="extension",
        reason="需市级支持",
        proposed_deadline=datetime.date(2026, 12, 31),
    )
    request_decide(request=extension, by=w.coordinator, approve=True)
    # An ongoing task given a date close ahead: at 30 % it would be yellow (behind) now.
    dated = request_create(
        task=w.ongoing,
        by=w.lead_staff,
        kind="extension",
        reason="明确完成时限",
        proposed_deadline=datetime.date(2026, 11, 20),
    )
    request_decide(request=dated, by=w.coordinator, approve=True)
    closeout = request_create(
        task=w.closed_later, by=w.lead_staff, kind="closeout", reason="完成", files=[files.pdf()]
    )
    request_create(
        task=w.asked_later, by=w.lead_staff, kind="closeout", reason="完成", files=[files.pdf()]
    )
    task_update(task=w.draft, by=w.coordinator, status=Task.Status.IN_PROGRESS)
    report(w.steady, w.lead_staff, 80, clock, 2026, 11, 3, 10, 0)
    clock.set(2026, 11, 3, 15, 0)
    request_decide(request=w.closeout, by=w.coordinator, approve=True)
    clock.set(2026, 11, 4, 15, 0)
    request_decide(request=closeout, by=w.coordinator, approve=True)


def lines() -> dict[int, tuple[int, str, str]]:
    return {i.task_id: (i.progress, i.proposed, i.reason) for i in ReviewItem.objects.all()}


def test_a_review_opened_late_judges_each_task_as_it_stood_at_month_end(october, clock):
    w = october
    walk_november(w, clock)
    for task in (w.steady, w.extended, w.closed_later, w.asked_before, w.asked_later):
        task.refresh_from_db()
    # What the tasks are now, five days into November: nothing like October's end.
    assert (w.steady.progress, w.quiet.progress) == (80, 30)
    assert w.extended.deadline == datetime.date(2026, 12, 31)
    assert w.closed_later.status == w.asked_before.status == Task.Status.CLOSED
    assert w.asked_later.status == Task.Status.AWAITING_SIGNOFF
    w.ongoing.refresh_from_db()
    assert (w.ongoing.ongoing, w.ongoing.deadline) == (False, datetime.date(2026, 11, 20))
    w.quiet.refresh_from_db()
    assert w.quiet.progress == 60

    clock.set(2026, 11, 5, 9, 0)
    summary = cycles_run(now=clock.now)  # the server is back: October's review opens late

    assert len(summary.reviews) == 1
    assert lines() == {
        # The last progress set before the month ended, not November's 80 %.
        w.steady.pk: (50, Rating.ON_TRACK, "报送2次，进度50%；指标达标0/1"),
        # No change before the end, one after it: the value that change started from.
        w.quiet.pk: (30, Rating.BEHIND, "本月无进展报送"),
        # Its deadline was still 20 October: the extension came in November.
        w.extended.pk: (70, Rating.NOT_COMPLETED, "完成时限2026-10-20已过，进度70%"),
        # Closed on 4 November: still open at the month's end, judged as open.
        w.closed_later.pk: (90, Rating.ON_TRACK, "报送1次，进度90%"),
        # Awaiting sign-off at the month's end (closed on 3 November).
        w.asked_before.pk: (95, Rating.COMPLETED, "进度100%，已申请销号"),
        # Close-out asked only in November: in progress at the month's end.
        w.asked_later.pk: (40, Rating.ON_TRACK, "报送1次，进度40%"),
        # Ongoing (no deadline) at the month's end: its November date does not count.
        w.ongoing.pk: (30, Rating.ON_TRACK, "报送1次，进度30%"),
        # w.draft started in November: it was no part of October.
    }


def test_a_review_opened_late_leaves_out_tasks_created_after_the_month_ended(month, clock):
    clock.set(2026, 11, 3, 10, 0)
    newcomer = TaskFactory(
        task_list=month.task_list, lead_unit=month.lead, deadline=datetime.date(2026, 10, 25)
    )

    clock.set(2026, 11, 5, 9, 0)
    cycles_run(now=clock.now)  # October's review opens late

    review = MonthlyReview.objects.get(month=datetime.date(2026, 10, 1))
    judged = set(review.items.values_list("task_id", flat=True))
    assert newcomer.pk not in judged  # it did not exist in October: not "deadline passed"
    assert judged == {month.on_track.pk, month.silent.pk, month.late.pk, month.closed.pk}


def test_a_task_transferred_after_month_end_counts_for_the_unit_that_led_it_then(month, clock):
    clock.set(2026, 11, 2, 10, 0)
    task_update(task=month.on_track, by=month.coordinator, lead_unit=month.other)

    clock.set(2026, 11, 5, 9, 0)
    cycles_run(now=clock.now)  # October's review opens late

    line = ReviewItem.objects.get(task=month.on_track)
    # October's report was the old lead unit's, and October was its to answer for.
    assert (line.lead_unit_id, line.reports, line.progress) == (month.lead.pk, 1, 40)


def test_a_late_review_counts_targets_met_by_their_values_at_month_end(month, clock):
    clock.set(2026, 11, 2, 10, 0)
    month.on_track.refresh_from_db()
    report_submit(  # November's report reaches the target: 66 against 65
        task=month.on_track,
        by=month.lead_staff,
        text="十一月达标",
        percent=60,
        target_values={month.target.pk: Decimal("66")},
    )
    month.target.refresh_from_db()
    assert month.target.achieved

    clock.set(2026, 11, 5, 9, 0)
    cycles_run(now=clock.now)  # October's review opens late

    line = ReviewItem.objects.get(task=month.on_track)
    assert line.reason == "报送1次，进度40%；指标达标0/1"  # at October's end: 55, not met


def test_a_review_opened_on_time_judges_the_tasks_as_they_are_and_a_late_one_agrees(october, clock):
    w = october
    clock.set(2026, 11, 1, 0, 5)
    cycles_run(now=clock.now)
    on_time = lines()
    # On time nothing has changed since the month ended: each line is the task as it is now,
    # as it always was.
    for item in ReviewItem.objects.select_related("task"):
        assert item.progress == item.task.progress
    assert on_time[w.asked_before.pk][1] == Rating.COMPLETED  # awaiting sign-off now
    assert on_time[w.extended.pk][1] == Rating.NOT_COMPLETED
    assert w.draft.pk not in on_time

    MonthlyReview.objects.all().delete()  # as if the server had been down on the 1st
    walk_november(w, clock)
    clock.set(2026, 11, 5, 9, 0)
    cycles_run(now=clock.now)

    assert lines() == on_time


def test_a_task_closed_within_the_month_is_still_completed_when_the_review_opens_late(
    october, clock
):
    w = october
    clock.set(2026, 10, 31, 10, 0)
    request_decide(request=w.closeout, by=w.coordinator, approve=True)
    report(w.steady, w.lead_staff, 80, clock, 2026, 11, 3, 10, 0)

    cycles_run(now=at(2026, 11, 5, 9, 0))

    assert lines()[w.asked_before.pk] == (100, Rating.COMPLETED, "已销号")
    assert lines()[w.steady.pk][0] == 50


def _history(task_list, lead, n: int, end: datetime.datetime) -> None:
    """``n`` tasks with progress set before and after ``end``, half of them closed after it."""
    tasks = TaskFactory.create_batch(n, task_list=task_list, lead_unit=lead, progress=80)
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(
        created_at=end - datetime.timedelta(days=30)
    )
    events = []
    for task in tasks:
        for days, before, after in ((-20, 0, 30), (-5, 30, 50), (2, 50, 80)):
            events.append(
                TaskEvent(
                    task=task,
                    kind=TaskEvent.Kind.UPDATED,
                    at=end + datetime.timedelta(days=days),
                    before={"progress": before},
                    after={"progress": after},
                )
            )
    TaskEvent.objects.bulk_create(events)
    Task.objects.filter(pk__in=[t.pk for t in tasks[::2]]).update(
        status=Task.Status.CLOSED, closed_at=end + datetime.timedelta(days=3)
    )


def test_opening_a_review_costs_the_same_queries_for_few_or_many_tasks(world):
    october, end = datetime.date(2026, 10, 1), at(2026, 11, 1, 0, 0)
    small = CampaignFactory(slug="small")
    _history(TaskListFactory(campaign=small), world.lead, 3, end)
    big = CampaignFactory(slug="big")
    _history(TaskListFactory(campaign=big), world.lead, 40, end)
    counts = []
    for campaign in (small, big):
        with CaptureQueriesContext(connection) as queries:
            review = review_open(campaign=campaign, month=october, now=at(2026, 11, 5, 9, 0))
        counts.append(len(queries))
        assert {i.progress for i in review.items.all()} == {50}

    assert counts[0] == counts[1]
    assert review.items.count() == 40
