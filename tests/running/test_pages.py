"""The coordinators' pages and 签收 on the task page and 我的任务, through the client."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, TaskList
from campaigns.services.running import campaign_archive
from tasks.models import Task, TaskEvent
from tasks.services import request_create, task_create, task_update
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_coordinator_creates_a_campaign_adds_a_list_and_a_task_by_hand(client, world):
    client.force_login(world.coordinator)
    assert "campaigns/new/" in _text(client.get(reverse("campaigns:list")))

    response = client.post(
        reverse("campaigns:create"),
        {
            "name": "营商环境攻坚年行动",
            "slug": "biz-2026",
            "year": 2026,
            "organiser": world.office.pk,
            "start_date": "2026-03-01",
            "acknowledge_within_hours": 12,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:edit", args=["biz-2026"])
    campaign = Campaign.objects.get(slug="biz-2026")
    assert list(campaign.coordinators.all()) == [world.coordinator]

    response = client.post(
        reverse("campaigns:list_create", args=[campaign.slug]),
        {"name": "攻坚任务清单", "kind": "reform"},
    )
    task_list = TaskList.objects.get(campaign=campaign)
    assert response["Location"] == reverse(
        "campaigns:list_detail", args=[campaign.slug, task_list.pk]
    )
    page = _text(client.get(response["Location"]))
    add_url = reverse("campaigns:task_add", args=[campaign.slug, task_list.pk])
    assert add_url in page
    assert 'value="1"' in _text(client.get(add_url))  # the next number is offered

    response = client.post(
        add_url,
        {
            "code": "1",
            "title": "推行容缺受理",
            "lead_unit": world.lead.pk,
            "supporting_units": [world.support.pk],
            "specific_owner_name": "王联络",
            "deadline": "2026-12-31",
            "difficulty": "2.0",
        },
    )
    task = Task.objects.get(task_list=task_list)
    assert response["Location"] == reverse("tasks:detail", args=[task.pk])
    assert (task.title, task.lead_unit, task.specific_owner_name) == (
        "推行容缺受理",
        world.lead,
        "王联络",
    )
    assert task.awaiting_acknowledgement


def test_a_refused_campaign_form_keeps_what_was_typed_and_says_why(client, world):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("campaigns:create"),
        {
            "name": "营商环境攻坚年行动",
            "year": 2026,
            "organiser": world.office.pk,
            "start_date": "2026-03-01",
            "end_date": "2026-01-01",
            "acknowledge_within_hours": 12,
        },
    )
    assert response.status_code == 400
    assert "营商环境攻坚年行动" in _text(response)
    assert 'class="errorlist"' in _text(response)
    assert not Campaign.objects.filter(name="营商环境攻坚年行动").exists()


def test_the_edit_page_refuses_a_stale_save_saying_who_changed_what(client, world):
    client.force_login(world.coordinator)
    url = reverse("tasks:edit", args=[world.task.pk])
    form = _text(client.get(url))
    assert f'name="version" value="{world.task.version}"' in form
    assert 'type="date" name="deadline" value="2030-06-30"' in form  # a date input reads ISO
    opened = world.task.version
    task_update(task=world.task, by=world.other_coordinator, deadline=datetime.date(2031, 3, 31))

    response = client.post(
        url,
        {
            "code": world.task.code,
            "title": "我的修改",
            "lead_unit": world.lead.pk,
            "deadline": "2030-06-30",
            "difficulty": "1.0",
            "version": opened,
        },
    )

    assert response.status_code == 400
    assert str(world.other_coordinator) in _text(response)
    task = Task.objects.get(pk=world.task.pk)
    assert task.title == "推行容缺受理机制" and task.deadline == datetime.date(2031, 3, 31)


def test_changing_the_date_clears_the_old_wording_of_the_deadline(client, world):
    Task.objects.filter(pk=world.task.pk).update(deadline_text="2030年6月底前")
    task = Task.objects.get(pk=world.task.pk)
    client.force_login(world.coordinator)

    client.post(
        reverse("tasks:edit", args=[task.pk]),
        {
            "code": task.code,
            "title": task.title,
            "lead_unit": world.lead.pk,
            "supporting_units": [world.support.pk],
            "deadline": "2030-09-30",
            "deadline_text": "2030年6月底前",
            "difficulty": "1.0",
            "version": task.version,
        },
    )

    task.refresh_from_db()
    assert task.deadline == datetime.date(2030, 9, 30) and task.deadline_text == ""


def test_the_task_page_offers_the_edit_to_the_coordinator_only(client, world):
    url = reverse("tasks:detail", args=[world.task.pk])
    client.force_login(world.coordinator)
    assert reverse("tasks:edit", args=[world.task.pk]) in _text(client.get(url))
    client.force_login(world.lead_staff)
    assert reverse("tasks:edit", args=[world.task.pk]) not in _text(client.get(url))


def test_a_transfer_decision_offers_the_owners_and_sets_those_given(client, world):
    Task.objects.filter(pk=world.task.pk).update(principal_owner_name="赵局长")
    request = request_create(
        task=world.task, by=world.lead_staff, kind="transfer", reason="r", proposed_unit=world.other
    )
    client.force_login(world.coordinator)
    page = _text(client.get(reverse("tasks:requests")))
    assert 'name="principal_owner_name" maxlength="50" value="赵局长"' in page

    client.post(
        reverse("tasks:request_decide", args=[request.pk]),
        {
            "decision": "approve",
            "version": request.version,
            "principal_owner_name": "周局长",
            "leader_in_charge_name": "",
            "specific_owner_name": "吴联络",
        },
    )

    task = Task.objects.get(pk=world.task.pk)
    assert task.lead_unit == world.other
    assert (task.principal_owner_name, task.specific_owner_name) == ("周局长", "吴联络")


def _handed(world, code: str, unit=None, hours_ago: int = 1) -> Task:
    task = task_create(
        task_list=world.task_list, code=code, title=f"任务{code}", lead_unit=unit or world.lead
    )
    Task.objects.filter(pk=task.pk).update(
        handed_over_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )
    return task


def test_the_lead_unit_acknowledges_on_the_task_page(client, world):
    task = _handed(world, "新1")
    url = reverse("tasks:detail", args=[task.pk])
    client.force_login(world.support_staff)
    TaskSupport = task.supports.model
    TaskSupport.objects.create(task=task, unit=world.support)
    assert 'data-testid="acknowledge"' not in _text(client.get(url))
    client.force_login(world.lead_staff)
    assert 'data-testid="acknowledge"' in _text(client.get(url))

    response = client.post(reverse("tasks:acknowledge", args=[task.pk]))

    assert response["Location"] == url
    page = _text(client.get(url))
    assert 'data-testid="acknowledge"' not in page
    assert str(world.lead_staff) in page
    assert task.events.filter(kind=TaskEvent.Kind.ACKNOWLEDGED).count() == 1


def test_my_tasks_acknowledges_everything_the_unit_was_shown_at_once(client, world):
    shown = [_handed(world, f"新{n}") for n in range(3)]
    _handed(world, "别家", unit=world.other)
    client.force_login(world.lead_staff)

    page = _text(client.get(reverse("tasks:mine")))
    assert page.count('name="task"') == 3
    assert page.count('data-testid="ack-flag"') == 3
    late = _handed(world, "后到")  # arrives after the page was shown
    response = client.post(reverse("tasks:acknowledge_all"), {"task": [t.pk for t in shown]})

    assert response["Location"] == reverse("tasks:mine")
    assert (
        Task.objects.filter(pk__in=[t.pk for t in shown], acknowledged_at__isnull=False).count()
        == 3
    )
    assert Task.objects.get(pk=late.pk).awaiting_acknowledgement
    assert _text(client.get(reverse("tasks:mine"))).count('name="task"') == 1


def test_coordinators_see_who_has_not_acknowledged_and_the_figures_are_plain_counts(client, world):
    for n in range(3):
        _handed(world, f"旧{n}", hours_ago=30)
    _handed(world, "新", hours_ago=1)
    _handed(world, "他", unit=world.other, hours_ago=30)
    client.force_login(world.coordinator)

    waiting = Task.objects.awaiting_acknowledgement().filter(task_list__campaign=world.campaign)
    overdue = waiting.filter(handed_over_at__lte=timezone.now() - datetime.timedelta(hours=24))
    detail = _text(client.get(reverse("campaigns:detail", args=[world.campaign.slug])))
    assert f"{waiting.count()}项任务待牵头单位签收，其中{overdue.count()}项已超时" in detail
    url = reverse("campaigns:acknowledgements", args=[world.campaign.slug])
    page = _text(client.get(url))
    assert f"<strong>{waiting.count()}</strong>" in page
    assert f'<strong class="overdue">{overdue.count()}</strong>' in page
    assert _text(client.get(url + "?overdue=1")).count('class="flag"') == overdue.count() == 4
    client.force_login(world.lead_staff)
    assert 'data-testid="ack-summary"' not in _text(
        client.get(reverse("campaigns:detail", args=[world.campaign.slug]))
    )


def test_the_acknowledgement_page_costs_the_same_queries_at_any_size(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.coordinator)
    url = reverse("campaigns:acknowledgements", args=[world.campaign.slug])
    for n in range(3):
        _handed(world, f"少{n}", unit=UnitFactory(), hours_ago=30)
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    for n in range(40):
        _handed(world, f"多{n}", unit=UnitFactory(), hours_ago=30 - n % 2 * 29)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_archived_campaigns_leave_the_list_until_asked_for_and_show_as_read_only(client, world):
    campaign_archive(campaign=world.campaign, by=world.coordinator)
    client.force_login(world.coordinator)

    listing = _text(client.get(reverse("campaigns:list")))
    assert world.campaign.name not in listing
    assert "?archived=1" in listing
    assert world.campaign.name in _text(client.get(reverse("campaigns:list") + "?archived=1"))
    edit = _text(client.get(reverse("campaigns:edit", args=[world.campaign.slug])))
    assert 'data-testid="archived"' in edit
    assert reverse("campaigns:restore", args=[world.campaign.slug]) in edit
    response = client.post(
        reverse("campaigns:edit", args=[world.campaign.slug]),
        {
            "name": "x",
            "year": 2026,
            "organiser": world.office.pk,
            "start_date": "2026-01-01",
            "status": "active",
            "coordinators": [world.coordinator.pk],
            "acknowledge_within_hours": 24,
        },
    )
    assert response.status_code == 403
    assert Campaign.objects.get(pk=world.campaign.pk).name == "改革攻坚行动"
