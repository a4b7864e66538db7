"""我的任务 lists at most OWED_SHOWN owed tasks, the ones not reported yet first; the count
above the table stays the whole number."""

import pytest
from django.urls import reverse

from accounts.models import Role
from reporting.sections import OWED_SHOWN
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
