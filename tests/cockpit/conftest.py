"""A campaign with a task in every situation the cockpit counts, in two work lists with
categories, plus lines and campaigns it must leave out, and last week's round."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from campaigns.models import TaskList
from cycles.schedule import round_times, week_start
from cycles.services import round_open
from tasks.models import Target, Task, TaskSupport
from tasks.services import report_record
from tests.factories import CategoryFactory, TaskFactory, TaskListFactory

TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
COUNT_LINK = re.compile(r'<a[^>]*href="([^"]+)"[^>]*data-count="(\d+)"')


def task_ids(html: str) -> set[int]:
    return {int(pk) for pk in TASK_LINK.findall(html)}


def count_links(html: str) -> list[tuple[str, int]]:
    """Every link on a page that says how many tasks it opens: (url, number)."""
    return [(unescape(url), int(n)) for url, n in COUNT_LINK.findall(html)]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def build_scene(w, *, extra: int = 0):
    """``w`` is tests.conftest.World; ``extra`` adds that many more tasks (query ceilings)."""
    w.today = timezone.localdate()
    w.policies = TaskListFactory(
        campaign=w.campaign, name="惠企政策清单", kind=TaskList.Kind.POLICY, order=1
    )
    w.c1 = CategoryFactory(task_list=w.policies, name="一、财税支持", order=1)
    w.c2 = CategoryFactory(task_list=w.policies, name="二、金融服务", order=2)
    L1, L2 = w.task_list, w.policies

    def task(lst, unit, **kw):
        return TaskFactory(task_list=lst, lead_unit=unit, **kw)

    w.red1 = task(L1, w.lead, deadline=days(-10), progress=30, specific_owner_name="张三")
    TaskSupport.objects.create(task=w.red1, unit=w.support)
    w.red2 = task(L2, w.other, category=w.c1, deadline=days(-40), principal_owner_name="李四")
    w.red3 = task(L2, w.lead, category=w.c2, deadline=days(-1), progress=80)
    w.yellow1 = task(L1, w.other, deadline=days(3), progress=50)
    w.yellow2 = task(L2, w.support, category=w.c1, deadline=days(20), progress=10)
    w.green = task(L2, w.support, category=w.c2, deadline=days(90), progress=60)
    w.closed = task(L1, w.other, status=Task.Status.CLOSED, progress=100)
    w.awaiting = task(L2, w.lead, category=w.c1, status=Task.Status.AWAITING_SIGNOFF)
    w.draft = task(L1, w.lead, status=Task.Status.DRAFT, deadline=days(-5))
    w.ongoing = task(L1, w.other, deadline=None, ongoing=True, deadline_text="长期坚持")
    for n in range(extra):
        unit = (w.lead, w.other, w.support)[n % 3]
        task((L1, L2)[n % 2], unit, deadline=days((-3, 2, 60)[n % 3]), progress=n % 100)
    # Lines that are not work, and another campaign's work: never counted here.
    checklist = TaskListFactory(campaign=w.campaign, kind=TaskList.Kind.CHECKLIST, order=3)
    task(checklist, w.lead, deadline=days(-9))
    other_list = TaskListFactory(campaign=w.other_campaign)
    w.foreign_red = task(other_list, w.lead, deadline=days(-60))
    # Targets: met (higher), met (lower), not met, not measured.
    Target.objects.create(
        task=w.green, metric="可办率", baseline=50, target_value=65, current_value=70
    )
    Target.objects.create(
        task=w.yellow1,
        metric="办理时限",
        direction=Target.Direction.LOWER,
        baseline=20,
        target_value=5,
        current_value=Decimal("4"),
    )
    Target.objects.create(task=w.red2, metric="覆盖率", target_value=90)
    # Last week's round: every task in progress owes a report; two are made, one late.
    times = round_times(w.campaign, week_start(w.today) - datetime.timedelta(days=7))
    w.round = round_open(campaign=w.campaign, times=times, now=times.opens_at)
    report_record(
        task=w.red1,
        by=w.lead_staff,
        unit=w.lead,
        text="本周推进",
        percent=40,
        submitted_at=times.opens_at + datetime.timedelta(hours=2),
    )
    report_record(
        task=w.yellow1,
        by=w.other_staff,
        unit=w.other,
        text="迟交",
        percent=55,
        submitted_at=times.due_at + datetime.timedelta(hours=2),
    )
    w.times = times
    return w


@pytest.fixture
def scene(world):
    return build_scene(world)
