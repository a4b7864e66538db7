"""The task admin changes a task only through the services, so every change leaves history."""

import re

import pytest

from tasks.models import Task, TaskEvent
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _change_form_data(html: str) -> dict[str, str]:
    """The inputs of the admin's change form as the page shows them (what a browser sends)."""
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(checkbox|submit|file)"', tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_a_task_changed_in_the_admin_records_who_changed_what(admin_client, admin_user):
    task = TaskFactory(title="旧标题", deadline_text="2026年底")
    url = f"/admin/tasks/task/{task.pk}/change/"
    data = _change_form_data(admin_client.get(url).content.decode())
    data["title"] = "新标题"
    data["deadline_text"] = "2027年6月"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.title == "新标题"
    assert task.version == 2
    event = TaskEvent.objects.get(task=task)
    assert event.actor == admin_user
    assert event.kind == TaskEvent.Kind.UPDATED
    assert event.before == {"deadline_text": "2026年底", "title": "旧标题"}
    assert event.after == {"deadline_text": "2027年6月", "title": "新标题"}


def test_the_admin_cannot_add_tasks_or_change_what_a_workflow_owns(admin_client):
    task = TaskFactory(progress=40)
    other = UnitFactory()
    url = f"/admin/tasks/task/{task.pk}/change/"
    data = _change_form_data(admin_client.get(url).content.decode())
    data.update(progress="100", status=Task.Status.CLOSED, lead_unit=str(other.pk))

    admin_client.post(url, data)

    task.refresh_from_db()
    assert (task.progress, task.status, task.lead_unit_id) == (
        40,
        Task.Status.IN_PROGRESS,
        task.lead_unit_id,
    )
    assert task.lead_unit_id != other.pk
    assert not TaskEvent.objects.filter(task=task).exists()
    assert admin_client.get("/admin/tasks/task/add/").status_code == 403


def test_the_admin_shows_reports_but_never_writes_them(admin_client):
    """Reports are made, corrected and locked through the services, which keep their history
    and settle the weekly report owed they answer: the admin only shows them."""
    from tasks.services import report_submit

    task = TaskFactory()
    lead = UserFactory(unit=task.lead_unit)
    report = report_submit(task=task, by=lead, text="已完成方案起草", percent=30)
    url = f"/admin/tasks/progressreport/{report.pk}/change/"

    page = admin_client.get(url)
    assert page.status_code == 200
    assert "已完成方案起草" in page.content.decode()
    admin_client.post(url, {"text": "改过的", "percent": 90})
    assert admin_client.get("/admin/tasks/progressreport/add/").status_code == 403
    assert admin_client.post(f"/admin/tasks/progressreport/{report.pk}/delete/").status_code == 403
    report.refresh_from_db()
    assert (report.text, report.percent) == ("已完成方案起草", 30)
