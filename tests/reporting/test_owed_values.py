"""本周应报送 on 我的任务 reads its rows as plain values (``owed_tasks(targets=False)``,
reporting/owed_rows.py): the same tasks in the same order, with the same values, light and
reports as the models the sheet reads; names escaped; counts equal to plain counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cycles.models import RoundItem
from reporting.selectors import owed_tasks
from tasks.models import ProgressReport, Task
from tasks.services import report_submit, task_update
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory
from tests.reporting.sheets import open_round

pytestmark = pytest.mark.django_db


def _scene(world):
    """Two campaigns' rounds; tasks red, yellow, ongoing and undated; one reported and
    waiting for the head, one reported before the round, one moved to another unit."""
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    today = timezone.localdate()
    second = TaskListFactory(campaign=world.campaign, name="第二张 <清单> & 附表", order=2)
    tasks = [
        world.task,
        TaskFactory(task_list=second, lead_unit=world.lead, deadline=today, progress=10),
        TaskFactory(
            task_list=second,
            lead_unit=world.lead,
            deadline=today - datetime.timedelta(days=3),
            code="A&<1>",
        ),
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, ongoing=True, deadline=None),
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, deadline=None),
    ]
    elsewhere = CampaignFactory(name="另一场 <行动>")
    tasks.append(TaskFactory(task_list=TaskListFactory(campaign=elsewhere), lead_unit=world.lead))
    moved = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    before = timezone.now() - datetime.timedelta(days=30)
    report_submit(task=tasks[3], by=world.lead_staff, text="早报", percent=5, submitted_at=before)
    open_round(world.campaign)
    open_round(elsewhere)
    report_submit(task=tasks[1], by=world.lead_staff, text="待确认", percent=35)
    report_submit(task=tasks[2], by=world.lead_head, text="已确认", percent=60)
    task_update(task=moved, by=world.coordinator, lead_unit=world.other)
    return tasks, moved


def _seen(owed) -> list[tuple]:
    return [
        (
            item.task.pk,
            item.task.code,
            item.task.title,
            item.task.deadline,
            item.task.deadline_text,
            item.task.ongoing,
            item.task.status,
            item.task.progress,
            str(item.task.task_list),
            str(item.task.task_list.campaign),
            item.round.pk,
            item.light,
            item.reported,
            item.awaiting,
            item.last_report and (item.last_report.pk, item.last_report.submitted_at),
            item.round_report and item.round_report.percent,
        )
        for item in owed.tasks
    ]


@pytest.mark.parametrize("sort", ["", "deadline", "light", "last_report", None])
def test_the_pages_rows_read_as_values_are_the_models_rows(world, sort):
    tasks, moved = _scene(world)
    today = timezone.localdate()

    as_values = owed_tasks(unit_id=world.lead.pk, today=today, sort=sort, targets=False)
    as_models = owed_tasks(unit_id=world.lead.pk, today=today, sort=sort)

    assert _seen(as_values) == _seen(as_models)
    assert {item.task.pk for item in as_values.tasks} == {task.pk for task in tasks}
    assert moved.pk not in {item.task.pk for item in as_values.tasks}
    assert {item.light.light for item in as_values.tasks} >= {"red", "yellow", "green"}


@pytest.mark.parametrize(
    ("sort", "limit", "grouped"),
    [
        (None, None, True),  # the sheet's order: the counts grouped apart
        ("", None, False),  # 我的任务: each row with its round's counts (windows)
        ("", 50, False),
        ("light", 50, False),
        ("", 1, True),  # one row shown, of one round: the other round is counted apart
        ("last_report", 1, True),
    ],
)
def test_the_counts_per_round_are_plain_counts(world, sort, limit, grouped):
    tasks, moved = _scene(world)
    Task.objects.filter(pk=tasks[4].pk).update(status=Task.Status.CLOSED)

    with CaptureQueriesContext(connection) as ctx:
        owed = owed_tasks(unit_id=world.lead.pk, targets=False, sort=sort, limit=limit)

    counted = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert len(counted) == grouped
    assert len(owed.rounds) == 2

    for line in owed.rounds:
        items = [
            item
            for item in RoundItem.objects.filter(round=line.round).select_related("task")
            if item.task.lead_unit_id == world.lead.pk
            and item.task.status == Task.Status.IN_PROGRESS
        ]
        made = [
            item
            for item in items
            if ProgressReport.objects.filter(
                task=item.task,
                unit_id=item.task.lead_unit_id,
                submitted_at__gte=line.round.opens_at,
            ).exists()
        ]
        assert (line.owed, line.reported) == (len(items), len(made))
    assert owed.total == len(tasks) - 1 and owed.reported == 2


def test_the_owed_rows_escape_the_names_and_numbers(client, world):
    _scene(world)
    client.force_login(world.lead_staff)

    page = client.get(reverse("tasks:mine")).content.decode()
    owed = page.split('data-testid="owed">')[1].split("</section>")[0]
    rows = "".join(owed.split('data-testid="owed-row"')[1:])

    assert "第二张 &lt;清单&gt; &amp; 附表" in rows and "<清单>" not in owed
    assert "另一场 &lt;行动&gt;" in rows and "<行动>" not in owed
    assert "A&amp;&lt;1&gt;" in rows and "A&<1>" not in owed
    assert owed.count('data-testid="owed-row"') == 6
    assert "35%（待单位负责人确认）" in rows and rows.count('data-testid="awaiting"') == 1


def test_the_sheet_reads_as_values_the_rows_the_models_give(world):
    """``owed_tasks(sheet=True)``: each row of the sheet (``reporting.workbook._row``: the
    values, the targets, the round's report with its target values, the row's key) is the
    one the models give, in the same number of queries."""
    from decimal import Decimal

    from reporting.workbook import _row
    from tasks.models import Target

    tasks, _moved = _scene(world)
    rate = Target.objects.create(
        task=tasks[1],
        metric="可办率",
        unit_of_measure="%",
        target_value=90,
        current_value=Decimal("50.5"),
    )
    Target.objects.create(task=tasks[1], metric="时限", target_value=5, current_value=None, order=1)
    Target.objects.create(task=tasks[4], metric="=件数", target_value=Decimal("12.25"))
    report_submit(
        task=tasks[1],
        by=world.lead_staff,
        text="=带指标",
        percent=40,
        obstacles="难",
        target_values={rate.pk: Decimal("70")},
    )

    with CaptureQueriesContext(connection) as as_models_queries:
        as_models = owed_tasks(unit_id=world.lead.pk)
    with CaptureQueriesContext(connection) as as_values_queries:
        as_values = owed_tasks(unit_id=world.lead.pk, sheet=True)

    slots = max(len(item.targets) for item in as_models.tasks)
    assert slots == 2
    zone = timezone.get_current_timezone()
    rows = [_row(n, item, slots, zone) for n, item in enumerate(as_values.tasks, start=1)]
    assert rows == [_row(n, item, slots, zone) for n, item in enumerate(as_models.tasks, start=1)]
    assert any("p" in row[-1] and "g" in row[-1] for row in rows)  # a round's report, targets
    assert _seen(as_values) == _seen(as_models)
    assert len(as_values_queries) == len(as_models_queries)
