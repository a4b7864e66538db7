"""The weekly bulletin shows unit staff the titles of the tasks they may open only, like the
monthly one (the security test counted 284 foreign titles); the figures stay whole."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cycles.schedule import round_times
from cycles.services import round_open
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(world):
    world.foreign = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.other,
        title="另一单位的逾期任务",
        deadline=datetime.date(2020, 1, 1),
    )
    TaskFactory(
        task_list=world.task_list,
        lead_unit=world.lead,
        title="本单位的逾期任务",
        deadline=datetime.date(2020, 1, 1),
    )
    return round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, datetime.date(2026, 11, 23)),
        now=timezone.now(),
    )


def test_unit_staff_read_only_their_own_titles_but_all_the_figures(client, world, round_):
    client.force_login(world.lead_staff)

    page = client.get(reverse("cycles:round", args=[round_.pk]))

    html = page.content.decode()
    assert "本单位的逾期任务" in html and "另一单位的逾期任务" not in html
    assert page.context["result"]["totals"]["overdue"] == 2
    workbook = client.get(reverse("cycles:round", args=[round_.pk]), {"format": "xlsx"})
    cells = {
        cell
        for sheet in load_workbook(io.BytesIO(workbook.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    assert "本单位的逾期任务" in cells and "另一单位的逾期任务" not in cells


def test_the_coordinator_reads_every_title(client, world, round_):
    client.force_login(world.coordinator)
    html = client.get(reverse("cycles:round", args=[round_.pk])).content.decode()
    assert "本单位的逾期任务" in html and "另一单位的逾期任务" in html
