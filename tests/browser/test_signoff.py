"""Monthly sign-off in a real browser: confirm the proposals, certify, and the month is locked."""

import datetime
import os
from zoneinfo import ZoneInfo

import pytest

from cycles.models import MonthlyReview
from cycles.services import cycles_run
from tasks.models import ProgressReport, Task
from tasks.services import report_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_coordinator_certifies_the_month_and_staff_can_no_longer_edit_its_report(
    live_server, browser, phone, world, password
):
    world.campaign.start_date = datetime.date(2026, 10, 1)
    world.campaign.dispatch_enabled = False
    world.campaign.save()
    Task.objects.filter(pk=world.task.pk).update(
        created_at=datetime.datetime(2026, 9, 1, tzinfo=SH)
    )
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="十月完成窗口改造",
        percent=45,
        submitted_at=datetime.datetime(2026, 10, 15, 10, 0, tzinfo=SH),
    )
    cycles_run(now=datetime.datetime(2026, 11, 1, 0, 5, tzinfo=SH))
    review = MonthlyReview.objects.get(campaign=world.campaign)
    assert review.items.get().progress == 45  # the report, dated in October, counts for October
    base = live_server.url

    # Before certification the staff member may still correct the report.
    log_in(phone, base, "lead_staff", password)
    phone.goto(f"{base}/tasks/{world.task.pk}/")
    assert phone.get_by_test_id("edit-report").count() == 1

    # On a phone the coordinator's review is a list of cards with its filters: nothing to
    # scroll sideways, and a search keeps the rating select at hand.
    pocket = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    small = pocket.new_page()
    log_in(small, base, "coord", password)
    small.goto(f"{base}/cycles/reviews/{review.pk}/")
    small.fill("input[name=q]", world.task.code)
    with small.expect_navigation():
        small.get_by_role("button", name="筛选").click()
    assert f"q={world.task.code}" in small.url
    assert small.locator("tbody tr").count() == 1
    assert small.locator(f"select[name=rating_{review.items.get().pk}]").is_visible()
    assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if os.environ.get("SCREENSHOTS"):
        small.screenshot(path=os.environ["SCREENSHOTS"], full_page=True)
    pocket.close()

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = office.new_page()
    log_in(desk, base, "coord", password)
    desk.goto(f"{base}/cycles/reviews/{review.pk}/")
    assert "按期推进" in desk.content()  # the proposed rating of the reported task
    # Both buttons ask first, saying what they will do; cancelling does nothing.
    desk.get_by_test_id("confirm-all").click()
    asked = desk.locator("dialog[open]")
    assert "尚未评定的 1 项任务" in asked.inner_text()
    asked.locator("[data-cancel]").click()
    assert desk.locator("dialog[open]").count() == 0
    assert review.items.get().rating == ""
    desk.get_by_test_id("confirm-all").click()
    with desk.expect_navigation():
        desk.locator("dialog[open] [data-ok]").click()
    desk.get_by_test_id("certify").click()
    assert "锁定该月全部 1 条报送" in desk.locator("dialog[open]").inner_text()
    with desk.expect_navigation():
        desk.locator("dialog[open] [data-ok]").click()
    assert "/bulletin/" in desk.url
    assert "区行政审批服务局" in desk.get_by_test_id("ranking").inner_text()
    office.close()

    phone.goto(f"{base}/tasks/{world.task.pk}/")
    assert phone.get_by_test_id("edit-report").count() == 0
    assert phone.get_by_test_id("locked").count() == 1
    response = phone.goto(f"{base}/tasks/reports/{report.pk}/edit/")
    assert response.status == 403
    assert ProgressReport.objects.get(pk=report.pk).text == "十月完成窗口改造"
