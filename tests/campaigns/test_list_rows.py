"""The task tables of the list page, the cockpit's drill-down and the unit page read their rows
as plain values (tasks/table_rows.py) where 我的任务 reads tasks: drawn by the same
``{% task_rows %}``, both give the same markup for every kind of row."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Category
from tasks.models import Task, TaskSupport
from tasks.selectors import with_list_columns
from tasks.services import instruction_give, report_submit
from tasks.table_rows import task_table_rows
from tasks.templatetags.qingdan import task_rows
from tests.factories import TaskFactory, TaskListFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _varied_tasks(world) -> list[int]:
    """Tasks with each thing a row shows: flags (acknowledgement overdue and pending, an open
    instruction), a category, supporting units in their order, no deadline, a closed one, a
    last report, markup in the names; on two lists."""
    now = timezone.now()
    category = Category.objects.create(task_list=world.task_list, name="审批<改革>")
    Task.objects.filter(pk=world.task.pk).update(
        title="<b>推行</b>容缺受理",
        category=category,
        handed_over_at=now - datetime.timedelta(days=30),
    )
    world.task.refresh_from_db()
    instruction_give(task=world.task, by=world.leader, text="请加快")
    report_submit(task=world.task, by=world.lead_staff, text="推进", percent=35, files=[])
    pending = TaskFactory(task_list=world.task_list, lead_unit=world.other, title="新任务 & 其他")
    Task.objects.filter(pk=pending.pk).update(handed_over_at=now - datetime.timedelta(hours=1))
    TaskSupport.objects.create(task=pending, unit=UnitFactory(name="区<财政>局"))
    TaskSupport.objects.create(task=pending, unit=world.support)
    ongoing = TaskFactory(
        task_list=world.task_list, lead_unit=world.lead, deadline=None, ongoing=True
    )
    closed = TaskFactory(
        task_list=TaskListFactory(campaign=world.campaign, name="第二张<清单>"),
        lead_unit=world.support,
        status=Task.Status.CLOSED,
        deadline=datetime.date(2020, 1, 31),
    )
    return [world.task.pk, pending.pk, ongoing.pk, closed.pk]


@pytest.mark.parametrize("show_list,list_inline", [(False, False), (True, False), (False, True)])
def test_rows_of_values_draw_the_markup_of_rows_of_tasks(world, show_list, list_inline):
    ids = _varied_tasks(world)
    today = timezone.localdate()
    tasks = with_list_columns(Task.objects.filter(pk__in=ids), today=today).order_by(
        "task_list_id", "order", "pk"
    )
    values = task_table_rows(today)(ids)

    from_tasks = task_rows(list(tasks), today, show_list, list_inline)
    from_values = task_rows([values[task.pk] for task in tasks], today, show_list, list_inline)

    assert from_values == from_tasks
    # What the comparison covers (the rows are not empty of it).
    for shown in (
        "超时未签收",
        "待签收",
        "1项督办待回复",
        "审批&lt;改革&gt;",
        "区&lt;财政&gt;局、区大数据局",
    ):
        assert shown in from_values
    assert from_values.count("<tr") == 4 + (2 if show_list else 0)


def test_the_list_page_shows_its_rows_in_their_order(client, world):
    ids = _varied_tasks(world)
    client.force_login(world.coordinator)

    html = client.get(
        reverse("campaigns:list_detail", args=[world.campaign.slug, world.task_list.pk])
    ).content.decode()

    body = html.split("<tbody>")[1].split("</tbody>")[0]
    shown = [int(row.split('href="/tasks/')[1].split("/")[0]) for row in body.split("<tr")[1:]]
    expected = list(
        Task.objects.filter(pk__in=ids, task_list=world.task_list)
        .order_by("order", "id")
        .values_list("pk", flat=True)
    )
    assert shown == expected
    assert '<mark class="flag" data-testid="ack-flag">超时未签收</mark>' in body


def test_the_columns_without_the_light_are_the_same_columns(world):
    ids = _varied_tasks(world)
    today = timezone.localdate()
    columns = ("pk", "last_report_at", "open_instructions")
    every = with_list_columns(Task.objects.filter(pk__in=ids), today=today)
    no_light = with_list_columns(Task.objects.filter(pk__in=ids), today=today, light=False)

    assert "light_value" in every.query.annotations
    assert "light_value" not in no_light.query.annotations
    assert sorted(no_light.values_list(*columns)) == sorted(every.values_list(*columns))
    assert any(n for _pk, _at, n in every.values_list(*columns))  # an open instruction counted
