import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from challenges.services import call_publish
from tests.factories import UserFactory

CRITERIA = [{"name": "方案可行性", "points": 40}, {"name": "目标先进性", "points": 60}]
TARGETS = [
    {"metric": "零跑动事项可办率", "unit_of_measure": "%", "baseline": 55, "threshold": 65},
    {
        "metric": "平均办理时限",
        "unit_of_measure": "工作日",
        "baseline": 10,
        "threshold": 5,
        "direction": "lower",
    },
]


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def deadline(now):
    return now + datetime.timedelta(days=7)


@pytest.fixture
def after_deadline(deadline):
    return deadline + datetime.timedelta(minutes=1)


@pytest.fixture
def other_head(world):
    return UserFactory(username="other_head", unit=world.other, roles=[Role.HEAD])


@pytest.fixture
def call(world, deadline):
    return call_publish(
        campaign=world.campaign,
        by=world.coordinator,
        task_list=world.task_list,
        title="破解企业开办“最后一公里”",
        goal="企业开办全程网办，一日办结",
        conditions="具备系统改造能力",
        claim_deadline=deadline,
        criteria=CRITERIA,
        targets=TARGETS,
    )


def bid_values(world, **overrides):
    values = {
        "plan": "梳理流程，打通系统，窗口帮办。",
        "commander": "李局长",
        "leader_in_charge": "王副局长",
        "specific_owner": "测试用户",
        "complete_by": datetime.date(2031, 6, 30),
        "supporting_units": [world.support],
    }
    values.update(overrides)
    return values
