"""The pages of 揭榜挂帅: publishing through the form, bidding through the call page, the
榜单 with what a plain count gives, at the same cost for any number of calls."""

import datetime

import pytest
from django.urls import reverse

from challenges.models import Bid, Call
from challenges.services import bid_award, bid_submit, call_publish
from tasks.models import Task
from tests.challenges.conftest import CRITERIA, bid_values

pytestmark = pytest.mark.django_db


def test_a_coordinator_publishes_a_call_through_the_form(world, client):
    client.force_login(world.coordinator)
    url = reverse("challenges:publish", args=[world.campaign.slug])
    form = client.get(url)
    assert form.status_code == 200
    assert [c["name"] for c in form.context["criteria"].initial] == [
        "方案可行性",
        "目标先进性",
        "保障措施",
    ]

    response = client.post(
        url,
        {
            "task_list": world.task_list.pk,
            "title": "破解不动产登记难题",
            "goal": "登记一日办结",
            "claim_deadline": "2031-01-10T17:00",
            "places": 1,
            "units": [world.lead.pk, world.other.pk],
            "targets-TOTAL_FORMS": 1,
            "targets-INITIAL_FORMS": 0,
            "targets-0-metric": "一日办结率",
            "targets-0-unit_of_measure": "%",
            "targets-0-baseline": "30",
            "targets-0-threshold": "80",
            "targets-0-direction": "higher",
            "criteria-TOTAL_FORMS": 2,
            "criteria-INITIAL_FORMS": 0,
            "criteria-0-name": "方案",
            "criteria-0-points": 70,
            "criteria-1-name": "保障",
            "criteria-1-points": 30,
        },
    )

    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "challenges:call", args=[call.pk]
    )
    assert not call.open_to_all
    assert set(call.eligible_units.values_list("pk", flat=True)) == {world.lead.pk, world.other.pk}
    assert [(t.metric, t.threshold) for t in call.targets.all()] == [("一日办结率", 80)]
    assert [c.points for c in call.criteria.all()] == [70, 30]


def test_a_bid_below_the_threshold_comes_back_with_the_reason_and_nothing_saved(
    world, client, call
):
    client.force_login(world.lead_staff)
    target = call.targets.first()

    response = client.post(
        reverse("challenges:bid_submit", args=[call.pk]),
        {
            "plan": "方案",
            "commander": "李局长",
            "complete_by": "2031-06-30",
            f"target_{target.pk}": "50",
            f"target_{call.targets.last().pk}": "3",
        },
    )

    assert response.status_code == 400
    assert "65" in response.context["bid_form"].errors[f"target_{target.pk}"][0]
    assert not Bid.objects.exists()


def test_the_call_page_shows_a_unit_its_own_bid_and_the_assessors_every_bid(
    world, client, call, other_head
):
    values = {t.pk: v for t, v in zip(call.targets.all(), (70, 3), strict=True)}
    bid_submit(call=call, by=world.lead_staff, targets=values, **bid_values(world))
    bid_submit(
        call=call,
        by=other_head,
        targets=values,
        **bid_values(world, supporting_units=[], commander="赵主任"),
    )

    client.force_login(world.lead_staff)
    mine = client.get(reverse("challenges:call", args=[call.pk]))
    client.force_login(world.leader)
    every = client.get(reverse("challenges:call", args=[call.pk]))

    assert mine.context["mine"].unit == world.lead and mine.context["bids"] is None
    assert "赵主任" not in mine.content.decode() and "赵主任" in every.content.decode()
    assert {b.unit for b in every.context["bids"]} == {world.lead, world.other}


def _board_with(world, size, deadline, after):
    for i in range(size):
        call = call_publish(
            campaign=world.campaign,
            by=world.coordinator,
            task_list=world.task_list,
            title=f"攻坚难题{i}",
            goal="目标",
            claim_deadline=deadline,
            criteria=CRITERIA,
        )
        bid = bid_submit(call=call, by=world.lead_staff, **bid_values(world))
        if i % 2:
            bid_award(bid=bid, by=world.coordinator, now=after)


@pytest.mark.parametrize("size", [2, 12])
def test_the_board_counts_what_a_plain_count_gives_at_the_same_cost_for_any_size(
    world, client, django_assert_max_num_queries, size, deadline, after_deadline
):
    _board_with(world, size, deadline, after_deadline)
    client.force_login(world.support_staff)

    with django_assert_max_num_queries(9):
        page = client.get(reverse("challenges:board", args=[world.campaign.slug]))

    board = page.context["board"]
    assert board.counts["all"] == Call.objects.count() == size
    assert board.counts["awarded"] == Call.objects.filter(status="awarded").count() == size // 2
    assert board.counts["claimed"] == Task.objects.filter(claimed=True).count()
    assert sum(board.lights.values()) == Task.objects.filter(claimed=True).count()
    html = page.content.decode()
    assert all(f"攻坚难题{i}" in html for i in range(size))


def test_a_unit_without_tasks_in_the_campaign_finds_the_call_it_may_bid_on(world, client, call):
    client.force_login(world.other_staff)

    index = client.get(reverse("challenges:index"))
    board = client.get(reverse("challenges:board", args=[world.campaign.slug]))

    assert [c.pk for c in index.context["calls"]] == [call.pk]
    assert index.context["calls"][0].for_my_unit
    assert board.status_code == 200
    assert client.get(reverse("campaigns:detail", args=[world.campaign.slug])).status_code == 404


def test_the_claimed_task_links_back_to_its_call(world, client, call, after_deadline):
    bid = bid_submit(
        call=call,
        by=world.lead_staff,
        targets={t.pk: 90 for t in call.targets.all()} | {call.targets.last().pk: 3},
        **bid_values(world),
    )
    bid = bid_award(bid=bid, by=world.leader, now=after_deadline)
    client.force_login(world.lead_staff)

    page = client.get(reverse("tasks:detail", args=[bid.task.pk])).content.decode()

    assert 'data-testid="claimed"' in page
    assert reverse("challenges:call", args=[call.pk]) in page
    assert datetime.date(2031, 6, 30) == Task.objects.get(claimed=True).deadline
