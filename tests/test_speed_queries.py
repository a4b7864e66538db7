"""Issue 9's speed, as tests can hold it (benchmarks/pages.py times the pages): every page a
leader, coordinator or staff member opens costs the same number of queries with a few tasks
as with many — more than a page of tasks, owed tasks, tasks waiting for 签收, red tasks in the
weekly bulletin and review lines — under a fixed ceiling. The cut lists say how many they
leave out, and the figures beside them count everything."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cycles.models import MonthlyReview, Rating, ReviewItem, RoundItem
from tasks.models import ProgressReport, Task
from tests.cockpit.conftest import build_scene, days
from tests.conftest import page_reads
from tests.factories import TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db

CEILING = 30
MANY = 60  # more than a page (50) of every list that is cut


def pages(w) -> dict[str, tuple]:
    slug, lst = w.campaign.slug, w.task_list.pk
    listed = reverse("campaigns:list_detail", args=[slug, lst])
    mine = reverse("tasks:mine")
    return {
        "list": (w.coordinator, listed),
        "list, red": (w.coordinator, listed + "?light=red"),
        "list, a unit": (w.coordinator, listed + f"?unit={w.lead.pk}"),
        "list, search": (w.coordinator, listed + "?q=任务"),
        "list, last page": (w.coordinator, listed + "?page=last"),
        "list (leader)": (w.leader, listed),
        "list (staff)": (w.lead_staff, listed + "?light=red"),
        "campaign": (w.coordinator, reverse("campaigns:detail", args=[slug])),
        "campaign (leader)": (w.leader, reverse("campaigns:detail", args=[slug])),
        "我的任务": (w.lead_staff, mine),
        "我的任务 by light": (w.lead_staff, mine + "?sort=light"),
        "我的任务 by deadline": (w.lead_staff, mine + "?sort=deadline"),
        "我的任务 by last report": (w.lead_staff, mine + "?sort=last_report"),
        "我的任务 (head)": (w.lead_head, mine),
        "cycles": (w.coordinator, reverse("cycles:campaign", args=[slug])),
        "weekly bulletin": (w.coordinator, reverse("cycles:round", args=[w.round.pk])),
        "weekly bulletin (staff)": (w.lead_staff, reverse("cycles:round", args=[w.round.pk])),
        "review": (w.coordinator, reverse("cycles:review", args=[w.review.pk])),
        "review, a unit": (
            w.coordinator,
            reverse("cycles:review", args=[w.review.pk]) + f"?unit={w.lead.pk}",
        ),
        "draft ranking": (w.coordinator, reverse("cycles:ranking", args=[w.review.pk])),
        "API tasks": (w.coordinator, "/api/tasks/"),
        "API tasks (staff)": (w.lead_staff, "/api/tasks/"),
    }


def count(client, user, url) -> int:
    client.force_login(user)
    client.get(url)  # the session and the translations are loaded once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return page_reads(ctx)


def add_tasks(w, n: int) -> list[Task]:
    """``n`` tasks led by 审批局 (red), each owed in the round, handed over and waiting
    for 签收, with a line in the review; and ``n`` of other new units' in the same round."""
    now = timezone.now()
    units = [UnitFactory() for _ in range(3)]
    tasks = []
    for i in range(n):
        tasks.append(
            TaskFactory(
                task_list=w.task_list,
                lead_unit=w.lead,
                title=f"新增任务{i}",
                deadline=days(-5 - i % 30),
                progress=i % 90,
            )
        )
        tasks.append(TaskFactory(task_list=w.task_list, lead_unit=units[i % 3], deadline=days(-2)))
    Task.objects.filter(pk__in=[t.pk for t in tasks], lead_unit=w.lead).update(
        handed_over_at=now - datetime.timedelta(hours=1)
    )
    RoundItem.objects.bulk_create(
        [RoundItem(round=w.round, task=t, lead_unit_id=t.lead_unit_id) for t in tasks]
    )
    # Each reported the week before (so the owed rows shown always have a last report).
    ProgressReport.objects.bulk_create(
        [
            ProgressReport(
                task=t,
                unit_id=t.lead_unit_id,
                period_start=w.times.week_start - datetime.timedelta(days=7),
                text="上周进展",
                percent=10,
                submitted_by=w.lead_staff,
                submitted_at=w.times.opens_at - datetime.timedelta(days=3),
            )
            for t in tasks
        ]
    )
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                review=w.review,
                task=t,
                lead_unit_id=t.lead_unit_id,
                proposed=Rating.ON_TRACK,
                reason="例",
            )
            for t in tasks
        ]
    )
    return tasks


def scene(world):
    w = build_scene(world)
    w.review = MonthlyReview.objects.create(campaign=w.campaign, month=datetime.date(2026, 10, 1))
    add_tasks(w, 2)
    return w


def test_every_page_costs_the_same_queries_with_few_or_many_tasks(client, world):
    w = scene(world)
    few = {name: count(client, user, url) for name, (user, url) in pages(w).items()}

    add_tasks(w, MANY)
    many = {name: count(client, user, url) for name, (user, url) in pages(w).items()}

    assert many == few
    assert max(few.values()) <= CEILING, few
    # 我的任务: the count with the page's keys, 本周应报送's and 签收's counts with their rows.
    assert {k: v for k, v in few.items() if k.startswith("我的任务")} == {
        "我的任务": 11,
        "我的任务 by light": 11,
        "我的任务 by deadline": 11,
        "我的任务 by last report": 11,
        "我的任务 (head)": 12,  # and 待我确认
    }


def test_the_cut_lists_say_how_many_they_leave_out_and_the_figures_count_everything(client, world):
    w = scene(world)
    add_tasks(w, MANY)
    owed = RoundItem.objects.filter(
        round=w.round, task__lead_unit=w.lead, task__status=Task.Status.IN_PROGRESS
    ).count()
    waiting = Task.objects.awaiting_acknowledgement().filter(lead_unit=w.lead).count()
    client.force_login(w.lead_staff)

    page = client.get(reverse("tasks:mine")).content.decode()

    assert f'data-testid="owed-count">{owed}<' in page
    assert page.count('data-testid="owed-row"') == 50
    assert 'data-testid="owed-more"' in page and f"{owed}" in page
    assert page.count('name="task"') == 50
    assert f"另有 {waiting - 50} 项" in page
    # 签收 acknowledges every task counted, not just the 50 named ...
    form = {
        "task": [t.pk for t in Task.objects.awaiting_acknowledgement().filter(lead_unit=w.lead)][
            :50
        ],
        "until": timezone.localtime(
            Task.objects.filter(lead_unit=w.lead).latest("handed_over_at").handed_over_at
        ).isoformat(),
    }
    late = TaskFactory(task_list=w.task_list, lead_unit=w.lead)  # ... but not one handed later
    Task.objects.filter(pk=late.pk).update(
        handed_over_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    client.post(reverse("tasks:acknowledge_all"), form)
    assert list(
        Task.objects.awaiting_acknowledgement()
        .filter(lead_unit=w.lead)
        .values_list("pk", flat=True)
    ) == [late.pk]

    client.force_login(w.coordinator)
    response = client.get(reverse("cycles:round", args=[w.round.pk]))
    result = response.context["result"]
    red = result["totals"]["red"]
    assert red > 50 and len(result["red"]) == 50 and result["more"]["red"] == red - 50
    assert (
        sum(u["owed"] for u in result["units"]) == RoundItem.objects.filter(round=w.round).count()
    )
