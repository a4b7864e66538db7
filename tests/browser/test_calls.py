"""揭榜挂帅 in the browser: a unit bids on a phone, a leader awards the bid once bids have
closed, and the claimed task appears in the unit's 我的任务."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from challenges.models import Bid, Call
from challenges.services import call_publish
from tasks.models import Task
from tests.factories import CampaignFactory, TaskListFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, url, username, password):
    page.goto(f"{url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, width


def test_a_unit_bids_on_a_phone_a_leader_awards_and_the_task_is_the_units(
    live_server, phone, password
):
    bureau = UnitFactory(name="区行政审批服务局")
    office = UnitFactory(name="区营商环境建设办公室")
    UnitFactory(name="区大数据局")
    UserFactory(username="staff", unit=bureau, roles=[Role.STAFF], display_name="张联络")
    UserFactory(username="leader", unit=office, roles=[Role.LEADER])
    coordinator = UserFactory(username="coordinator", unit=office, roles=[Role.COORDINATOR])
    campaign = CampaignFactory(slug="action", name="制度执行年行动", organiser=office)
    campaign.coordinators.add(coordinator)
    task_list = TaskListFactory(campaign=campaign, name="区级攻坚清单")
    call = call_publish(
        campaign=campaign,
        by=coordinator,
        task_list=task_list,
        title="推进一件事一次办",
        goal="十个一件事一次办结",
        claim_deadline=timezone.now() + datetime.timedelta(hours=2),
        criteria=[{"name": "方案可行性", "points": 60}, {"name": "目标先进性", "points": 40}],
        targets=[{"metric": "一次办结率", "unit_of_measure": "%", "baseline": 40, "threshold": 90}],
    )
    target = call.targets.get()

    # The unit's staff bids on a phone.
    _log_in(phone, live_server.url, "staff", password)
    phone.goto(f"{live_server.url}/challenges/")
    phone.get_by_role("link", name="推进一件事一次办").click()
    phone.wait_for_url(f"**/challenges/calls/{call.pk}/")
    _fits(phone)
    phone.fill("#id_plan", "整合流程，改造系统，设立专班。")
    phone.fill("#id_commander", "张局长")
    phone.fill(f"#id_target_{target.pk}", "95")
    phone.fill("#id_complete_by", "2031-06-30")
    phone.get_by_test_id("submit-bid").click()
    phone.wait_for_load_state()
    assert phone.get_by_test_id("our-bid").is_visible()
    _fits(phone)
    bid = Bid.objects.get(call=call, unit=bureau)
    assert bid.status == Bid.Status.SUBMITTED and bid.commander == "张局长"

    # Bids close; a leader assesses the bid and awards it.
    Call.objects.filter(pk=call.pk).update(
        claim_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    phone.get_by_role("button", name="退出登录").click()
    _log_in(phone, live_server.url, "leader", password)
    phone.goto(f"{live_server.url}/challenges/bids/{bid.pk}/")
    criteria = list(call.criteria.all())
    phone.fill(f"#id_score_{criteria[0].pk}", "55")
    phone.fill(f"#id_score_{criteria[1].pk}", "35")
    phone.get_by_test_id("assess").click()
    phone.wait_for_load_state()
    assert "90" in phone.get_by_test_id("scores").inner_text()
    phone.get_by_test_id("award").click()
    phone.wait_for_url(f"**/challenges/calls/{call.pk}/")
    assert phone.get_by_test_id("call-status").inner_text() == "已揭榜"
    task = Task.objects.get(claimed=True)
    assert task.lead_unit == bureau and task.targets.get().target_value == 95

    # The task is the unit's: in its 我的任务, waiting for its 签收.
    phone.get_by_role("button", name="退出登录").click()
    _log_in(phone, live_server.url, "staff", password)
    phone.goto(f"{live_server.url}/tasks/mine/")
    assert phone.get_by_role("link", name="推进一件事一次办").first.is_visible()
    assert phone.get_by_text("有1项交办本单位的任务待签收。").is_visible()
    _fits(phone)
