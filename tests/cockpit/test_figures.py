"""The cockpit's figures equal plain counts over the tasks, for each role, and every number is
a link to exactly the tasks it counts (followed, and the ids compared)."""

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from cockpit.models import WeekSnapshot
from cockpit.selectors.redlist import first_red, red_list
from cycles.models import RoundItem
from cycles.schedule import month_start, previous_month
from tasks.lights import Light
from tasks.models import ProgressReport, Target, Task
from tests.cockpit.conftest import build_scene, count_links, days, task_ids
from tests.factories import TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db


def counted(w, **filters):
    """The plain count: the campaign's published work, filtered in Python."""
    return [
        t
        for t in Task.objects.filter(task_list__campaign=w.campaign, **filters).select_related(
            "task_list"
        )
        if t.is_work and t.status != Task.Status.DRAFT
    ]


def plain_figures(w) -> dict[str, set[int]]:
    tasks = counted(w)
    light = {t.pk: t.light_on(w.today) for t in tasks}
    owed = RoundItem.objects.filter(round=w.round)
    reported = {
        item.task_id
        for item in owed
        if ProgressReport.objects.filter(
            task_id=item.task_id,
            unit_id=item.lead_unit_id,
            submitted_at__gte=w.round.opens_at,
            submitted_at__lt=w.round.closes_at,
        ).exists()
    }
    return {
        "tasks": {t.pk for t in tasks},
        "closed": {t.pk for t in tasks if t.status == Task.Status.CLOSED},
        "awaiting": {t.pk for t in tasks if t.status == Task.Status.AWAITING_SIGNOFF},
        "on_track": {
            t.pk
            for t in tasks
            if t.status == Task.Status.IN_PROGRESS and light[t.pk].light == Light.GREEN
        },
        "yellow": {t.pk for t in tasks if light[t.pk].light == Light.YELLOW},
        "red": {t.pk for t in tasks if light[t.pk].light == Light.RED},
        "overdue": {t.pk for t in tasks if light[t.pk].overdue},
        "owed": {i.task_id for i in owed},
        "reported": reported,
        "not_reported": {i.task_id for i in owed} - reported,
    }


def figure_links(html: str) -> dict[str, tuple[str, int]]:
    pattern = re.compile(r'<a href="([^"]+)" data-count="(\d+)" data-figure="(\w+)"')
    return {name: (url.replace("&amp;", "&"), int(n)) for url, n, name in pattern.findall(html)}


def follow(client, url: str) -> set[int]:
    """Every task the link lists, page after page."""
    ids: set[int] = set()
    page = 1
    while True:
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}page={page}")
        assert response.status_code == 200, url
        html = response.content.decode()
        ids |= task_ids(html.split('class="tasks striped"', 1)[-1])
        if f"page={page + 1}" not in html:
            return ids
        page += 1


@pytest.mark.parametrize("who", ["leader", "coordinator"])
def test_headline_figures_equal_plain_counts_and_their_links_open_those_tasks(client, scene, who):
    client.force_login(scene.leader if who == "leader" else scene.coordinator)
    expected = plain_figures(scene)
    # The scene has every case at least once, so a wrong rule cannot hide behind zeros.
    assert all(expected[k] for k in ("red", "yellow", "on_track", "closed", "awaiting"))

    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()
    links = figure_links(html)

    assert set(links) == set(expected)
    for name, (url, number) in links.items():
        assert number == len(expected[name]), name
        assert follow(client, url) == expected[name], name
    assert scene.draft.pk not in expected["tasks"]


def test_targets_met_count_targets_and_open_the_tasks_that_hold_them(client, scene):
    client.force_login(scene.leader)
    targets = Target.objects.filter(task__task_list__campaign=scene.campaign)
    met = [t for t in targets if t.achieved]

    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()

    shown = re.search(r'data-figure="targets_met">(\d+)</a> / <a[^>]*>(\d+)</a>', html)
    assert (int(shown[1]), int(shown[2])) == (len(met), targets.count())
    url = re.search(r'href="([^"]+)" data-targets="met"', html)[1].replace("&amp;", "&")
    assert follow(client, url) == {t.task_id for t in met}


def test_every_number_on_the_cockpit_opens_exactly_that_many_tasks(client, scene):
    """The heat map, categories, unit table and headline: follow each link and count."""
    client.force_login(scene.coordinator)
    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()

    links = count_links(html)

    assert len(links) > 40
    for url, number in links:
        assert len(follow(client, url)) == number, url


def test_heat_map_cells_equal_plain_counts_by_lead_unit_and_list(client, scene):
    client.force_login(scene.leader)
    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()
    heat = html.split('data-testid="heat-map"', 1)[1].split("</table>", 1)[0]

    cells = {}
    for url, number in count_links(heat):
        query = parse_qs(urlparse(url).query)
        if "task_list" in query:
            key = (int(query["lead_unit"][0]), int(query["task_list"][0]), query["light"][0])
            cells[key] = number
    expected = {}
    for t in counted(scene):
        light = t.light_on(scene.today).light
        if light in (Light.RED, Light.YELLOW):
            key = (t.lead_unit_id, t.task_list_id, str(light))
            expected[key] = expected.get(key, 0) + 1

    assert cells == expected
    # red2 (区发展改革局, policies) is one of them: "区发展改革局 · 红灯 1" opens red2.
    red2 = (scene.other.pk, scene.policies.pk, "red")
    assert cells[red2] == 1


def test_the_unit_table_counts_each_lead_unit_and_its_reporting(client, scene):
    client.force_login(scene.leader)
    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()
    table = html.split('data-testid="unit-table"', 1)[1].split("</table>", 1)[0]

    red_by_unit, owed_by_unit = {}, {}
    for url, number in count_links(table):
        query = parse_qs(urlparse(url).query)
        if query.get("light") == ["red"]:
            red_by_unit[int(query["lead_unit"][0])] = number
        if "round" in query and "reported" not in query:
            owed_by_unit[int(query["round_unit"][0])] = number

    expected_red = {}
    for t in counted(scene):
        if t.light_on(scene.today).light == Light.RED:
            expected_red[t.lead_unit_id] = expected_red.get(t.lead_unit_id, 0) + 1
    assert {k: v for k, v in red_by_unit.items() if v} == expected_red
    owed = {}
    for item in RoundItem.objects.filter(round=scene.round):
        owed[item.lead_unit_id] = owed.get(item.lead_unit_id, 0) + 1
    assert owed_by_unit == owed


def test_a_staff_member_has_no_cockpit_and_sees_only_their_own_units_page(client, scene):
    client.force_login(scene.lead_staff)

    assert client.get(reverse("cockpit:overview")).status_code == 404
    assert client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).status_code == 404
    assert client.get(reverse("cockpit:unit", args=[scene.other.pk])).status_code == 404
    own = client.get(reverse("cockpit:unit", args=[scene.lead.pk]))
    assert own.status_code == 200


def test_a_coordinator_sees_only_the_campaigns_they_coordinate(client, scene):
    client.force_login(scene.other_coordinator)

    overview = client.get(reverse("cockpit:overview")).content.decode()

    assert scene.campaign.name not in overview
    assert scene.foreign_red.title in overview  # their campaign's red task
    assert scene.red2.title not in overview
    assert client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).status_code == 404
    tasks = reverse("cockpit:tasks", args=[scene.campaign.slug])
    assert client.get(tasks).status_code == 404


def test_the_overview_lists_every_campaign_and_the_red_list_longest_overdue_first(client, scene):
    client.force_login(scene.leader)

    html = client.get(reverse("cockpit:overview")).content.decode()

    assert html.count('data-testid="campaign"') == 2
    red = html.split('data-testid="red-list"', 1)[1].split("</table>", 1)[0]
    order = [int(pk) for pk in re.findall(r'data-task="(\d+)"', red)]
    assert order == [scene.foreign_red.pk, scene.red2.pk, scene.red1.pk, scene.red3.pk]
    assert "张三" in red and "李四" in red  # owners
    assert red.count('action="/tasks/') == 4  # a leader may instruct on every one


def test_leaders_land_on_the_overview_and_coordinators_on_their_campaigns(client, scene):
    client.force_login(scene.leader)
    assert client.get("/")["Location"] == reverse("cockpit:overview")
    client.force_login(scene.coordinator)
    assert client.get("/")["Location"] == reverse("campaigns:list")


def test_the_worst_units_come_first_and_every_unit_is_one_click_away(client, scene):
    for n in range(60):
        TaskFactory(task_list=scene.task_list, lead_unit=UnitFactory(), deadline=days(-1 - n % 3))
    client.force_login(scene.leader)
    url = reverse("cockpit:campaign", args=[scene.campaign.slug])

    first = client.get(url).content.decode()
    every = client.get(url + "?all=1").content.decode()

    def rows(html, table):
        return html.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0].count("<tr>") - 1

    assert (rows(first, "heat-map"), rows(first, "unit-table")) == (30, 50)
    units_now = Task.objects.filter(task_list__campaign=scene.campaign).values("lead_unit")
    assert rows(every, "unit-table") == units_now.distinct().count() == 63
    assert rows(every, "heat-map") == 63  # every unit has a red or yellow task
    assert "?all=1#heat-map" in first and "?all=1#heat-map" not in every


def test_last_months_reporting_adds_up_the_weeks_of_that_month(client, scene):
    month = previous_month(scene.today)
    weeks = [month + datetime.timedelta(days=d) for d in (0, 7)]
    for week, figures in zip(weeks, ([4, 3, 2], [2, 1, 1]), strict=True):
        WeekSnapshot.objects.create(
            campaign=scene.campaign,
            week_start=week,
            as_of=timezone.now(),
            source="history",
            units={str(scene.lead.pk): figures, str(scene.other.pk): [5, 5, 5]},
        )
    WeekSnapshot.objects.create(  # this month's: not last month's
        campaign=scene.campaign,
        week_start=month_start(scene.today) + datetime.timedelta(days=7),
        as_of=timezone.now(),
        source="history",
        units={str(scene.lead.pk): [9, 0, 0]},
    )
    client.force_login(scene.leader)

    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()

    table = html.split('data-testid="unit-table"', 1)[1].split("</table>", 1)[0]
    lead = table.split(f'href="/cockpit/units/{scene.lead.pk}/"', 1)[1].split("</tr>", 1)[0]
    other = table.split(f'href="/cockpit/units/{scene.other.pk}/"', 1)[1].split("</tr>", 1)[0]
    assert "66.7%" in lead and "(4/6)" in lead
    assert "100.0%" in other and "(10/10)" in other


def test_the_first_red_tasks_are_the_red_lists_first_in_its_order(world):
    w = build_scene(world, extra=12)  # 4 more overdue tasks, several on the same deadline
    ids = {w.campaign.pk, w.other_campaign.pk}

    whole = [t.pk for t in red_list(campaign_ids=ids, today=w.today)]
    first = [t.pk for t in first_red(campaign_ids=ids, today=w.today, limit=5)]

    assert len(whole) == 8
    assert first == whole[:5]
    assert [t.pk for t in first_red(campaign_ids=ids, today=w.today, limit=50)] == whole
