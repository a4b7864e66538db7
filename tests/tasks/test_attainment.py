"""Targets: attainment respecting direction, the roll-up equal to a plain count, each target's
history on the task page, and the pages that show them at a fixed query count."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Category
from cycles.models import DispatchRound
from cycles.schedule import round_times
from cycles.services.dispatch import round_open
from tasks.models import Target
from tasks.selectors import target_attainment, target_attainments
from tasks.services import report_confirm, report_submit
from tests.factories import CategoryFactory, TaskFactory, TaskListFactory, UnitFactory
from tests.tasks.test_views import count_queries

pytestmark = pytest.mark.django_db


def _target(**values) -> Target:
    return Target(metric="办理时限", target_value=Decimal("5"), **values)


def test_lower_is_better_attainment_counts_the_way_down_from_the_baseline():
    # 20 working days now, 5 wanted: at 11 days, 9 of the 15 days are gone.
    halfway = _target(direction="lower", baseline=Decimal("20"), current_value=Decimal("11"))
    assert (halfway.achieved, halfway.attainment) == (False, 60)
    done = _target(direction="lower", baseline=Decimal("20"), current_value=Decimal("4"))
    assert (done.achieved, done.attainment) == (True, 100)
    worse = _target(direction="lower", baseline=Decimal("20"), current_value=Decimal("25"))
    assert (worse.achieved, worse.attainment) == (False, 0)
    unmeasured = _target(direction="lower", baseline=Decimal("20"), current_value=None)
    assert (unmeasured.achieved, unmeasured.attainment) == (False, None)


def _many_targets(world, count: int) -> None:
    """``count`` tasks over two units and two categories, each with a higher and a lower
    target in varied states."""
    category, _new = Category.objects.get_or_create(
        task_list=world.task_list, name="审批提速", defaults={"order": 1}
    )
    units = [world.lead, world.other]
    for n in range(count):
        task = TaskFactory(
            task_list=world.task_list,
            lead_unit=units[n % 2],
            category=category if n % 3 else None,
        )
        Target.objects.create(
            task=task, metric="可办率", baseline=50, target_value=90, current_value=50 + n * 7
        )
        Target.objects.create(
            task=task,
            metric="办理时限",
            direction="lower",
            baseline=20,
            target_value=5,
            current_value=None if n % 4 == 0 else 20 - n,
            order=1,
        )


@pytest.mark.parametrize("by", ["list", "category", "unit"])
def test_the_roll_up_equals_a_plain_count(world, by):
    _many_targets(world, 8)
    key = {"list": "task_list_id", "category": "category_id", "unit": "lead_unit_id"}[by]

    rows = target_attainment(campaign=world.campaign, by=by)

    targets = list(Target.objects.filter(task__task_list__campaign=world.campaign))
    assert sum(row.targets for row in rows) == len(targets)
    for row in rows:
        mine = [t for t in targets if getattr(t.task, key) == row.key]
        measured = [t for t in mine if t.current_value is not None]
        assert row.targets == len(mine)
        assert row.met == sum(1 for t in mine if t.achieved)
        assert row.not_met == sum(1 for t in measured if not t.achieved)
        assert row.unmeasured == len(mine) - len(measured)
        if measured:
            assert row.share == round(sum(t.attainment for t in measured) / len(measured))


def test_the_roll_up_is_one_query(world, django_assert_num_queries):
    _many_targets(world, 12)

    with django_assert_num_queries(1):
        target_attainment(campaign=world.campaign, by="unit")


def test_the_task_page_shows_each_targets_values_in_order_baseline_first(client, world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    for n, value in enumerate((58, 61, 63)):
        report = report_submit(
            task=world.task,
            by=world.lead_staff,
            text=f"第{n}周",
            percent=30 + n,
            target_values={world.target.pk: Decimal(value)},
            submitted_at=timezone.now() - datetime.timedelta(days=21 - 7 * n),
        )
        if value != 63:  # the last one is not confirmed yet: not in the series
            report_confirm(report=report, by=world.lead_head)
    client.force_login(world.coordinator)

    page = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    series = page[page.index('data-testid="target-series"') :]
    series = series[: series.index("</ol>")]
    values = [
        part.split("</small>")[1].replace("</li>", "").strip() for part in series.split("<li>")[1:]
    ]
    assert values == ["55", "58", "61"]


def test_the_campaign_page_shows_attainment_by_list_at_a_fixed_query_count(client, world):
    client.force_login(world.coordinator)
    url = reverse("campaigns:detail", args=[world.campaign.slug])
    _many_targets(world, 2)
    few = count_queries(client, url)
    _many_targets(world, 20)

    assert count_queries(client, url) == few
    page = client.get(url).content.decode()
    assert 'id="attainment"' in page
    # By list, by category and (for the office and leaders) by lead unit.
    assert page.count('data-testid="attainment"') == 3
    client.force_login(world.lead_staff)
    assert client.get(url).content.decode().count('data-testid="attainment"') == 2


def test_the_weekly_bulletin_shows_attainment_by_unit(client, world):
    def open_round():
        DispatchRound.objects.all().delete()
        return round_open(
            campaign=world.campaign,
            times=round_times(world.campaign, datetime.date(2026, 11, 23)),
            now=timezone.now(),
        )

    _many_targets(world, 6)
    client.force_login(world.coordinator)
    few = count_queries(client, reverse("cycles:round", args=[open_round().pk]))
    _many_targets(world, 12)
    url = reverse("cycles:round", args=[open_round().pk])

    assert count_queries(client, url) == few
    page = client.get(url).content.decode()
    # No report yet: every task of the round is valued as it is now, by its lead unit.
    rows = {row.name: row for row in target_attainment(campaign=world.campaign, by="unit")}
    assert sum(row.targets for row in rows.values()) == Target.objects.count() == 37
    assert 'data-testid="attainment"' in page
    cells = re.sub(r"<(t[hd])\b[^>]*>", r"<\1>", page)  # the cells without their labels
    for name, row in rows.items():
        assert f"<th>{name}</th><td>{row.targets}</td><td>{row.met}</td>" in cells


def _more_lists(world) -> None:
    """A list placed before the world's, with its own categories and a unit placed first,
    and a second list of the same place: the roll-ups' rows come in the lists', categories'
    and units' order, not in the order the targets were written."""
    first = TaskListFactory(campaign=world.campaign, order=0)
    twin = TaskListFactory(campaign=world.campaign, order=0)
    world.task_list.order = 5
    world.task_list.save()
    early = UnitFactory(name="甲局", order=0)
    for n, task_list in enumerate((first, twin, first)):
        category = CategoryFactory(task_list=task_list, order=2 - n)
        for m, (unit, in_category) in enumerate(
            ((early, True), (world.other, False), (world.lead, True))
        ):
            task = TaskFactory(
                task_list=task_list, lead_unit=unit, category=category if in_category else None
            )
            Target.objects.create(
                task=task, metric="可办率", baseline=10, target_value=50, current_value=10 + m * n
            )


@pytest.mark.parametrize(
    "by", [("list", "unit"), ("list", "category", "unit"), ("unit", "category"), ("category",)]
)
def test_roll_ups_from_one_read_equal_each_roll_up_read_alone(world, by, django_assert_num_queries):
    _many_targets(world, 10)
    _more_lists(world)

    with django_assert_num_queries(1):
        together = target_attainments(campaign=world.campaign, by=by)

    assert list(together) == list(by)
    for group in by:
        alone = target_attainment(campaign=world.campaign, by=group)
        assert together[group] == alone
        assert len(alone) > 1
