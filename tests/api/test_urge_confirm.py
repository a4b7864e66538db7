"""催办 and a head's confirmation through the API: the pages' services, history and rules."""

from decimal import Decimal

import pytest

from api.models import TokenWrite
from campaigns.models import Campaign
from notifications.models import Notification
from tasks.models import Instruction, ProgressReport, Target, Task, TaskEvent
from tasks.services import instruction_give, report_submit
from tests.api.conftest import client_with, token_for

pytestmark = pytest.mark.django_db


def test_urging_an_instruction_reminds_the_lead_unit_and_is_attributed(world):
    instruction = instruction_give(task=world.task, by=world.leader, text="请加快推进")
    api = client_with(token_for(world.coordinator))
    notices = Notification.objects.filter(recipient=world.lead_staff).count()

    response = api.post(f"/api/v1/instructions/{instruction.pk}/urge/")

    assert response.status_code == 200, response.content
    assert response.json()["urge_count"] == 1 and response.json()["urged_at"]
    event = TaskEvent.objects.get(kind=TaskEvent.Kind.INSTRUCTION_URGED)
    assert event.actor == world.coordinator and event.after["reminded"] == [world.lead_staff.pk]
    assert Notification.objects.filter(recipient=world.lead_staff).count() == notices + 1
    write = TokenWrite.objects.get()
    assert write.user == world.coordinator and write.task_events == [event.pk]


def test_urging_again_within_the_hour_is_refused_and_writes_nothing(world):
    instruction = instruction_give(task=world.task, by=world.leader, text="请加快推进")
    api = client_with(token_for(world.leader))
    assert api.post(f"/api/v1/instructions/{instruction.pk}/urge/").status_code == 200
    events, notices = TaskEvent.objects.count(), Notification.objects.count()

    again = api.post(f"/api/v1/instructions/{instruction.pk}/urge/")

    assert again.status_code == 400 and again.json()["code"] == "too_soon"
    assert (TaskEvent.objects.count(), Notification.objects.count()) == (events, notices)
    assert Instruction.objects.get(pk=instruction.pk).urge_count == 1


def test_the_lead_unit_may_not_urge_its_own_instruction(world):
    instruction = instruction_give(task=world.task, by=world.leader, text="请加快推进")
    api = client_with(token_for(world.lead_staff))

    response = api.post(f"/api/v1/instructions/{instruction.pk}/urge/")

    assert response.status_code == 403
    assert Instruction.objects.get(pk=instruction.pk).urge_count == 0


@pytest.fixture
def pending(world):
    Campaign.objects.filter(pk=world.campaign.pk).update(requires_head_confirmation=True)
    target = Target.objects.create(task=world.task, metric="可办率", target_value=65)
    report = report_submit(
        task=Task.objects.get(pk=world.task.pk),
        by=world.lead_staff,
        text="待确认",
        percent=60,
        target_values={target.pk: Decimal("58")},
    )
    assert report.confirmed_at is None
    return report, target


def test_the_unit_head_confirms_a_pending_report_and_it_counts(world, pending):
    report, target = pending
    api = client_with(token_for(world.lead_head))

    response = api.post(f"/api/v1/reports/{report.pk}/confirm/")

    assert response.status_code == 200, response.content
    assert response.json()["confirmed_at"]
    assert Task.objects.get(pk=world.task.pk).progress == 60
    target.refresh_from_db()
    assert target.current_value == Decimal("58")
    kinds = list(
        TaskEvent.objects.filter(actor=world.lead_head)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[0] == TaskEvent.Kind.REPORT_CONFIRMED
    assert Notification.objects.filter(
        recipient=world.lead_staff, kind=Notification.Kind.REPORT_CONFIRMED
    ).exists()
    again = api.post(f"/api/v1/reports/{report.pk}/confirm/")
    assert again.status_code == 400 and again.json()["code"] == "already"


def test_staff_cannot_confirm_and_nothing_changes(world, pending):
    report, _target = pending
    api = client_with(token_for(world.lead_staff))
    events = TaskEvent.objects.count()

    response = api.post(f"/api/v1/reports/{report.pk}/confirm/")

    assert response.status_code == 403
    assert ProgressReport.objects.get(pk=report.pk).confirmed_at is None
    assert TaskEvent.objects.count() == events
    assert Task.objects.get(pk=world.task.pk).progress == world.task.progress
