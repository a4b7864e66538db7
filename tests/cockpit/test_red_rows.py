"""The red list's rows are drawn in Python (cockpit/red_rows.py): each cell as the template
wrote it (names shortened, markup escaped, dates in the local day, the instruction flag, the
instruction form with its own tokens where the leader may instruct)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Task
from tasks.services import instruction_give, report_submit
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _red_rows(html: str) -> list[str]:
    table = html.split('data-testid="red-list"', 1)[1].split("</tbody>", 1)[0]
    return table.split("<tbody>", 1)[1].split("<tr")[1:]


def test_a_red_row_shows_each_cell_as_the_template_did(client, world):
    today = timezone.localdate()
    world.campaign.name = "打造精简高效政务新生态改革攻坚行动"
    world.campaign.save()
    world.task_list.name = "第一批<改革>任务清单"
    world.task_list.save()
    Task.objects.filter(pk=world.task.pk).update(
        title="<b>推行</b>容缺受理",
        code="A&1",
        deadline=today - datetime.timedelta(days=9),
        principal_owner_name="张三",
        leader_in_charge_name="李四",
        specific_owner_name="张三",
    )
    world.task.refresh_from_db()
    instruction_give(task=world.task, by=world.leader, text="请加快")
    report_submit(task=world.task, by=world.lead_staff, text="推进", percent=35, files=[])
    client.force_login(world.leader)

    [row] = _red_rows(client.get(reverse("cockpit:red_list")).content.decode())

    task, lead = world.task, world.lead
    deadline = (today - datetime.timedelta(days=9)).isoformat()
    form = re.search(r"<form .*?</form>", row, re.S).group(0)
    assert row.replace(form, "FORM") == (
        f' data-task="{task.pk}">\n'
        '      <td data-label="序号"><small class="muted">打造精简高效政务新...'
        " · 第一批&lt;改革&gt;...</small><br>A&amp;1</td>\n"
        f'      <td data-label="任务" class="title"><a href="/tasks/{task.pk}/">'
        "&lt;b&gt;推行&lt;/b&gt;容缺受理</a></td>\n"
        f'      <td data-label="牵头单位"><a href="/cockpit/units/{lead.pk}/">区行政审批服务局</a></td>\n'
        '      <td data-label="责任人">张三、李四</td>\n'
        '      <td data-label="逾期天数" class="overdue-days"><strong>9</strong>'
        f' <small class="muted">{deadline}</small></td>\n'
        f'      <td data-label="最近报送">{today.isoformat()}</td>\n'
        '      <td data-label="未办结督办"><mark class="flag">1</mark></td>\n'
        '      <td data-label="督办" class="no-print">\n'
        '        <details class="instruct"><summary>下达督办</summary>\n'
        "          FORM\n"
        "        </details></td>\n"
        "    </tr>\n  \n  "
    )
    assert form.startswith(f'<form method="post" action="/tasks/{task.pk}/instructions/">')
    assert 'name="csrfmiddlewaretoken"' in form and 'name="_form_token"' in form


def test_each_red_rows_form_has_its_own_form_token(client, world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for _ in range(2):
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, deadline=yesterday)
    client.force_login(world.coordinator)

    rows = _red_rows(client.get(reverse("cockpit:red_list")).content.decode())

    tokens = [re.search(r'name="_form_token" value="([^"]+)"', r).group(1) for r in rows]
    assert len(rows) == 2 and len(set(tokens)) == 2
