"""The everyday loop in a real browser: report, ask for close-out, approve, see it closed."""

import pytest
from playwright.sync_api import expect

from tasks.models import Task, TaskEvent, TaskRequest
from tests.factories import TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_staff_report_with_a_file_ask_for_closeout_and_see_it_approved(
    live_server, browser, phone, world, password, tmp_path
):
    base = live_server.url
    evidence = tmp_path / "验收报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% test evidence\n")
    foreign = TaskFactory(task_list=world.task_list, lead_unit=world.other, title="别的单位的任务")

    # Staff open the task from their list and report with a file.
    log_in(phone, base, "lead_staff", password)
    phone.get_by_role("link", name=world.task.title).click()
    phone.fill("#id_text", "窗口人员培训全部完成，系统上线试运行")
    phone.fill("#id_percent", "100")
    phone.locator("#report input[type=file]").set_input_files(str(evidence))
    phone.locator("#report button[type=submit]").click()
    phone.wait_for_load_state()
    timeline = phone.locator("#timeline")
    assert "窗口人员培训全部完成" in timeline.inner_text()
    assert "验收报告.pdf" in timeline.inner_text()

    # ...then ask for close-out with the same evidence (the form fetched as the section opens,
    # its link to the form's page gone once it is in).
    phone.locator("#request summary").click()
    phone.select_option("#request select[name=kind]", "closeout")
    assert phone.get_by_test_id("request-link").is_hidden()
    phone.fill("#request textarea[name=reason]", "任务已全部完成，申请销号")
    phone.locator("#request input[type=file]").set_input_files(str(evidence))
    phone.locator("#request button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.get_by_test_id("task-status").inner_text() == "待销号审核"

    # The coordinator approves from the queue.
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = office.new_page()
    log_in(desk, base, "coord", password)
    desk.goto(f"{base}/tasks/requests/")
    item = desk.get_by_test_id("queue-item").first
    assert world.task.title in item.inner_text()
    item.locator("input[value=approve]").check()
    item.locator("textarea[name=comment]").fill("佐证充分，同意销号")
    item.locator("button[type=submit]").click()
    asked = desk.locator("dialog[open]")
    assert "批准后" in asked.inner_text() and "未达" not in asked.inner_text()
    with desk.expect_navigation():
        asked.locator("[data-ok]").click()
    assert "没有待审批的申请" in desk.content() or desk.get_by_test_id("queue-item").count() == 0
    office.close()

    # Staff see the notice and the closed task.
    phone.goto(f"{base}/tasks/mine/")
    assert phone.get_by_test_id("unread").inner_text() == "1"
    phone.goto(f"{base}/accounts/notifications/")
    phone.locator(".notifications button").first.click()
    phone.wait_for_load_state()
    assert phone.get_by_test_id("task-status").inner_text() == "已销号"
    assert Task.objects.get(pk=world.task.pk).status == Task.Status.CLOSED
    assert TaskRequest.objects.get().status == TaskRequest.Status.APPROVED

    # The history is not on the page until its section is opened; then it is read (htmx).
    assert phone.get_by_test_id("history").count() == 0
    phone.locator("#history summary").click()
    history = phone.get_by_test_id("history")
    expect(history.locator("li").first).to_be_visible()
    assert history.locator("li").count() == TaskEvent.objects.filter(task=world.task).count() >= 3

    # ...and cannot open another unit's task.
    response = phone.goto(f"{base}/tasks/{foreign.pk}/")
    assert response.status == 404
