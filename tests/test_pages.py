import datetime
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tasks.models import TaskSupport
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(approval_unit):
    """Two campaigns; the approval bureau leads one task, supports another, and is absent from a third."""
    office = UnitFactory(name="区营商环境建设办公室")
    coordinator = UserFactory(username="coordinator", unit=office, roles=[Role.COORDINATOR])
    campaign = CampaignFactory(name="改革攻坚行动", slug="reform")
    campaign.coordinators.add(coordinator)
    other_campaign = CampaignFactory(name="另一个行动", slug="other")
    lst = TaskListFactory(campaign=campaign, name="改革攻坚任务清单")
    other = UnitFactory(name="区发展改革局")
    led = TaskFactory(task_list=lst, lead_unit=approval_unit, title="推行容缺受理机制")
    supported = TaskFactory(task_list=lst, lead_unit=other, title="全面推行区域评估")
    TaskSupport.objects.create(task=supported, unit=approval_unit)
    foreign = TaskFactory(
        task_list=TaskListFactory(campaign=other_campaign), lead_unit=other, title="别的单位的任务"
    )
    return {
        "campaign": campaign,
        "other_campaign": other_campaign,
        "list": lst,
        "led": led,
        "supported": supported,
        "foreign": foreign,
        "coordinator": coordinator,
        "other_unit": other,
    }


def test_login_page_is_in_chinese_and_loads_only_local_assets(client):
    response = client.get(reverse("login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "登录" in html
    assert '<html lang="zh-hans">' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "an asset would come from outside"


def test_the_page_can_be_switched_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("login")).content.decode()
    assert "Log in" in html


def test_staff_land_on_their_units_tasks(client, world, staff_user, password):
    client.login(username="staff", password=password)

    response = client.get("/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("tasks:mine")
    assert "我的任务" in html
    assert world["led"].title in html
    assert world["supported"].title in html
    assert world["foreign"].title not in html


def test_staff_can_filter_to_the_tasks_their_unit_leads(client, world, staff_user, password):
    client.login(username="staff", password=password)

    html = client.get(reverse("tasks:mine"), {"role": "lead"}).content.decode()

    assert world["led"].title in html
    assert world["supported"].title not in html


def test_filter_by_light_shows_only_red_tasks(client, world, staff_user, password):
    world["led"].deadline = datetime.date(2000, 1, 1)
    world["led"].save()
    client.login(username="staff", password=password)

    html = client.get(reverse("tasks:mine"), {"light": "red"}).content.decode()

    assert world["led"].title in html
    assert world["supported"].title not in html


def test_another_units_task_answers_404(client, world, staff_user, password):
    client.login(username="staff", password=password)

    assert client.get(reverse("tasks:detail", args=[world["led"].pk])).status_code == 200
    assert client.get(reverse("tasks:detail", args=[world["supported"].pk])).status_code == 200
    assert client.get(reverse("tasks:detail", args=[world["foreign"].pk])).status_code == 404


def test_coordinators_see_their_campaigns_with_lists(client, world, password):
    client.login(username="coordinator", password=password)

    response = client.get("/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("campaigns:list")
    assert "改革攻坚行动" in html and "改革攻坚任务清单" in html
    assert "另一个行动" not in html
    other = reverse("campaigns:detail", args=[world["other_campaign"].slug])
    assert client.get(other).status_code == 404


def test_leaders_see_every_campaign_and_can_filter_a_list(client, world, password):
    UserFactory(username="leader", roles=[Role.LEADER])
    client.login(username="leader", password=password)

    overview = client.get(reverse("campaigns:list")).content.decode()
    url = reverse("campaigns:list_detail", args=[world["campaign"].slug, world["list"].pk])
    filtered = client.get(url, {"unit": world["other_unit"].pk}).content.decode()
    detail = client.get(reverse("campaigns:detail", args=[world["campaign"].slug]))

    assert "改革攻坚行动" in overview and "另一个行动" in overview
    assert world["supported"].title in filtered and world["led"].title not in filtered
    assert detail.status_code == 200
    assert "echarts.min.js" in detail.content.decode()


def test_auditors_see_no_task_content(client, world, password):
    UserFactory(username="auditor", roles=[Role.AUDITOR])
    client.login(username="auditor", password=password)

    home = client.get("/").content.decode()

    assert world["led"].title not in home
    assert client.get(reverse("tasks:mine")).content.decode().count("推行容缺受理机制") == 0
    assert client.get(reverse("tasks:detail", args=[world["led"].pk])).status_code == 404
    assert client.get(reverse("campaigns:list")).content.decode().count("改革攻坚行动") == 0


def test_anonymous_visitors_are_sent_to_login(client, world):
    for url in (
        "/",
        reverse("tasks:mine"),
        reverse("tasks:detail", args=[world["led"].pk]),
        reverse("campaigns:list"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_logout_needs_a_post(client, staff_user, password):
    client.login(username="staff", password=password)

    assert client.get(reverse("logout"))["Location"] == reverse("home")
    assert client.get(reverse("tasks:mine")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("tasks:mine")).status_code == 302


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_my_tasks_costs_the_same_queries_for_5_or_50_tasks(client, world, staff_user, password):
    client.login(username="staff", password=password)
    lst = world["list"]
    for _ in range(3):
        task = TaskFactory(task_list=lst, lead_unit=world["other_unit"])
        TaskSupport.objects.create(task=task, unit=staff_user.unit)
    few = _queries(client, reverse("tasks:mine"))
    for _ in range(45):
        task = TaskFactory(task_list=lst, lead_unit=staff_user.unit)
        TaskSupport.objects.create(task=task, unit=UnitFactory())

    many = _queries(client, reverse("tasks:mine"))

    assert many == few


def test_campaign_pages_cost_the_same_queries_as_tasks_grow(client, world, password):
    client.login(username="coordinator", password=password)
    urls = [
        reverse("campaigns:list"),
        reverse("campaigns:detail", args=[world["campaign"].slug]),
        reverse("campaigns:list_detail", args=[world["campaign"].slug, world["list"].pk]),
    ]
    before = [_queries(client, url) for url in urls]
    for _ in range(40):
        TaskFactory(task_list=world["list"], lead_unit=UnitFactory())

    assert [_queries(client, url) for url in urls] == before


def test_the_api_lists_only_visible_tasks_and_has_a_schema(client, world, staff_user, password):
    client.login(username="staff", password=password)

    data = client.get("/api/tasks/").json()
    schema = client.get(reverse("api-schema"))

    titles = {row["title"] for row in data["results"]}
    assert titles == {world["led"].title, world["supported"].title}
    assert schema.status_code == 200
    assert b"/api/v1/tasks/" in schema.content


def test_healthz_reports_the_database_and_heartbeats(client):
    from accounts.services import heartbeat_beat

    heartbeat_beat(name="worker")

    data = client.get(reverse("healthz")).json()

    assert data["database"] == "ok"
    assert data["heartbeats"]["worker"]["age_seconds"] < 60


def test_pages_are_chinese_even_when_the_browser_asks_for_english(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "登录" in html


def test_every_page_loads_the_forms_script_and_the_confirmation_dialog_and_no_inline_script(
    client,
):
    html = client.get(reverse("login")).content.decode()

    assert re.search(r'<script src="/static/js/forms\.js" defer>', html)
    assert '<template id="confirm-dialog">' in html
    templates = Path(__file__).resolve().parent.parent / "templates"
    inline = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"\son[a-z]+=|javascript:|<script(?![^>]*\bsrc=)[^>]*>", path.read_text())
    ]
    assert inline == []


def test_the_favicon_is_served_from_static_and_named_by_every_page(client):
    html = client.get(reverse("login")).content.decode()
    moved = client.get("/favicon.ico")
    icon = client.get(moved["Location"])

    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert moved["Location"] == "/static/favicon.ico"
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_breadcrumbs_on_the_task_page_are_links_to_its_campaign_list_and_category(
    client, world, staff_user
):
    led = world["led"]
    client.force_login(staff_user)

    html = client.get(reverse("tasks:detail", args=[led.pk])).content.decode()
    crumbs = re.search(r'<nav aria-label="breadcrumb">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)">', crumbs)

    assert links[:2] == [
        reverse("campaigns:detail", args=["reform"]),
        reverse("campaigns:list_detail", args=["reform", world["list"].pk]),
    ]
    for link in links:
        assert client.get(link).status_code == 200


def test_a_download_keeps_its_chinese_name_with_an_ascii_name_beside_it():
    from config.pages import attachment

    header = attachment("改革攻坚行动-2026年第48周-周通报.xlsx", "reform-2026-11-23.xlsx")

    assert header.startswith('attachment; filename="reform-2026-11-23.xlsx"; ')
    assert header.endswith(
        "filename*=UTF-8''%E6%94%B9%E9%9D%A9%E6%94%BB%E5%9D%9A%E8%A1%8C%E5%8A%A8-2026"
        "%E5%B9%B4%E7%AC%AC48%E5%91%A8-%E5%91%A8%E9%80%9A%E6%8A%A5.xlsx"
    )
    assert 'filename="plain.xlsx"' in attachment("plain.xlsx")
    assert 'filename="a_b_.xlsx"' in attachment('a"b\\.xlsx')


def test_the_weekly_bulletin_downloads_under_its_chinese_name(client, world):
    from urllib.parse import unquote

    from django.utils import timezone

    from cycles.schedule import round_times
    from cycles.services import round_open

    campaign = world["campaign"]
    round_ = round_open(
        campaign=campaign,
        times=round_times(campaign, datetime.date(2026, 11, 23)),
        now=timezone.now(),
    )
    client.force_login(world["coordinator"])

    response = client.get(reverse("cycles:round", args=[round_.pk]), {"format": "xlsx"})

    disposition = response["Content-Disposition"]
    assert unquote(disposition.split("UTF-8''")[1]) == "改革攻坚行动-2026年第48周-周通报.xlsx"
    assert 'filename="reform-2026-11-23.xlsx"' in disposition
