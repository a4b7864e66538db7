"""我的任务 lists at most OWED_SHOWN owed tasks, the ones not reported yet first; the count
above the table stays the whole number."""

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting.sections import OWED_SHOWN
from tasks.services import report_submit
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory, UnitFactory, UserFactory
from tests.reporting.sheets import open_round


@pytest.mark.django_db
def test_a_unit_owing_many_tasks_sees_the_first_ones_and_how_many_more(client):
    unit = UnitFactory(name="区住房城乡建设局")
    campaign = CampaignFactory()
    task_list = TaskListFactory(campaign=campaign)
    for _ in range(OWED_SHOWN + 5):
        TaskFactory(task_list=task_list, lead_unit=unit)
    open_round(campaign)
    client.force_login(UserFactory(unit=unit, roles=[Role.STAFF]))

    page = client.get(reverse("tasks:mine")).content.decode()

    assert page.count('data-testid="owed-row"') == OWED_SHOWN
    assert f'data-testid="owed-count">{OWED_SHOWN + 5}<' in page
    assert f"此处列出 {OWED_SHOWN + 5} 项应报任务中的前 {OWED_SHOWN} 项" in page


@pytest.mark.django_db
def test_a_unit_owing_few_tasks_sees_them_all(client):
    unit = UnitFactory(name="区住房城乡建设局")
    campaign = CampaignFactory()
    task_list = TaskListFactory(campaign=campaign)
    for _ in range(3):
        TaskFactory(task_list=task_list, lead_unit=unit)
    open_round(campaign)
    client.force_login(UserFactory(unit=unit, roles=[Role.STAFF]))

    page = client.get(reverse("tasks:mine")).content.decode()

    assert page.count('data-testid="owed-row"') == 3
    assert 'data-testid="owed-more"' not in page


@pytest.mark.django_db
def test_each_owed_row_shows_the_round_the_wait_and_the_last_report(client):
    """The rows are written in Python (reporting/templatetags/owed.py): what each shows."""
    unit = UnitFactory(name="区住房城乡建设局")
    campaign = CampaignFactory(requires_head_confirmation=True)
    task_list = TaskListFactory(campaign=campaign)
    reported = TaskFactory(task_list=task_list, lead_unit=unit, title="<b>优化</b>审批", order=1)
    missing = TaskFactory(task_list=task_list, lead_unit=unit, order=2)
    open_round(campaign)
    staff = UserFactory(unit=unit, roles=[Role.STAFF])
    report_submit(task=reported, by=staff, text="推进", percent=35, files=[])
    client.force_login(staff)

    page = client.get(reverse("tasks:mine")).content.decode()
    rows = page.split('data-testid="owed-row"')[1:]

    assert len(rows) == 2
    first, second = sorted(rows, key=lambda row: 'class="reported"' not in row)
    assert first.startswith(' class="reported"') and second.startswith(' class="missing"')
    assert f'href="/tasks/{reported.pk}/"' in first and f'href="/tasks/{missing.pk}/"' in second
    assert "&lt;b&gt;优化&lt;/b&gt;审批" in first and "<b>优化" not in page
    assert '<mark class="ok">已报</mark>' in first and "35%（待单位负责人确认）" in first
    assert '<mark class="bad">未报</mark>' in second and 'data-testid="awaiting"' not in second
    assert '<span class="muted">尚未报送</span>' in second
