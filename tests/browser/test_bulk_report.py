"""一表填报 in a real browser, on a desktop and on a phone: a unit downloads what it owes this
week, fills it in (openpyxl, as Excel would), uploads it, confirms, and sees every task
reported on 我的任务."""

from pathlib import Path

import pytest

from tasks.models import ProgressReport, Task
from tests.factories import TaskFactory
from tests.reporting.sheets import fill, open_round, report_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", list(SIZES))
def test_a_unit_reports_its_whole_week_by_one_sheet(
    live_server, browser, world, password, tmp_path, size
):
    width, height = SIZES[size]
    for n in range(11):
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, title=f"一表填报任务{n}")
    open_round(world.campaign)
    owed = Task.objects.filter(lead_unit=world.lead).count()
    base = live_server.url
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, base, "lead_staff", password)

        # 我的任务 starts with what is owed this round, its count and due time.
        page.goto(f"{base}/tasks/mine/")
        assert page.get_by_test_id("owed-count").inner_text() == str(owed)
        assert "截止" in page.get_by_test_id("owed-round").inner_text()
        assert fits(page, width)
        page.get_by_role("button", name="一表填报").click()
        page.wait_for_load_state()
        with page.expect_download() as info:
            page.get_by_test_id("owed-download").click()
        download = info.value
        assert download.suggested_filename.startswith("本周应报送")
        sheet = Path(download.path()).read_bytes()

        filled = tmp_path / "本周应报送-已填.xlsx"
        filled.write_bytes(fill(sheet, report_everything))
        page.set_input_files("input[type=file]", str(filled))
        page.get_by_test_id("upload").click()
        page.wait_for_load_state()
        assert f"新报送{owed}条" in page.get_by_test_id("upload-counts").inner_text()
        assert page.get_by_test_id("upload-row").count() == owed
        assert fits(page, width)
        assert ProgressReport.objects.count() == 0

        # Confirming asks first, with the count.
        page.get_by_test_id("confirm-upload").click()
        asked = page.locator("dialog[open]")
        assert f"新报送{owed}条" in asked.inner_text()
        with page.expect_navigation():
            asked.locator("[data-ok]").click()
        assert page.get_by_test_id("upload-status").inner_text() == "已确认，报送已写入"
        assert page.get_by_test_id("add-evidence").count() == owed

        page.goto(f"{base}/tasks/mine/")
        rows = page.get_by_test_id("owed-row")
        assert rows.count() == owed
        assert all("已报" in text for text in rows.all_inner_texts())
        assert f"已报{owed}项，待报0项" in page.get_by_test_id("owed-round").inner_text()
        assert ProgressReport.objects.filter(unit=world.lead).count() == owed
        assert set(
            Task.objects.filter(lead_unit=world.lead).values_list("progress", flat=True)
        ) != {0}
    finally:
        context.close()
