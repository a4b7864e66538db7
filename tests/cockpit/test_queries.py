"""Every cockpit page costs the same number of queries with a few tasks and units as with many
(counted at two sizes), under a fixed ceiling."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cockpit.services import screen_create
from cycles.models import MonthlyReview, UnitMonth
from tasks.models import TaskSupport
from tasks.services import report_record
from tests.cockpit.conftest import build_scene, days
from tests.conftest import page_reads
from tests.factories import TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db

CEILING = 30
# Pages whose reads were merged (session and menu included): the campaign cockpit 20 → 15 (its
# units' and categories' names with the counted groups, the headline's targets with the
# roll-ups, each week's round and last month's reporting with the trend, the measures' counts
# with their rows), a unit's page 17 → 16 and the big screen 14 → 13 (the first and the third
# of those).
PAGE_CEILINGS = {"campaign": 15, "unit (leader)": 16, "unit (staff)": 16, "screen": 13}


def grow(w, n: int) -> None:
    """``n`` more tasks over ``n // 3`` new units, in both lists, some red, with reports,
    supporting units and targets' worth of variety; and the units ranked in a certified month."""
    units = [UnitFactory() for _ in range(max(1, n // 3))]
    review = MonthlyReview.objects.filter(campaign=w.campaign).first()
    for i in range(n):
        unit = units[i % len(units)]
        task = TaskFactory(
            task_list=(w.task_list, w.policies)[i % 2],
            category=w.c1 if i % 2 else None,
            lead_unit=unit,
            deadline=days((-5, 4, 40)[i % 3]),
            specific_owner_name=f"负责人{i}",
        )
        TaskSupport.objects.create(task=task, unit=w.lead)
        if i % 4 == 0:
            report_record(task=task, by=w.lead_staff, unit=unit, text="进展", percent=10)
    for rank, unit in enumerate(units, start=2):
        UnitMonth.objects.create(review=review, unit=unit, tasks=1, score=80, rank=rank)


def certified_month(w) -> None:
    review = MonthlyReview.objects.create(
        campaign=w.campaign,
        month=datetime.date(2026, 10, 1),
        status=MonthlyReview.Status.CERTIFIED,
    )
    UnitMonth.objects.create(review=review, unit=w.lead, tasks=3, score=90, rank=1)


def pages(w) -> dict[str, tuple]:
    slug = w.campaign.slug
    return {
        "overview": (w.leader, reverse("cockpit:overview")),
        "overview (coordinator)": (w.coordinator, reverse("cockpit:overview")),
        "campaign": (w.leader, reverse("cockpit:campaign", args=[slug])),
        "red tasks": (w.leader, reverse("cockpit:tasks", args=[slug]) + "?light=red"),
        "not reported": (
            w.coordinator,
            reverse("cockpit:tasks", args=[slug]) + f"?round={w.round.pk}&reported=no",
        ),
        "red list": (w.leader, reverse("cockpit:red_list")),
        "unit (leader)": (w.leader, reverse("cockpit:unit", args=[w.lead.pk])),
        "unit (staff)": (w.lead_staff, reverse("cockpit:unit", args=[w.lead.pk]) + "?role=lead"),
        "screens": (w.coordinator, reverse("cockpit:screens")),
        "screen": (None, reverse("cockpit:screen", args=[w.token])),
        "weekly bulletin": (w.leader, reverse("cycles:round", args=[w.round.pk])),
    }


def count(client, user, url) -> int:
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    client.get(url)  # the first use of a big-screen link writes its row; later ones count it
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return page_reads(ctx)


def test_every_page_costs_the_same_queries_with_few_or_many_tasks_and_units(client, world):
    w = build_scene(world)
    certified_month(w)
    _screen, w.token = screen_create(by=w.coordinator, name="大屏", campaigns=[w.campaign])
    few = {name: count(client, user, url) for name, (user, url) in pages(w).items()}

    grow(w, 60)
    many = {name: count(client, user, url) for name, (user, url) in pages(w).items()}

    assert many == few
    assert max(few.values()) <= CEILING, few
    for name, ceiling in PAGE_CEILINGS.items():
        assert few[name] <= ceiling, (name, few[name])
