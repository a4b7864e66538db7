"""A coordinator starts a campaign in the browser, adds a list and a task by hand, on a desktop
and on a phone; the lead unit then acknowledges the task (签收)."""

import pytest

from accounts.models import Role
from campaigns.models import Campaign
from tasks.models import Task
from tests.browser.conftest import ARTIFACTS
from tests.factories import UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def page(browser, request):
    context = browser.new_context(viewport=SIZES[request.param], locale="zh-CN")
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _log_in(page, url, username, password):
    page.goto(f"{url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_coordinator_creates_a_campaign_and_adds_a_task_by_hand(live_server, page, password):
    office = UnitFactory(name="区营商环境建设办公室")
    bureau = UnitFactory(name="区行政审批服务局")
    UnitFactory(name="区大数据局")
    UserFactory(username="coordinator", unit=office, roles=[Role.COORDINATOR])
    UserFactory(username="staff", unit=bureau, roles=[Role.STAFF])

    _log_in(page, live_server.url, "coordinator", password)
    page.goto(f"{live_server.url}/campaigns/")
    page.get_by_test_id("new-campaign").click()
    page.wait_for_url("**/campaigns/new/")
    page.fill("#id_name", "营商环境攻坚年行动")
    page.fill("#id_slug", "biz-2026")
    page.fill("#id_year", "2026")
    page.select_option("#id_organiser", label="区营商环境建设办公室")
    page.fill("#id_start_date", "2026-03-01")
    page.fill("#id_acknowledge_within_hours", "12")
    page.get_by_role("button", name="创建行动").click()
    page.wait_for_url("**/campaigns/biz-2026/edit/")
    assert page.get_by_text("行动已创建，请继续添加清单。").is_visible()

    page.get_by_text("新增清单", exact=True).first.click()  # opens the <details>
    page.fill("#lists #id_name", "攻坚任务清单")
    page.select_option("#lists #id_kind", "reform")
    page.locator("#lists button[type=submit]").click()
    page.wait_for_url("**/lists/*/")
    assert page.locator("h1").inner_text() == "攻坚任务清单"

    page.get_by_test_id("add-task").click()
    page.wait_for_url("**/tasks/new/")
    assert page.input_value("#id_code") == "1"
    page.fill("#id_title", "推行容缺受理机制")
    page.select_option("#id_lead_unit", label="区行政审批服务局")
    page.select_option("#id_supporting_units", label="区大数据局")
    page.fill("#id_specific_owner_name", "王联络")
    page.fill("#id_deadline", "2026-12-31")
    page.fill("#id_difficulty", "2.5")
    page.get_by_role("button", name="添加任务").click()
    page.wait_for_url("**/tasks/*/")
    assert page.get_by_text("任务1已添加，待区行政审批服务局签收。").is_visible()
    assert page.get_by_test_id("difficulty").inner_text() == "2.5"
    assert "待签收" in page.get_by_test_id("ack-state").inner_text()
    # Nothing is wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width

    # Editing keeps what is not changed (the date input shows the deadline) and records it.
    page.get_by_test_id("edit-task").click()
    page.wait_for_url("**/edit/")
    assert page.input_value("#id_deadline") == "2026-12-31"
    page.fill("#id_difficulty", "3.0")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/tasks/*/")
    assert page.get_by_test_id("difficulty").inner_text() == "3.0"

    task = Task.objects.get(task_list__campaign__slug="biz-2026")
    assert task.lead_unit == bureau and task.difficulty == 3
    assert task.deadline.isoformat() == "2026-12-31"
    assert list(
        Campaign.objects.get(slug="biz-2026").coordinators.values_list("username", flat=True)
    ) == ["coordinator"]

    # The lead unit acknowledges it from 我的任务 in one go.
    page.get_by_role("button", name="退出登录").click()
    _log_in(page, live_server.url, "staff", password)
    page.goto(f"{live_server.url}/tasks/mine/")
    assert page.get_by_text("有1项交办本单位的任务待签收。").is_visible()
    page.get_by_test_id("acknowledge-all").get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_text("已签收1项任务。").is_visible()
    task.refresh_from_db()
    assert task.acknowledged_at is not None
