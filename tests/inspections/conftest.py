import datetime

import pytest

from accounts.models import Role
from campaigns.models import TaskList
from inspections.services import round_open
from tasks.models import TaskSupport
from tests.factories import TaskFactory, TaskListFactory, UserFactory


@pytest.fixture
def checklist(world):
    return with_checklist(world)


def with_checklist(world):
    """Three questions in world's campaign: q1 led by world.lead and supported by world.support,
    q2 led by world.lead, q3 led by world.other (questions have no deadline). An inspector of
    the 督查组 joins the world."""
    world.checklist = TaskListFactory(
        campaign=world.campaign, name="督查检查“100个是否”清单", kind=TaskList.Kind.CHECKLIST
    )
    world.q1 = TaskFactory(
        task_list=world.checklist,
        code="1",
        order=1,
        lead_unit=world.lead,
        title="是否公开办事指南",
        deadline=None,
    )
    TaskSupport.objects.create(task=world.q1, unit=world.support)
    world.q2 = TaskFactory(
        task_list=world.checklist,
        code="2",
        order=2,
        lead_unit=world.lead,
        title="是否实行容缺受理",
        deadline=None,
    )
    world.q3 = TaskFactory(
        task_list=world.checklist,
        code="3",
        order=3,
        lead_unit=world.other,
        title="是否设立帮办代办窗口",
        deadline=None,
    )
    world.inspector = UserFactory(username="inspector", unit=world.office, roles=[Role.INSPECTOR])
    return world


@pytest.fixture
def inspection(checklist):
    """An open round of the checklist for every unit its questions name."""
    checklist.round = round_open(
        checklist=checklist.checklist,
        by=checklist.coordinator,
        title="2026年第一轮督查",
        due_date=datetime.date(2026, 12, 15),
    )
    return checklist
