"""我的任务 beyond the table: sorting, 待我确认 with confirm-all, a report waiting for the head
shown as such, and evidence added to a report already sent."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tasks.models import Evidence, ProgressReport, Target, TaskEvent
from tasks.services import report_edit, report_submit
from tests.factories import TaskFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def heads_confirm(world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    return world


def titles_in_order(html: str, titles: list[str]) -> list[str]:
    return sorted(titles, key=html.index)


def test_my_tasks_sorts_by_deadline_light_and_last_report(client, world):
    today = timezone.localdate()
    late = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.lead,
        title="甲任务",
        deadline=today - datetime.timedelta(days=3),
        progress=80,
    )
    soon = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.lead,
        title="乙任务",
        deadline=today + datetime.timedelta(days=2),
        progress=90,
    )
    calm = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.lead,
        title="丙任务",
        deadline=today + datetime.timedelta(days=200),
        progress=10,
    )
    report_submit(task=late, by=world.lead_staff, text="x", percent=80)
    report_submit(task=calm, by=world.lead_staff, text="x", percent=10)
    report_submit(task=soon, by=world.lead_staff, text="x", percent=90)
    client.force_login(world.lead_staff)
    names = ["甲任务", "乙任务", "丙任务", world.task.title]

    def order(sort):
        html = client.get(reverse("tasks:mine"), {"sort": sort}).content.decode()
        return titles_in_order(html.split('id="all-tasks"')[1], names)

    assert order("deadline") == ["甲任务", "乙任务", "丙任务", world.task.title]
    # Red, yellow, then the two green ones in the lists' order.
    assert order("light") == ["甲任务", "乙任务", world.task.title, "丙任务"]
    # Never reported first, then the oldest report.
    assert order("last_report") == [world.task.title, "甲任务", "丙任务", "乙任务"]


def test_a_head_confirms_every_report_waiting_for_them_at_once(client, heads_confirm):
    world = heads_confirm
    tasks = [world.task] + [
        TaskFactory(task_list=world.task_list, lead_unit=world.lead) for _ in range(3)
    ]
    for n, task in enumerate(tasks):
        report_submit(task=task, by=world.lead_staff, text=f"进展{n}", percent=40 + n)
    client.force_login(world.lead_head)
    page = client.get(reverse("tasks:mine")).content.decode()
    assert page.count('data-testid="to-confirm-row"') == 4
    assert "确认全部 4 条报送" in page
    ids = list(ProgressReport.objects.values_list("pk", flat=True))
    Notification.objects.all().delete()

    response = client.post(reverse("tasks:reports_confirm_all"), {"report": ids})

    assert response.status_code == 302
    assert ProgressReport.objects.filter(confirmed_at__isnull=True).count() == 0
    for n, task in enumerate(tasks):
        task.refresh_from_db()
        assert task.progress == 40 + n
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.REPORT_CONFIRMED).count() == 4
    assert Notification.objects.filter(recipient=world.lead_staff).count() == 1
    assert "没有待确认的报送" in client.get(reverse("tasks:mine")).content.decode()


def test_confirm_all_refuses_a_report_of_another_unit_and_confirms_nothing(client, heads_confirm):
    world = heads_confirm
    own = report_submit(task=world.task, by=world.lead_staff, text="本单位", percent=30)
    theirs = report_submit(task=world.task, by=world.support_staff, text="配合单位", percent=30)
    client.force_login(world.lead_head)

    response = client.post(reverse("tasks:reports_confirm_all"), {"report": [own.pk, theirs.pk]})

    assert response.status_code == 403
    assert ProgressReport.objects.filter(confirmed_at__isnull=False).count() == 0


def test_confirm_all_is_only_for_unit_heads(client, heads_confirm):
    world = heads_confirm
    report = report_submit(task=world.task, by=world.lead_staff, text="x", percent=30)
    client.force_login(world.lead_staff)

    response = client.post(reverse("tasks:reports_confirm_all"), {"report": [report.pk]})

    assert response.status_code == 404
    report.refresh_from_db()
    assert report.confirmed_at is None


def test_a_report_waiting_for_the_head_says_so_on_the_task_and_in_my_tasks(client, heads_confirm):
    world = heads_confirm
    report_submit(task=world.task, by=world.lead_staff, text="x", percent=60)
    client.force_login(world.lead_staff)

    task_page = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()
    mine = client.get(reverse("tasks:mine")).content.decode()

    assert "进度 20%" in task_page and "已报 60%（待单位负责人确认）" in task_page
    assert "60%（待单位负责人确认）" in mine
    client.force_login(world.lead_head)
    client.post(reverse("tasks:reports_confirm_all"), {"report": [ProgressReport.objects.get().pk]})
    client.force_login(world.lead_staff)
    assert "待单位负责人确认" not in client.get(reverse("tasks:mine")).content.decode()
    assert "进度 60%" in client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()


def test_my_tasks_costs_the_same_queries_with_many_reports_waiting(client, heads_confirm):
    world = heads_confirm
    report_submit(task=world.task, by=world.lead_staff, text="x", percent=10)
    client.force_login(world.lead_head)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("tasks:mine"), {"sort": "light"}).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(25):
        task = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
        report_submit(task=task, by=world.lead_staff, text="x", percent=10)

    assert count() == few


def test_staff_add_evidence_to_a_report_already_sent(client, world):
    report = report_submit(task=world.task, by=world.lead_staff, text="一表填报", percent=30)
    client.force_login(world.lead_staff)
    url = reverse("tasks:report_evidence", args=[report.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"files": [files.pdf(), files.png()]})

    assert response.status_code == 302
    assert sorted(report.evidence.values_list("original_name", flat=True)) == [
        "佐证材料.pdf",
        "现场照片.png",
    ]
    event = TaskEvent.objects.filter(kind=TaskEvent.Kind.REPORT_EDITED).get()
    assert event.after["files"] == ["佐证材料.pdf", "现场照片.png"]
    page = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()
    assert "现场照片.png" in page and 'data-testid="add-evidence"' in page


def test_evidence_cannot_be_added_once_the_month_is_locked_or_by_another_unit(client, world):
    report = report_submit(task=world.task, by=world.lead_staff, text="x", percent=30)
    url = reverse("tasks:report_evidence", args=[report.pk])
    client.force_login(world.support_staff)
    assert client.post(url, {"files": [files.pdf()]}).status_code == 403
    client.force_login(world.other_staff)
    assert client.post(url, {"files": [files.pdf()]}).status_code == 404
    ProgressReport.objects.update(locked_at=timezone.now())
    client.force_login(world.lead_staff)
    assert client.post(url, {"files": [files.pdf()]}).status_code == 403
    assert client.post(url, {"files": [files.fake_pdf()]}).status_code == 403
    assert Evidence.objects.count() == 0


def test_a_refused_evidence_file_says_why(client, world):
    report = report_submit(task=world.task, by=world.lead_staff, text="x", percent=30)
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_evidence", args=[report.pk]), {"files": [files.fake_pdf()]}
    )

    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert Evidence.objects.count() == 0


def test_correcting_a_report_can_change_its_target_values(world):
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="x",
        percent=30,
        target_values={world.target.pk: 58},
    )

    report_edit(
        report=report,
        by=world.lead_staff,
        text="x",
        percent=30,
        target_values={world.target.pk: 61},
    )

    assert Target.objects.get().current_value == 61
    event = TaskEvent.objects.filter(kind=TaskEvent.Kind.REPORT_EDITED).get()
    assert event.before["target_values"] == {str(world.target.pk): "58.00"}
    assert event.after["target_values"] == {str(world.target.pk): "61"}
    report.refresh_from_db()
    assert report.version == 2
    report_edit(
        report=report,
        by=world.lead_staff,
        text="x",
        percent=30,
        target_values={world.target.pk: 61},
    )
    report.refresh_from_db()
    assert report.version == 2, "the same values again change nothing"
