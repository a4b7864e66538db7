"""The leader's cockpit in a real browser: land on the overview, open a campaign, click a red
count in the heat map, see exactly those tasks, open one and give an instruction (督办)."""

import re

import pytest

from tasks.models import Instruction
from tests.browser.test_workflow import log_in
from tests.cockpit.conftest import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_drills_from_the_heat_map_to_a_task_and_gives_an_instruction(
    live_server, browser, world, password
):
    scene = build_scene(world)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(page, base, "leader", password)
    assert page.url == f"{base}/cockpit/"
    assert page.get_by_test_id("red-list").locator("tbody tr").count() == 4

    page.get_by_role("link", name=scene.campaign.name).click()
    page.wait_for_load_state()
    assert page.locator("[data-chart=heat] svg").count() == 1  # ECharts drew the heat map
    # 区发展改革局 · 惠企政策清单 · red: one task.
    cell = page.locator(
        f'table.heat a.red[href*="lead_unit={scene.other.pk}&"]'
        f'[href*="task_list={scene.policies.pk}"]'
    )
    assert cell.inner_text() == "1"
    cell.click()
    page.wait_for_load_state()

    listed = {
        int(re.search(r"/tasks/(\d+)/", href)[1])
        for href in page.locator("table.tasks td.title a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    }
    assert listed == {scene.red2.pk}
    page.get_by_role("link", name=scene.red2.title).click()
    page.wait_for_load_state()

    form = page.locator("details.action", has=page.locator("form[action$='/instructions/']"))
    form.locator("summary").click()
    form.locator("textarea[name=text]").fill("请本周内拿出整改方案并报送进展")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    instruction = Instruction.objects.get()
    assert instruction.task_id == scene.red2.pk and instruction.given_by == scene.leader
    assert "请本周内拿出整改方案并报送进展" in page.content()
    assert errors == []
    context.close()


def test_an_instruction_straight_from_the_red_list_on_a_phone(live_server, phone, world, password):
    scene = build_scene(world)

    log_in(phone, live_server.url, "coord", password)
    phone.goto(f"{live_server.url}/cockpit/")
    row = phone.locator(f"tr[data-task='{scene.red2.pk}']")
    row.locator("details.instruct summary").click()
    row.locator("textarea[name=text]").fill("请说明逾期原因")
    row.locator("button[type=submit]").click()
    phone.wait_for_load_state()

    assert Instruction.objects.get().task_id == scene.red2.pk
    assert phone.url.endswith(f"/tasks/{scene.red2.pk}/")
    # The overview fits the phone: no sideways scrolling of the page itself.
    phone.goto(f"{live_server.url}/cockpit/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
