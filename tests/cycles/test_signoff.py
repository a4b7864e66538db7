"""The monthly sign-off: opening, proposed ratings, confirming, certifying, locking."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Notification
from config.errors import RuleViolation
from cycles.models import MonthlyReview, Rating, ReviewItem, UnitMonth
from cycles.services import cycles_run, review_certify, review_confirm_all, review_rate
from tasks.models import Followup, ProgressReport, Task, TaskEvent
from tasks.services import report_edit, report_submit, request_create, request_decide
from tests.factories import TaskFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def month(world):
    """October 2026 of a campaign with four tasks in four situations."""
    world.campaign.start_date = datetime.date(2026, 10, 1)
    world.campaign.dispatch_enabled = False
    world.campaign.save()
    lst, lead, other = world.task_list, world.lead, world.other
    world.on_track = world.task  # deadline 2030, reported in October
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
