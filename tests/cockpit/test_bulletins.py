"""The bulletins: every task number a link for those who may open the task, unique across the
campaign, tables that become cards on a phone, and the same figures as the cockpit."""

import re

import pytest
from django.urls import reverse

from cockpit.models import WeekSnapshot
from cycles.services import round_close
from tests.cockpit.conftest import count_links
from tests.cockpit.test_figures import follow
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(scene, django_capture_on_commit_callbacks):
    # A number used in both lists: the bulletin must say which list it means.
    scene.twin = TaskFactory(
        task_list=scene.policies, code=scene.red1.code, lead_unit=scene.other, deadline=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        round_close(round_id=scene.round.pk, now=scene.round.closes_at)
    scene.round.refresh_from_db()
    return scene


def sections(html: str) -> str:
    return html.split('data-testid="task-sections"', 1)[1]


def test_task_numbers_link_to_tasks_the_reader_may_open(client, closed):
    red = {t["id"] for t in closed.round.result["red"]}
    assert closed.red1.pk in red and closed.red2.pk in red

    client.force_login(closed.leader)
    leader = sections(client.get(reverse("cycles:round", args=[closed.round.pk])).content.decode())
    client.force_login(closed.lead_staff)
    staff = sections(client.get(reverse("cycles:round", args=[closed.round.pk])).content.decode())

    assert {int(pk) for pk in re.findall(r'href="/tasks/(\d+)/"', leader)} >= red
    linked = {int(pk) for pk in re.findall(r'href="/tasks/(\d+)/"', staff)}
    assert closed.red1.pk in linked  # its unit leads it
    assert closed.red2.pk not in linked
    # Another unit's red task is not listed to unit staff at all (等保: titles only of the
    # tasks the reader may open, as on the monthly bulletin); the figures stay everyone's.
    assert closed.red2.title not in staff
    assert closed.red2.title in leader


def test_a_number_used_in_two_lists_is_shown_with_its_list(client, closed):
    client.force_login(closed.leader)

    html = client.get(reverse("cycles:round", args=[closed.round.pk])).content.decode()

    label = f"{closed.task_list.name} · {closed.red1.code}"
    assert f'<a href="/tasks/{closed.red1.pk}/">{label}</a>' in html
    assert f">{closed.red2.code}</a>" in html  # a number used once stays as it is


def test_the_units_not_reported_are_links_too(client, closed):
    client.force_login(closed.coordinator)

    html = client.get(reverse("cycles:round", args=[closed.round.pk])).content.decode()

    units = html.split('data-testid="units"', 1)[1].split("</table>", 1)[0]
    missing = {pk for u in closed.round.result["units"] for pk in u["missing_ids"]}
    assert missing and {int(pk) for pk in re.findall(r"/tasks/(\d+)/", units)} == missing


def test_the_weekly_bulletin_and_the_cockpits_trend_give_the_same_figures(client, closed):
    week = WeekSnapshot.objects.get(campaign=closed.campaign, week_start=closed.round.week_start)
    totals = closed.round.result["totals"]

    assert (week.owed, week.reported, week.late, float(week.rate)) == (
        totals["owed"],
        totals["reported"],
        totals["late"],
        totals["rate"],
    )
    assert (week.red, week.overdue, week.closed) == (
        totals["red"],
        totals["overdue"],
        totals["closed"],
    )
    client.force_login(closed.leader)
    cockpit = client.get(reverse("cockpit:campaign", args=[closed.campaign.slug])).content.decode()
    trend = cockpit.split('data-testid="trend"', 1)[1].split("</table>", 1)[0]
    trend = re.sub(r"<[^>]+>", "", trend)  # the figures are links to the tasks behind them
    assert f"{totals['rate']}%" in trend and f"{totals['reported']} / {totals['owed']}" in trend
    # The cockpit's headline for this week's reporting is the same round.
    assert f'data-figure="reported">{totals["reported"]}</a>' in cockpit


def test_the_bulletins_tables_are_cards_on_a_phone(client, closed):
    client.force_login(closed.leader)

    html = client.get(reverse("cycles:round", args=[closed.round.pk])).content.decode()

    units = html.split('data-testid="units"', 1)[0].rsplit("<table", 1)[1]
    assert 'class="compact striped cards"' in units
    assert html.count('data-label="') > 10


def test_a_units_page_shows_the_closed_weeks_reporting_as_its_bulletin_published_it(client, closed):
    published = next(u for u in closed.round.result["units"] if u["unit_id"] == closed.other.pk)
    client.force_login(closed.other_staff)

    html = client.get(reverse("cockpit:unit", args=[closed.other.pk])).content.decode()

    table = html.split('data-testid="punctuality"', 1)[1].split("</table>", 1)[0]
    numbers = {}
    for url, n in count_links(table):
        numbers[url.split("reported=")[1].split("&")[0] if "reported=" in url else "owed"] = n
        assert len(follow(client, url)) == n, url  # the week's tasks, counted again
    assert numbers == {
        "owed": published["owed"],
        "yes": published["reported"],
        "late": published["late"],
        "no": published["owed"] - published["reported"],
    }
