"""The trend's and the targets' numbers on a campaign's cockpit are links too: a week's red,
overdue, closed and reports made / owed open the tasks its bulletin listed; a target count
opens the tasks that hold those targets. Each chart carries the numbers of its table."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from cockpit.models import WeekSnapshot
from cycles.services import round_close
from tasks.models import Target
from tests.cockpit.conftest import count_links
from tests.cockpit.test_figures import follow

pytestmark = pytest.mark.django_db

TARGET_LINK = re.compile(r'<a href="([^"]+)" data-targets="(\w+)" data-n="(\d+)"')


@pytest.fixture
def closed(scene, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        round_close(round_id=scene.round.pk, now=scene.round.closes_at)
    scene.round.refresh_from_db()
    return scene


def page(client, w) -> str:
    client.force_login(w.leader)
    return client.get(reverse("cockpit:campaign", args=[w.campaign.slug])).content.decode()


def test_each_weeks_figures_open_the_tasks_its_bulletin_listed(client, closed):
    snapshot = WeekSnapshot.objects.get(campaign=closed.campaign)
    html = page(client, closed)
    table = html.split('data-testid="trend"', 1)[1].split("</table>", 1)[0]
    links = count_links(table)
    result = closed.round.result

    by_kind = {re.search(r"week=(\w+)", url)[1]: (url, n) for url, n in links if "week=" in url}
    assert set(by_kind) == {"red", "overdue", "closed"}
    for kind, (url, n) in by_kind.items():
        listed = {row["id"] for row in result[kind]}
        assert n == len(listed) == getattr(snapshot, kind), kind
        assert follow(client, url) == listed, kind
    assert closed.red1.pk in {row["id"] for row in result["red"]}
    made = [(url, n) for url, n in links if "round=" in url]
    assert sorted(n for _url, n in made) == sorted([snapshot.reported, snapshot.owed])
    for url, n in made:
        assert len(follow(client, url)) == n, url


def test_the_trend_chart_carries_the_numbers_of_its_table(client, closed):
    html = page(client, closed)
    chart = json.loads(unescape(re.search(r'id="trend-data"[^>]*>(.*?)</script>', html, re.S)[1]))
    snapshot = WeekSnapshot.objects.get(campaign=closed.campaign)

    assert (chart["red"], chart["overdue"], chart["closed"]) == (
        [snapshot.red],
        [snapshot.overdue],
        [snapshot.closed],
    )
    assert chart["rate"] == [float(snapshot.rate)] and f"{snapshot.rate}%" in html


def test_target_counts_by_list_and_unit_open_the_tasks_holding_those_targets(client, scene):
    html = page(client, scene)
    tables = html.split('id="targets"', 1)[1].split("</section>", 1)[0]
    links = TARGET_LINK.findall(tables)
    kinds = {
        "any": lambda t: True,
        "met": lambda t: t.current_value is not None and t.achieved,
        "not_met": lambda t: t.current_value is not None and not t.achieved,
        "unmeasured": lambda t: t.current_value is None,
    }
    targets = list(Target.objects.filter(task__task_list__campaign=scene.campaign))

    assert len(links) == 4 * (2 + 3)  # two lists and three lead units hold targets here
    for url, kind, n in links:
        url = unescape(url)
        key = re.search(r"(task_list|lead_unit)=(\d+)", url)
        field = "task__task_list_id" if key[1] == "task_list" else "task__lead_unit_id"
        mine = [t for t in targets if _value(t, field) == int(key[2]) and kinds[kind](t)]
        assert int(n) == len(mine), url
        assert follow(client, url) == {t.task_id for t in mine}, url


def _value(target: Target, field: str) -> int:
    return getattr(target.task, field.removeprefix("task__"))
