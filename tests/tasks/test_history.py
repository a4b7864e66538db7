"""The task page's history (变更记录) is read when its section is opened, not with every view
of the page: a task reported on weekly for a year has a hundred events, which were most of
its page's CPU (README, "Load and faults")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.models import TaskEvent
from tasks.services import report_submit, task_update
from tests.conftest import page_reads

pytestmark = pytest.mark.django_db


def _page(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), page_reads(ctx)


def test_the_task_page_does_not_read_its_history_and_costs_the_same_however_long_it_is(
    client, world
):
    def weeks(numbers):
        for week in numbers:
            report_submit(task=world.task, by=world.lead_staff, text=f"第{week}周", percent=week)

    weeks(range(1, 12))
    client.force_login(world.lead_staff)
    url = reverse("tasks:detail", args=[world.task.pk])
    client.get(url)
    _short, few = _page(client, url)

    weeks(range(12, 40))
    assert TaskEvent.objects.filter(task=world.task).count() >= 78
    long, many = _page(client, url)

    assert many == few
    history = reverse("tasks:history", args=[world.task.pk])
    assert f'hx-get="{history}"' in long and 'data-testid="history"' not in long
    assert "第39周" in long  # the newest reports are on the page


def test_the_page_shows_the_newest_reports_and_every_one_when_asked_with_the_whole_series(
    client, world
):
    """A task reported on for a year: its page draws the newest ``REPORTS_SHOWN`` reports and
    a link to all of them; the targets' series still has every report's value."""
    from tasks.task_page import REPORTS_SHOWN

    for week in range(12):
        report_submit(
            task=world.task,
            by=world.lead_staff,
            text=f"第{week}周",
            percent=30 + week,
            target_values={world.target.pk: 56 + week},
        )
    client.force_login(world.lead_staff)
    url = reverse("tasks:detail", args=[world.task.pk])

    newest = client.get(url).content.decode()
    every = client.get(url, {"reports": "all"}).content.decode()

    def series(page: str) -> int:
        shown = page.split('data-testid="target-series"', 1)[1].split("</ol>", 1)[0]
        return shown.count("<li>")

    assert newest.count('data-testid="report"') == REPORTS_SHOWN == 10
    assert "显示全部12条进展报告" in newest and "第11周" in newest and "第0周" not in newest
    assert every.count('data-testid="report"') == 12 and 'data-testid="all-reports"' not in every
    assert series(newest) == series(every) == 1 + 12  # the baseline, then each report


def test_the_history_lists_every_event_as_a_fragment_for_the_page_or_a_page_of_its_own(
    client, world
):
    task_update(task=world.task, by=world.coordinator, progress=35)
    report_submit(task=world.task, by=world.lead_staff, text="本周推进", percent=40)
    events = TaskEvent.objects.filter(task=world.task)
    client.force_login(world.lead_staff)
    url = reverse("tasks:history", args=[world.task.pk])

    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    page = client.get(url).content.decode()

    assert "<html" not in fragment and fragment.count("<li>") == events.count() == 3
    assert "progress: 20 → 35" in fragment and "progress: 35 → 40" in fragment
    assert str(world.coordinator) in fragment
    assert "<html" in page and fragment.strip() in page
    assert reverse("tasks:detail", args=[world.task.pk]) in page


def test_another_units_staff_reads_no_history_of_a_task_it_cannot_see(client, world):
    client.force_login(world.other_staff)

    assert client.get(reverse("tasks:history", args=[world.task.pk])).status_code == 404
