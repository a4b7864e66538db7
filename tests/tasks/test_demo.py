import pytest
from django.core.management import call_command

from accounts.models import Unit, User
from campaigns.models import Campaign, Category, TaskList
from tasks.models import Instruction, ProgressReport, Task, TaskEvent, TaskRequest

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Unit, User, Campaign, TaskList, Category, Task, ProgressReport, TaskEvent)
    }


def test_demo_builds_both_campaigns_and_a_second_run_adds_nothing(client):
    call_command("load_demo", password="demo-pass-1")
    first = counts()

    call_command("load_demo", password="demo-pass-1")

    assert counts() == first
    new_area = Campaign.objects.get(slug="new-area-ecosystem")
    lists = {tl.kind: tl for tl in new_area.lists.all()}
    reform = lists["reform"]
    assert reform.tasks.count() == 294
    assert reform.categories.count() == 17
    assert lists["service"].tasks.count() == 162
    assert lists["service"].categories.count() == 15
    assert lists["policy"].tasks.count() == 120
    assert lists["checklist"].tasks.count() == 100
    assert lists["checklist"].categories.count() == 5
    assert lists["measure"].tasks.count() == 10
    action = Campaign.objects.get(slug="institution-year-action").lists.get()
    assert action.tasks.count() == 10
    assert Task.objects.filter(task_list=action, targets__isnull=False).distinct().count() == 10
    assert Task.objects.filter(task_list=action, supports__isnull=False).distinct().count() == 10
    # Every page has something to show: reports over past weeks, and all three lights.
    assert ProgressReport.objects.values("period_start").distinct().count() >= 4
    lights = {task.light.light for task in Task.objects.all()}
    assert {"red", "yellow", "green"} <= lights
    assert Task.objects.filter(status=Task.Status.CLOSED).exists()
    # The coordinator's queue and the staff's flags have something in them.
    assert TaskRequest.objects.filter(status=TaskRequest.Status.PENDING).count() == 2
    assert Instruction.objects.filter(answered_at__isnull=True).count() == 2

    # One login per role, with the password given.
    for username in ("coordinator", "leader", "staff", "head", "auditor", "sysadmin", "secadmin"):
        assert client.login(username=username, password="demo-pass-1"), username
        client.logout()
    staff = User.objects.get(username="staff")
    assert staff.unit.name == "区行政审批服务局"
    assert User.objects.get(username="head").unit == staff.unit


def test_administrators_get_the_directory_in_admin_but_no_task_content(client):
    call_command("load_demo", password="demo-pass-3")

    client.login(username="sysadmin", password="demo-pass-3")
    assert client.get("/admin/accounts/unit/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/tasks/task/").status_code == 403
    assert client.get("/admin/tasks/taskevent/").status_code == 403
    client.logout()

    client.login(username="secadmin", password="demo-pass-3")
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/unit/").status_code == 403
    client.logout()

    client.login(username="staff", password="demo-pass-3")
    assert client.get("/admin/").status_code == 302  # to the admin login: not staff


def test_administrators_cannot_raise_their_own_privileges(client):
    from accounts.models import UserRole

    call_command("load_demo", password="demo-pass-4")
    secadmin = User.objects.get(username="secadmin")
    sysadmin = User.objects.get(username="sysadmin")
    staff = User.objects.get(username="staff")

    client.login(username="secadmin", password="demo-pass-4")
    own = client.get(f"/admin/accounts/user/{secadmin.pk}/change/")
    assert own.status_code in (302, 403) or 'name="is_superuser"' not in own.content.decode()
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    client.post(f"/admin/accounts/user/{secadmin.pk}/change/", {"is_superuser": "on"})
    secadmin.refresh_from_db()
    assert not secadmin.is_superuser
    client.logout()

    client.login(username="sysadmin", password="demo-pass-4")
    # Roles are edited inline on the user page: read-only for the system administrator.
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert 'name="roles-0-role"' not in page
    assert not UserRole.objects.filter(user=sysadmin, role="leader").exists()
