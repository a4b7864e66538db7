"""Dispatch rounds, the weekly bulletin as JSON, and what a unit still owes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cycles.schedule import round_times
from cycles.services import round_bulletin, round_open
from tests.factories import TaskFactory


@pytest.mark.django_db
def test_the_campaigns_rounds_for_whoever_sees_it(api, rounds):
    url = reverse("apiplus:rounds", args=[rounds.campaign.slug])
    response = api(rounds.lead_staff).get(url)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [rounds.round.pk]
    assert response.json()["results"][0]["label"] == rounds.round.iso_label

    for outsider in (rounds.other_staff, rounds.auditor):
        refused = api(outsider).get(url)
        assert refused.status_code == 404


@pytest.mark.django_db
def test_the_weekly_bulletin_has_the_figures_of_the_page(api, rounds):
    round_ = rounds.round
    expected = round_bulletin(round_=round_, until=round_.closes_at)

    response = api(rounds.coordinator).get(reverse("apiplus:round", args=[round_.pk]))

    assert response.status_code == 200
    body = response.json()
    assert body["provisional"] is True and body["round"]["id"] == round_.pk
    assert body["bulletin"]["units"] == expected["units"]
    assert len(body["bulletin"]["units"]) == 1  # one lead unit owes one report
    assert api(rounds.other_staff).get(reverse("apiplus:round", args=[round_.pk])).status_code == (
        404
    )


@pytest.mark.django_db
def test_a_unit_sees_what_it_still_owes(api, rounds):
    response = api(rounds.lead_staff).get(reverse("apiplus:owed"))
    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == rounds.lead.name
    assert (body["total"], body["reported"]) == (1, 0)
    assert [t["id"] for t in body["tasks"]] == [rounds.task.pk]
    assert body["rounds"][0]["missing"] == 1

    # A unit that owes nothing; people of no unit's reporting (coordinator, auditor): 404.
    assert api(rounds.support_staff).get(reverse("apiplus:owed")).json()["total"] == 0
    for outsider in (rounds.coordinator, rounds.auditor):
        assert api(outsider).get(reverse("apiplus:owed")).status_code == 404


@pytest.mark.django_db
def test_owed_costs_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    for n in range(20):
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, code=f"X{n}")
    round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, timezone.localdate() - datetime.timedelta(days=7)),
        now=timezone.now(),
    )
    client = api(world.lead_staff)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("apiplus:owed"))
    assert response.json()["total"] == 21
