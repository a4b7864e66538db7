"""What each row of 我的任务's task table shows: light, number, title and flags, lead and
supporting units, deadline, progress and the report waiting for the head, status, last report;
a group row per list; one row when none match."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Category
from tasks.models import Task
from tasks.services import instruction_give, report_submit
from tests.factories import TaskFactory, TaskListFactory

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[str]:
    table = html.split('id="all-tasks"')[1]
    return table.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]


def test_a_row_shows_the_task_its_flags_and_the_report_waiting_for_the_head(client, world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    category = Category.objects.create(task_list=world.task_list, name="审批改革")
    Task.objects.filter(pk=world.task.pk).update(
        title="<b>推行</b>容缺受理",
        category=category,
        handed_over_at=timezone.now() - datetime.timedelta(days=30),
    )
    world.task.refresh_from_db()
    instruction_give(task=world.task, by=world.leader, text="请加快")
    report_submit(task=world.task, by=world.lead_staff, text="推进", percent=35, files=[])
    client.force_login(world.lead_staff)

    group, row = rows(client.get(reverse("tasks:mine")).content.decode())

    assert group.startswith(' class="group"') and "改革攻坚行动 · " in group
    assert f'<a href="/tasks/{world.task.pk}/">&lt;b&gt;推行&lt;/b&gt;容缺受理</a>' in row
    assert '<mark class="flag" data-testid="ack-flag">超时未签收</mark>' in row
    assert '<mark class="flag">1项督办待回复</mark>' in row
    assert '<small class="muted">审批改革</small>' in row
    assert '区行政审批服务局<br><small class="muted">配合： 区大数据局</small>' in row
    assert 'data-testid="awaiting">35%（待单位负责人确认）' in row
    assert '<time datetime="2030-06-30"' in row and "推进中" in row
    assert timezone.localdate().isoformat() in row.split('data-label="最近报送"')[1]


def test_rows_sorted_name_their_list_in_the_row_and_none_matching_is_one_row(client, world):
    TaskFactory(task_list=TaskListFactory(campaign=world.campaign), lead_unit=world.lead)
    client.force_login(world.lead_staff)

    sorted_rows = rows(client.get(reverse("tasks:mine"), {"sort": "deadline"}).content.decode())
    none = rows(client.get(reverse("tasks:mine"), {"q": "没有这样的任务"}).content.decode())

    assert len(sorted_rows) == 2 and not any('class="group"' in r for r in sorted_rows)
    assert all('<br><small class="muted">改革攻坚行动 · ' in r for r in sorted_rows)
    assert '<span class="muted">尚未报送</span>' in sorted_rows[0]
    assert [r.strip() for r in none] == [
        '><td colspan="8" class="muted">没有符合条件的任务。</td></tr>'
    ]
