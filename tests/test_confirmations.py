"""Irreversible and bulk actions ask first, saying what they will do with figures the page
counts; the figures equal what the action then does."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from campaigns.services.list_imports import list_import_create
from cycles.models import MonthlyReview, ReviewItem
from tasks.models import ProgressReport, TaskRequest
from tasks.services import report_submit, request_create
from tests.cycles.test_review_page import add_lines
from tests.factories import TaskFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db

PLAN = (Path(__file__).parent / "fixtures" / "samples" / "plan-document.txt").read_bytes()


def question(page: str, action: str) -> str:
    """The data-confirm text of the form (or input) whose action / value is ``action``."""
    for tag in re.findall(r"<(?:form|input)\b[^>]*>", page):
        if action in tag and "data-confirm=" in tag:
            return html.unescape(re.search(r'data-confirm="([^"]*)"', tag).group(1))
    raise AssertionError(f"no data-confirm on {action}")


def october(world, hour: int = 10, day: int = 5) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def review(world):
    review = MonthlyReview.objects.create(campaign=world.campaign, month=datetime.date(2026, 10, 1))
    review.task_list = world.task_list
    add_lines(review, world.lead, 7)
    return review


def test_certifying_says_how_many_reports_it_locks_and_locks_exactly_those(client, world, review):
    for day in (3, 14, 31):
        report_submit(
            task=world.task,
            by=world.lead_staff,
            text="十月",
            percent=30,
            submitted_at=october(world, day=day),
        )
    report_submit(
        task=world.task,
        by=world.lead_staff,
        text="十一月",
        percent=40,
        submitted_at=datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC),
    )
    ReviewItem.objects.filter(review=review).update(rating="on_track")
    client.force_login(world.coordinator)

    page = client.get(reverse("cycles:review", args=[review.pk])).content.decode()
    asked = question(page, reverse("cycles:review_certify", args=[review.pk]))
    client.post(reverse("cycles:review_certify", args=[review.pk]), {"version": review.version})

    locked = ProgressReport.objects.filter(locked_at__isnull=False).count()
    assert locked == 3
    assert f"锁定该月全部 {locked} 条报送" in asked
    assert "2026年10月" in asked and "7 项任务" in asked
    assert "不能撤销" in asked


def test_the_certify_question_groups_thousands(world, review):
    from cycles.views import _certify_question

    assert "1,234 项任务" in _certify_question(review, 1234)


def test_confirm_all_says_how_many_proposals_it_takes(client, world, review):
    first_two = ReviewItem.objects.filter(review=review).order_by("pk")[:2]
    ReviewItem.objects.filter(pk__in=list(first_two.values_list("pk", flat=True))).update(
        rating="behind"
    )
    client.force_login(world.coordinator)

    page = client.get(reverse("cycles:review", args=[review.pk])).content.decode()
    asked = question(page, reverse("cycles:review_confirm_all", args=[review.pk]))
    client.post(reverse("cycles:review_confirm_all", args=[review.pk]))

    confirmed = ReviewItem.objects.filter(review=review, confirmed_by=world.coordinator).count()
    assert confirmed == 5
    assert not ReviewItem.objects.filter(review=review, rating="").exists()
    assert f"尚未评定的 {confirmed} 项任务" in asked


def test_a_close_out_below_100_percent_is_flagged_in_the_queue_and_its_approval_warns(
    client, world
):
    world.task.progress = 55
    world.task.save()
    report_submit(
        task=world.task,
        by=world.lead_staff,
        text="基本完成",
        percent=55,
        files=[files.pdf(), files.png()],
    )
    request_create(
        task=world.task,
        by=world.lead_staff,
        kind="closeout",
        reason="申请销号",
        files=[files.pdf()],
    )
    client.force_login(world.coordinator)

    page = client.get(reverse("tasks:requests")).content.decode()

    assert 'data-testid="below-100"' in page
    assert re.search(r'data-testid="progress">55%<', page)
    assert re.search(r'data-testid="evidence-count">3<', page)  # two on the report, one here
    assert "基本完成" in page
    approve = question(page, 'value="approve"')
    assert approve.startswith("该任务进度仅 55%，未达 100%。")
    assert "销号" in approve
    assert "驳回" in question(page, 'value="reject"')


def test_a_close_out_at_100_percent_asks_without_the_warning(client, world):
    world.task.progress = 100
    world.task.save()
    request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="完成", files=[files.pdf()]
    )
    client.force_login(world.coordinator)

    page = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    assert "未达 100%" not in question(page, 'value="approve"')
    assert 'data-testid="below-100"' not in page


def test_an_extension_and_a_transfer_say_what_changes(client, world):
    request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="需市级支持",
        proposed_deadline=datetime.date(2031, 3, 31),
    )
    other = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    request_create(
        task=other,
        by=world.lead_staff,
        kind="transfer",
        reason="职责调整",
        proposed_unit=world.support,
    )
    client.force_login(world.coordinator)

    page = client.get(reverse("tasks:requests")).content.decode()
    questions = re.findall(r'value="approve"[^>]*data-confirm="([^"]*)"', page)

    assert any("2030年6月30日" in q and "2031年3月31日" in q for q in questions)
    assert any("区大数据局" in q and "区行政审批服务局" in q for q in questions)


def test_the_request_queue_costs_the_same_queries_for_2_or_20_requests(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.coordinator)

    def add(n):
        for _ in range(n):
            task = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
            report_submit(
                task=task, by=world.lead_staff, text="进展", percent=90, files=[files.pdf()]
            )
            request_create(
                task=task, by=world.lead_staff, kind="closeout", reason="r", files=[files.pdf()]
            )

    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("tasks:requests"))
    add(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("tasks:requests"))
    assert page.content.decode().count('data-testid="queue-item"') == 20
    assert TaskRequest.objects.filter(status="pending").count() == 20


def test_discarding_an_upload_says_how_many_rows_it_throws_away(client, world):
    upload = list_import_create(
        campaign=world.campaign,
        by=world.coordinator,
        filename="plan-document.txt",
        data=PLAN,
        list_name="放管服重点任务",
        list_kind="reform",
        background=False,
    )
    client.force_login(world.coordinator)

    page = client.get(
        reverse("campaigns:import_detail", args=[world.campaign.slug, upload.pk])
    ).content.decode()

    asked = question(
        page, reverse("campaigns:import_discard", args=[world.campaign.slug, upload.pk])
    )
    assert f"{upload.summary['tasks']} 行" in asked and "plan-document.txt" in asked
