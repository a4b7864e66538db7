"""The ledger's counts by state on the cockpit (campaign and unit table), the weekly and
monthly bulletins (page and .xlsx) and a task's page: each equals a plain count, and each
number opens the ledger filtered to exactly those problems."""

import datetime
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cycles.models import MonthlyReview
from cycles.schedule import round_times, week_start
from cycles.services import round_open
from problems.models import Problem
from problems.selectors import counts_section, ledger_counts
from problems.services import problem_assign, problem_raise, problem_refer, problem_resolve
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

PROBLEM_LINK = re.compile(r'<a href="([^"]+)" data-problems="(\d+)"')
LEDGER_ROW = re.compile(r'href="/problems/(\d+)/"')


@pytest.fixture
def seed(world):
    """The seed's ledger: 8 problems, 2 resolved, 2 referred to the city, 4 being coordinated,
    entered through the services, over two units; and one of another campaign."""
    w = world
    w.other_task = TaskFactory(task_list=w.task_list, lead_unit=w.other)
    plan = ["resolved"] * 2 + ["referred"] * 2 + ["coordinating"] * 4
    for n, state in enumerate(plan):
        unit, task = (w.lead, w.task) if n % 2 else (w.other, w.other_task)
        problem = problem_raise(
            campaign=w.campaign, by=w.coordinator, title=f"问题{n}", unit=unit, task=task
        )
        if state == "referred":
            problem_refer(
                problem=problem,
                by=w.coordinator,
                referral=Problem.Referral.CITY,
                referred_to="市数据局",
            )
            continue
        problem_assign(problem=problem, by=w.coordinator, unit=unit, due_date=None)
        if state == "resolved":
            problem_resolve(
                problem=Problem.objects.get(pk=problem.pk),
                by=w.coordinator,
                resolution="已协调解决",
            )
    problem_raise(
        campaign=w.other_campaign, by=w.other_coordinator, title="别处的问题", unit=w.lead
    )
    return w


def problem_links(html: str) -> list[tuple[str, int]]:
    return [(unescape(url), int(n)) for url, n in PROBLEM_LINK.findall(html)]


def ledger_ids(client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode().split('data-testid="problems"', 1)[1]
    return {int(pk) for pk in LEDGER_ROW.findall(html)}


def plain(campaign, state: str = "", unit=None) -> set[int]:
    problems = Problem.objects.filter(campaign=campaign)
    if state:
        problems = problems.filter(state=state)
    if unit is not None:
        problems = problems.filter(unit=unit)
    return set(problems.values_list("pk", flat=True))


def check_every_link(client, html: str, campaign) -> int:
    """Every problem count on the page opens exactly that many problems of the ledger, the
    same as a plain count by the state and unit in its address."""
    links = problem_links(html)
    for url, n in links:
        query = dict(re.findall(r"[?&](\w+)=([^&]*)", url))
        unit = int(query["unit"]) if "unit" in query else None
        expected = plain(campaign, query.get("state", ""), unit)
        assert len(expected) == n, url
        assert ledger_ids(client, url) == expected, url
    return len(links)


def test_the_campaign_cockpit_shows_the_seeds_counts_and_each_opens_those_problems(client, seed):
    client.force_login(seed.leader)

    html = client.get(reverse("cockpit:campaign", args=[seed.campaign.slug])).content.decode()

    section = html.split('data-testid="problem-counts"', 1)[1]
    totals = [int(n) for _url, n in problem_links(section.split("problems-by-unit", 1)[0])]
    assert totals == [8, 0, 4, 2, 2]  # raised, waiting, coordinating, resolved, referred
    # Two units' rows in the section, and their cells in the unit table.
    assert check_every_link(client, html, seed.campaign) >= 5 + 2 * 5 + 2 * 4


def test_the_unit_table_shows_each_lead_units_problems(client, seed):
    client.force_login(seed.coordinator)

    html = client.get(reverse("cockpit:campaign", args=[seed.campaign.slug])).content.decode()

    table = html.split('data-testid="unit-table"', 1)[1].split("</table>", 1)[0]
    ledger = reverse("problems:ledger", args=[seed.campaign.slug])
    for unit in (seed.lead, seed.other):
        assert (f"{ledger}?unit={unit.pk}", 4) in problem_links(table)
    check_every_link(client, table, seed.campaign)


def test_the_weekly_bulletin_and_its_xlsx_carry_the_counts(client, seed):
    today = datetime.date.today()
    times = round_times(seed.campaign, week_start(today))
    round_ = round_open(campaign=seed.campaign, times=times, now=times.opens_at)
    url = reverse("cycles:round", args=[round_.pk])
    client.force_login(seed.coordinator)

    html = client.get(url).content.decode()
    assert check_every_link(client, html, seed.campaign) == 5 + 2 * 5
    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))["问题台账"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][1:] == [8, 0, 4, 2, 2]
    assert sorted(r[1] for r in rows[2:]) == [4, 4]

    # A unit's staff read the published numbers but get no link to other units' problems.
    client.force_login(seed.lead_staff)
    staff = client.get(url).content.decode()
    assert 'data-testid="problem-counts"' in staff and not problem_links(staff)


def test_the_monthly_bulletin_and_its_xlsx_carry_the_counts(client, seed):
    review = MonthlyReview.objects.create(
        campaign=seed.campaign,
        month=datetime.date(2026, 10, 1),
        status=MonthlyReview.Status.CERTIFIED,
    )
    url = reverse("cycles:review_bulletin", args=[review.pk])
    client.force_login(seed.leader)

    html = client.get(url).content.decode()
    assert check_every_link(client, html, seed.campaign) == 5 + 2 * 5
    workbook = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))
    rows = list(workbook["问题台账"].iter_rows(values_only=True))
    assert list(rows[1][1:]) == [8, 0, 4, 2, 2]


def test_a_tasks_page_lists_its_problems_and_the_office_may_enter_one(client, seed):
    mine = Problem.objects.filter(task=seed.task)
    client.force_login(seed.coordinator)

    html = client.get(reverse("tasks:detail", args=[seed.task.pk])).content.decode()

    section = html.split('data-testid="task-problems"', 1)[1].split("</article>", 1)[0]
    assert {int(pk) for pk in LEDGER_ROW.findall(section)} == set(mine.values_list("pk", flat=True))
    assert "已解决" in section and "已移交" in section
    raise_url = unescape(
        re.search(r'href="([^"]+)" class="small" data-testid="raise-by-hand"', section).group(1)
    )
    form = client.get(raise_url).content.decode()
    assert f'value="{seed.task.code}"' in form

    # The lead unit's staff read its problems here but do not enter them by hand.
    client.force_login(seed.lead_staff)
    html = client.get(reverse("tasks:detail", args=[seed.task.pk])).content.decode()
    assert "raise-by-hand" not in html


def test_the_overview_counts_each_campaigns_problems(client, seed):
    client.force_login(seed.leader)

    html = client.get(reverse("cockpit:overview")).content.decode()

    article = html.split(f'data-campaign="{seed.campaign.slug}"', 1)[1]
    line = article.split('data-testid="campaign-problems"', 1)[1].split("</p>", 1)[0]
    assert [n for _url, n in problem_links(line)] == [8, 4, 2, 2]  # nothing waiting: left out
    check_every_link(client, line, seed.campaign)


def test_the_ledgers_own_counts_open_those_problems(client, seed):
    client.force_login(seed.coordinator)
    html = client.get(reverse("problems:ledger", args=[seed.campaign.slug])).content.decode()

    links = re.findall(r'<a href="([^"]+)"><strong data-testid="count-\w+">(\d+)<', html)
    cells = re.findall(r'<td><a href="([^"]+)">(\d+)</a></td>', html)

    assert len(links) == 5 and len(cells) == 2 * 5
    for url, n in links + cells:
        query = dict(re.findall(r"[?&](\w+)=([^&]*)", unescape(url)))
        unit = int(query["unit"]) if "unit" in query else None
        expected = plain(seed.campaign, query.get("state", ""), unit)
        assert int(n) == len(expected) and ledger_ids(client, unescape(url)) == expected, url


def test_the_counts_added_up_from_the_units_equal_a_plain_count(seed, django_assert_num_queries):
    problems = Problem.objects.filter(campaign=seed.campaign)

    with django_assert_num_queries(1):
        section = counts_section(campaign=seed.campaign, problems=problems, links=True)

    plain = ledger_counts(problems)
    assert section["counts"] == plain
    assert (
        section["counts"]
        == counts_section(campaign=seed.campaign, problems=problems, links=True, per_unit=False)[
            "counts"
        ]
    )
    assert (plain.total, plain.resolved, plain.referred_city, plain.coordinating) == (8, 2, 2, 4)
    assert len(section["rows"]) == 2
