"""An inspection round in a real browser: a unit answers on a phone, the coordinator
verifies a 否, the rectification task appears in the unit's 我的任务."""

import datetime

import pytest
from playwright.sync_api import expect

from inspections.models import Rectification
from inspections.services import round_open
from tests.browser.test_workflow import log_in
from tests.inspections.conftest import with_checklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_answers_on_a_phone_and_a_verified_no_becomes_its_task(
    live_server,
    browser,
    phone,
    world,
    password,
):
    w = with_checklist(world)
    base = live_server.url
    round_ = round_open(
        checklist=w.checklist,
        by=w.coordinator,
        title="2026年第一轮督查",
        due_date=datetime.date(2026, 12, 15),
    )

    # The unit's staff answer both their questions on a 390 px screen.
    log_in(phone, base, "lead_staff", password)
    phone.get_by_role("link", name="督查检查").first.click()
    phone.get_by_role("link", name=round_.title).click()
    questions = phone.get_by_test_id("question")
    expect(questions).to_have_count(2)  # waits for the round's page, not the one before it
    assert w.q3.title not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    first = questions.nth(0)
    first.locator("input[value=yes]").check()
    first.locator("textarea[name=note]").fill("已在政务网公开")
    first.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    second = phone.get_by_test_id("question").nth(1)
    second.locator("input[value=no]").check()
    second.locator("textarea[name=note]").fill("尚未实行容缺受理")
    second.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert "0" in phone.get_by_test_id("unanswered").inner_text()

    # The coordinator opens the matrix and verifies the 否.
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk = office.new_page()
    log_in(desk, base, "coord", password)
    desk.goto(f"{base}/inspections/rounds/{round_.pk}/")
    row = desk.locator(f"#q{w.q2.pk}")
    assert row.get_by_test_id("no-count").inner_text() == "1"
    row.get_by_role("link", name="否").click()
    desk.wait_for_load_state()
    desk.locator("#verify input[value=confirm]").check()
    desk.locator("#verify input[name=deadline]").fill("2027-01-31")
    desk.locator("#verify button[type=submit]").click()
    desk.wait_for_load_state()
    office.close()
    task = Rectification.objects.get().task
    assert task.lead_unit == w.lead and task.deadline == datetime.date(2027, 1, 31)

    # The rectification task is in the unit's 我的任务.
    phone.goto(f"{base}/tasks/mine/")
    assert task.title in phone.content()
