"""What the campaign cockpit now reads together, equal to what it read apart: the categories'
names with the counted groups (in the lists' order), the headline's targets with the roll-ups,
the applied measures' counts with the rows shown, last month's reporting with the trend."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Category
from cockpit.models import WeekSnapshot
from cockpit.selectors.breakdowns import (
    campaign_breakdown,
    category_breakdown,
    last_month,
    unit_table,
    work_lists,
)
from cockpit.selectors.figures import target_totals
from cockpit.selectors.trend import trend
from cockpit.selectors.units import applied_measures
from measures.models import INCENTIVES, PENALTIES, Application, Measure, MeasureKind
from measures.services import application_add
from tasks.models import Instruction, Target, Task
from tasks.selectors import target_attainments
from tests.cockpit.test_figures import counted
from tests.factories import CategoryFactory, TaskFactory, TaskListFactory

pytestmark = pytest.mark.django_db


def test_categories_come_in_their_lists_order_with_plain_counts(scene):
    first = CategoryFactory(task_list=scene.policies, name="〇、先行", order=0)
    TaskFactory(task_list=scene.policies, lead_unit=scene.lead, category=first)
    # A category of the other list, given to a task of this one: listed under neither.
    stray = CategoryFactory(task_list=scene.task_list, name="错配", order=0)
    TaskFactory(task_list=scene.policies, lead_unit=scene.lead, category=stray)

    blocks = category_breakdown(
        lists=work_lists(scene.campaign),
        breakdown=campaign_breakdown(campaign=scene.campaign, today=scene.today),
    )

    policies = next(b for b in blocks if b.task_list == scene.policies)
    assert [r.category_id for r in policies.rows if r.category_id] == list(
        Category.objects.filter(task_list=scene.policies)
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )
    assert [r.name for r in policies.rows][:3] == ["〇、先行", "一、财税支持", "二、金融服务"]
    for block in blocks:
        assert stray.pk not in [r.category_id for r in block.rows]
        for row in block.rows:
            plain = counted(scene, task_list=block.task_list, category=row.category_id)
            assert row.counts["tasks"] == len(plain), row.name


def test_the_headline_targets_leave_out_a_drafts_which_the_roll_ups_keep(client, scene):
    Target.objects.create(task=scene.draft, metric="草稿", target_value=10, current_value=20)
    targets = Target.objects.filter(
        task__task_list__campaign=scene.campaign, task__task_list__kind__in=("reform", "policy")
    )
    published = [t for t in targets if t.task.status != Task.Status.DRAFT]
    met = sum(t.achieved for t in published)

    rolled = target_attainments(campaign=scene.campaign, by=("list", "unit"), published=True)

    [whole] = rolled["published"]
    assert (
        (whole.targets, whole.met)
        == (len(published), met)
        == target_totals([scene.campaign.pk])[scene.campaign.pk]
    )
    assert sum(r.targets for r in rolled["list"]) == targets.count() == len(published) + 1
    client.force_login(scene.leader)
    html = client.get(reverse("cockpit:campaign", args=[scene.campaign.slug])).content.decode()
    assert f'data-figure="targets_met">{met}</a> / ' in html
    assert f'data-figure="targets">{len(published)}</a>' in html


def test_the_measures_counts_are_of_every_applied_one_not_only_those_shown(scene):
    measures = TaskListFactory(campaign=scene.campaign, kind="measure")
    kinds = [MeasureKind.PRAISE, MeasureKind.TALK, MeasureKind.REWARD, MeasureKind.OTHER]
    for n, kind in enumerate(kinds * 2):
        line = TaskFactory(task_list=measures, title=f"措施{n}")
        application_add(
            campaign=scene.campaign,
            line=line,
            by=scene.coordinator,
            unit=scene.lead,
            grounds="依据",
        )
        Measure.objects.filter(line=line).update(kind=kind)

    with CaptureQueriesContext(connection) as ctx:
        shown = applied_measures(campaigns=[scene.campaign.pk], limit=3)

    applied = Application.objects.filter(campaign=scene.campaign, status="applied")
    assert len(ctx.captured_queries) == 1 and len(shown.applied) == 3
    assert shown.incentives == sum(a.measure.kind in INCENTIVES for a in applied) == 4
    assert shown.penalties == sum(a.measure.kind in PENALTIES for a in applied) == 2
    assert applied_measures(campaigns=[scene.other_campaign.pk]).incentives == 0


def test_last_months_reporting_from_the_trends_weeks_equals_its_own_read(scene):
    month, this_month = last_month(scene.today)
    starts = [
        month - datetime.timedelta(days=7),  # the month before: not counted
        month,
        month + datetime.timedelta(days=14),
        this_month + datetime.timedelta(days=7),  # this month's: not counted
    ]
    for n, week in enumerate(starts):
        WeekSnapshot.objects.create(
            campaign=scene.campaign,
            week_start=week,
            as_of=timezone.now(),
            source="history",
            units={str(scene.lead.pk): [4 + n, 3, 2], str(scene.other.pk): [n, n, 0]},
        )
    breakdown = campaign_breakdown(campaign=scene.campaign, today=scene.today)
    weeks = trend(campaign=scene.campaign, units_of=(month, this_month))

    alone = unit_table(campaign=scene.campaign, today=scene.today, breakdown=breakdown)
    together = unit_table(
        campaign=scene.campaign, today=scene.today, breakdown=breakdown, weeks=weeks
    )

    assert [w.month_units is not None for w in weeks] == [False, True, True, False]
    months = {r.unit_id: r.month for r in together.rows}
    assert months == {r.unit_id: r.month for r in alone.rows}
    assert months[scene.lead.pk] == {"owed": 11, "reported": 6, "on_time": 4}
    assert [w.round_id for w in weeks] == [None] * 4


def test_the_reads_built_once_per_process_still_read_live(scene):
    """The trend's, the targets', the measures' and the late instructions' queries are built
    once and cloned: what is written between two pages shows on the second."""
    from cockpit.selectors.redlist import late_instructions

    def read():
        return (
            len(trend(campaign=scene.campaign)),
            target_attainments(campaign=scene.campaign, by=("list",), published=True)["published"][
                0
            ].targets,
            len(applied_measures(campaigns=[scene.campaign.pk]).applied),
            late_instructions(campaign_ids={scene.campaign.pk}, today=scene.today).count(),
        )

    before = read()
    WeekSnapshot.objects.create(
        campaign=scene.campaign,
        week_start=scene.today - datetime.timedelta(days=400),
        as_of=timezone.now(),
        source="history",
    )
    Target.objects.create(task=scene.green, metric="新增", target_value=1)
    line = TaskFactory(task_list=TaskListFactory(campaign=scene.campaign, kind="measure"))
    application_add(
        campaign=scene.campaign, line=line, by=scene.coordinator, unit=scene.lead, grounds="依据"
    )
    Instruction.objects.create(
        task=scene.red1,
        text="请说明",
        given_by=scene.leader,
        reply_by=scene.today - datetime.timedelta(days=2),
    )

    assert read() == tuple(n + 1 for n in before)
