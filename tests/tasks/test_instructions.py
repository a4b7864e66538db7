"""Instructions (督办) with an answer deadline, chased with 催办, overdue ones listed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from config.errors import RuleViolation
from notifications.models import Notification
from tasks.models import Instruction, Task, TaskEvent
from tasks.selectors import overdue_instructions
from tasks.services import instruction_answer, instruction_give, instruction_urge
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def overdue(world, days: int = 3) -> Instruction:
    """An instruction whose answer deadline passed ``days`` ago (given before that)."""
    instruction = instruction_give(task=world.task, by=world.leader, text="请于本周内报送整改方案")
    Instruction.objects.filter(pk=instruction.pk).update(reply_by=timezone.localdate() - days * DAY)
    instruction.refresh_from_db()
    return instruction


def test_an_instruction_with_an_answer_deadline_says_it_to_the_lead_unit(world):
    due = timezone.localdate() + 7 * DAY

    instruction = instruction_give(
        task=world.task, by=world.coordinator, text="加快进度", reply_by=due
    )

    assert instruction.reply_by == due
    event = world.task.events.get(kind=TaskEvent.Kind.INSTRUCTION_GIVEN)
    assert event.after["reply_by"] == due.isoformat()
    notice = Notification.objects.get(recipient=world.lead_staff)
    assert f"{due.year}年{due.month}月{due.day}日" in notice.body


def test_an_answer_deadline_in_the_past_is_refused_and_nothing_is_written(world):
    with pytest.raises(RuleViolation) as refusal:
        instruction_give(
            task=world.task,
            by=world.coordinator,
            text="加快进度",
            reply_by=timezone.localdate() - DAY,
        )

    assert refusal.value.field == "reply_by"
    assert not Instruction.objects.exists() and not Notification.objects.exists()


def test_the_instruction_form_takes_an_optional_deadline(client, world):
    client.force_login(world.coordinator)
    due = timezone.localdate() + 3 * DAY

    response = client.post(
        reverse("tasks:instruction_give", args=[world.task.pk]),
        {"text": "请报送", "reply_by": due.isoformat()},
    )

    assert response.status_code == 302
    assert Instruction.objects.get().reply_by == due


def test_urging_before_the_deadline_reminds_the_staff_and_not_the_head(world):
    instruction = instruction_give(
        task=world.task, by=world.leader, text="请报送", reply_by=timezone.localdate() + DAY
    )
    Notification.objects.all().delete()

    people = instruction_urge(instruction=instruction, by=world.coordinator)

    assert {u.username for u in people} == {"lead_staff"}
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"lead_staff"}
    instruction.refresh_from_db()
    assert instruction.urge_count == 1 and instruction.urged_at is not None
    event = world.task.events.get(kind=TaskEvent.Kind.INSTRUCTION_URGED)
    assert event.actor == world.coordinator and event.after["days_overdue"] == 0


def test_urging_past_the_deadline_reminds_the_head_too_and_says_how_late(world):
    instruction = overdue(world, days=3)
    Notification.objects.all().delete()

    instruction_urge(instruction=instruction, by=world.leader)

    notices = Notification.objects.all()
    assert {n.recipient.username for n in notices} == {"lead_staff", "lead_head"}
    assert all("3" in n.body for n in notices)
    assert world.task.events.get(kind=TaskEvent.Kind.INSTRUCTION_URGED).after["days_overdue"] == 3


def test_urging_again_within_the_hour_is_refused_and_after_it_goes_through(world):
    instruction = overdue(world)
    now = timezone.now()
    instruction_urge(instruction=instruction, by=world.coordinator, now=now)

    with pytest.raises(RuleViolation):
        instruction_urge(
            instruction=instruction, by=world.coordinator, now=now + datetime.timedelta(minutes=59)
        )
    instruction_urge(
        instruction=instruction, by=world.coordinator, now=now + datetime.timedelta(minutes=61)
    )

    instruction.refresh_from_db()
    assert instruction.urge_count == 2
    assert world.task.events.filter(kind=TaskEvent.Kind.INSTRUCTION_URGED).count() == 2


def test_an_answered_instruction_cannot_be_urged(world):
    instruction = overdue(world)
    instruction_answer(instruction=instruction, by=world.lead_staff, answer="已报送")

    with pytest.raises(RuleViolation):
        instruction_urge(instruction=instruction, by=world.coordinator)
    assert not world.task.events.filter(kind=TaskEvent.Kind.INSTRUCTION_URGED).exists()


def test_unit_staff_cannot_urge_and_nothing_changes(client, world):
    instruction = overdue(world)
    client.force_login(world.lead_staff)

    response = client.post(reverse("tasks:instruction_urge", args=[instruction.pk]))

    assert response.status_code == 403
    instruction.refresh_from_db()
    assert instruction.urge_count == 0


def test_the_task_page_shows_the_overdue_instruction_and_the_urge_button_to_the_office(
    client, world
):
    instruction = overdue(world, days=2)
    client.force_login(world.coordinator)

    html = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()
    urged = client.post(reverse("tasks:instruction_urge", args=[instruction.pk]), follow=True)

    assert 'data-testid="overdue-instruction"' in html and "已逾期2天" in html
    assert reverse("tasks:instruction_urge", args=[instruction.pk]) in html
    assert 'data-testid="urged"' in urged.content.decode()
    said = urged.content.decode()
    assert f"已催办：{world.lead_staff}、{world.lead_head}。" in said or (
        f"已催办：{world.lead_head}、{world.lead_staff}。" in said
    )


def test_the_lead_unit_sees_the_overdue_flag_but_no_urge_button(client, world):
    instruction = overdue(world, days=2)
    client.force_login(world.lead_staff)

    html = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    assert 'data-testid="overdue-instruction"' in html
    assert reverse("tasks:instruction_urge", args=[instruction.pk]) not in html


def test_overdue_instructions_are_the_open_ones_past_their_deadline_on_open_tasks(world):
    today = timezone.localdate()
    late = overdue(world, days=1)
    instruction_give(task=world.task, by=world.leader, text="不设期限")
    instruction_give(task=world.task, by=world.leader, text="未到期", reply_by=today)
    answered = overdue(world, days=5)
    instruction_answer(instruction=answered, by=world.lead_staff, answer="已办")
    closed = TaskFactory(task_list=world.task_list, lead_unit=world.lead, status=Task.Status.CLOSED)
    on_closed = instruction_give(task=world.task, by=world.leader, text="已销号")
    Instruction.objects.filter(pk=on_closed.pk).update(task=closed, reply_by=today - DAY)
    elsewhere = TaskFactory(task_list=world.task_list, lead_unit=world.other)
    older = instruction_give(task=elsewhere, by=world.leader, text="别的任务")
    Instruction.objects.filter(pk=older.pk).update(reply_by=today - 9 * DAY)

    listed = list(overdue_instructions(today=today))
    only_task = list(overdue_instructions(today=today, tasks=Task.objects.filter(pk=world.task.pk)))

    assert [i.pk for i in listed] == [older.pk, late.pk]
    assert [i.pk for i in only_task] == [late.pk]


def test_listing_overdue_instructions_costs_one_query_at_any_size(
    world, django_assert_max_num_queries
):
    for n in range(2):
        for _ in range(5 * (n + 1)):
            overdue(world, days=n + 1)
        with django_assert_max_num_queries(1):
            rows = [
                (i.task.lead_unit.name, i.task.task_list.campaign.name, i.given_by.username)
                for i in overdue_instructions(today=timezone.localdate())
            ]
        assert len(rows) == 5 + 10 * n
