"""Downloads: a list and the unit's owed sheet, as the pages give them."""

import io

import openpyxl
import pytest
from django.urls import reverse


def _sheet(response):
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_a_list_exports_the_tasks_the_caller_may_see(api, world):
    url = reverse("apiplus:list_xlsx", args=[world.campaign.slug, world.task_list.pk])
    rows = _sheet(api(world.lead_staff).get(url))
    assert any(world.task.title in [str(v) for v in row] for row in rows)
    assert api(world.other_staff).get(url).status_code == 404


@pytest.mark.django_db
def test_the_owed_sheet_and_the_weekly_bulletin_workbook(api, rounds):
    rows = _sheet(api(rounds.lead_staff).get(reverse("apiplus:owed_xlsx")))
    assert any(rounds.task.title in [str(v) for v in row] for row in rows)
    assert api(rounds.coordinator).get(reverse("apiplus:owed_xlsx")).status_code == 404
    url = reverse("apiplus:round_xlsx", args=[rounds.round.pk])
    _sheet(api(rounds.coordinator).get(url))
    assert api(rounds.other_staff).get(url).status_code == 404
