"""The rows of the instructions past their reply deadline are drawn in Python
(``cockpit.red_rows.late_rows``): each cell as cockpit/_late_instructions.html wrote it (names
shortened, markup escaped, the day it was given in local time, how often it was urged, the
催办 form with its own tokens where the reader may instruct), and the pages that show them
read them in a fixed number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.template import Context
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cockpit.red_rows import late_rows
from cockpit.selectors.redlist import late_instructions, with_days_late
from tasks.models import Instruction, Task
from tasks.services import instruction_give
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _late(world, *, late_by: int, urged: int = 0, task=None) -> Instruction:
    ins = instruction_give(
        task=task or world.task,
        by=world.leader,
        text="请<加快>推进" + "，务必按期完成" * 10,
        reply_by=timezone.localdate() + datetime.timedelta(days=1),
    )
    Instruction.objects.filter(pk=ins.pk).update(
        reply_by=timezone.localdate() - datetime.timedelta(days=late_by),
        # 17:30 UTC is the next morning in Shanghai: the day shown is the local one.
        given_at=datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC),
        urge_count=urged,
    )
    return ins


def _rows(html: str) -> list[str]:
    section = html.split('data-testid="late-instructions-table"', 1)[1]
    return section.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]


@pytest.fixture
def marked_up(world):
    """A task whose names and codes carry markup, an instruction on it urged twice."""
    world.campaign.name = "打造精简高效政务新生态改革攻坚行动"
    world.campaign.save()
    world.task_list.name = "第一批<改革>任务清单"
    world.task_list.save()
    world.leader.display_name = "李<区长>"
    world.leader.save()
    Task.objects.filter(pk=world.task.pk).update(title="<b>推行</b>容缺受理", code="A&1")
    world.task.refresh_from_db()
    world.ins = _late(world, late_by=6, urged=2)
    return world


def test_a_late_row_shows_each_cell_as_the_template_did(client, marked_up):
    w = marked_up
    client.force_login(w.leader)

    [row] = _rows(client.get(reverse("cockpit:overview")).content.decode())

    reply_by = (timezone.localdate() - datetime.timedelta(days=6)).isoformat()
    form = re.search(r"<form .*?</form>", row, re.S).group(0)
    assert row.replace(form, "FORM") == (
        f' data-instruction="{w.ins.pk}">\n'
        '    <td data-label="序号"><small class="muted">打造精简高效政务新...'
        " · 第一批&lt;改革&gt;...</small><br>A&amp;1</td>\n"
        f'    <td data-label="任务" class="title"><a href="/tasks/{w.task.pk}/#instructions">'
        "&lt;b&gt;推行&lt;/b&gt;容缺受理</a></td>\n"
        f'    <td data-label="牵头单位"><a href="/cockpit/units/{w.lead.pk}/">区行政审批服务局</a></td>\n'
        '    <td data-label="督办内容">请&lt;加快&gt;推进，务必按期完成，务必按期完成，务必按期完成，'
        "务必按期完成，务必按期完成，务必按期完成，务必按期完成，..."
        ' <small class="muted">李&lt;区长&gt; · 2026-03-02 · 已催办 2 次</small></td>\n'
        f'    <td data-label="答复期限">{reply_by}</td>\n'
        '    <td data-label="逾期天数" class="overdue-days"><strong>6</strong></td>\n'
        '    <td data-label="催办" class="no-print">FORM</td>\n'
        "  </tr>"
    )
    assert form.startswith(
        f'<form method="post" action="/tasks/instructions/{w.ins.pk}/urge/" class="inline">'
    )
    assert 'name="csrfmiddlewaretoken"' in form and 'name="_form_token"' in form
    assert form.endswith(
        '<button type="submit" class="secondary outline small">催办</button></form>'
    )


def test_an_instruction_urged_once_says_so_in_english(client, world):
    _late(world, late_by=1, urged=1)
    _late(world, late_by=2)
    client.cookies["django_language"] = "en"
    client.force_login(world.leader)

    never, once = _rows(  # the longest overdue first
        client.get(reverse("cockpit:overview")).content.decode()
    )

    assert "2026-03-02 · urged once</small>" in once
    assert "2026-03-02</small>" in never and "urged" not in never
    assert '<td data-label="Urge an answer" class="no-print"><form' in once


def test_each_late_rows_form_has_its_own_form_token(client, world):
    _late(world, late_by=1)
    _late(world, late_by=2)
    client.force_login(world.coordinator)

    rows = _rows(client.get(reverse("cockpit:overview")).content.decode())

    tokens = [re.search(r'name="_form_token" value="([^"]+)"', r).group(1) for r in rows]
    assert len(rows) == 2 and len(set(tokens)) == 2


def test_a_reader_who_may_not_instruct_in_the_campaign_gets_no_urge_button(world, rf):
    _late(world, late_by=3)
    rows = with_days_late(
        late_instructions(campaign_ids={world.campaign.pk}, today=timezone.localdate()),
        timezone.localdate(),
    )
    context = Context({"csrf_token": "t"})

    with translation.override("en"):
        shown = late_rows(context, rows, {world.other_campaign.pk})
        urged = late_rows(context, rows, {world.campaign.pk})

    assert (
        "<form" not in shown and '<td data-label="Urge an answer" class="no-print"></td>' in shown
    )
    assert urged.count("<form") == 1


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_late_rows_cost_no_query_per_row_and_are_counted_only_past_the_limit(client, world):
    """The rows are read in one query whatever their number; when fewer than the 20 shown are
    found they are all there is, so the total is not counted again."""
    client.force_login(world.leader)
    urls = [reverse("cockpit:overview"), reverse("cockpit:campaign", args=["reform"])]
    _late(world, late_by=1)
    one = [_queries(client, url) for url in urls]
    tasks = [TaskFactory(task_list=world.task_list, lead_unit=world.other) for _ in range(5)]
    for n, task in enumerate(tasks * 5):
        _late(world, late_by=n + 2, urged=n % 3, task=task)
    many = [_queries(client, url) for url in urls]

    assert many == [n + 1 for n in one]  # the count of the 26, and nothing per row
    html = client.get(urls[0]).content.decode()
    assert len(_rows(html)) == 20 and 'data-count="26"' in html
