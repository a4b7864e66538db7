"""签收: a task that reaches a unit waits for its lead unit's acknowledgement; after the
campaign's hours it is flagged and the unit reminded exactly once."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from campaigns.models import Campaign
from notifications.models import Notification
from tasks.acknowledgements import acknowledgement_counts, awaiting_for_unit, awaiting_summary
from tasks.jobs import acknowledgements_remind as remind_job
from tasks.models import Task, TaskEvent
from tasks.services import (
    acknowledgements_remind,
    request_create,
    request_decide,
    task_acknowledge,
    task_create,
    tasks_acknowledge,
)
from tests.cycles.test_exactly_once import _in_threads, _postgres
from tests.factories import TaskListFactory, UserFactory
from tests.workers import purge, running_worker, wait_for

pytestmark = pytest.mark.django_db


def _handed(world, code="2", hours_ago=0, **fields) -> Task:
    task = task_create(
        task_list=world.task_list,
        code=f"新{code}",
        title=f"任务{code}",
        lead_unit=world.lead,
        **fields,
    )
    if hours_ago:
        Task.objects.filter(pk=task.pk).update(
            handed_over_at=timezone.now() - datetime.timedelta(hours=hours_ago)
        )
        task.refresh_from_db()
    return task


def test_a_created_work_task_waits_for_its_lead_unit_and_a_question_does_not(world):
    task = _handed(world)
    question = task_create(
        task_list=TaskListFactory(campaign=world.campaign, kind="checklist"),
        code="1",
        title="是否公开",
        lead_unit=world.lead,
    )

    assert task.awaiting_acknowledgement and task.acknowledgement_state == "pending"
    assert question.handed_over_at is None and not question.awaiting_acknowledgement
    assert world.task.handed_over_at is None  # made before 签收 existed: nothing to ask


def test_the_lead_unit_acknowledges_once_and_it_is_recorded(world):
    task = _handed(world)

    assert task_acknowledge(task=task, by=world.lead_staff) is True
    assert task_acknowledge(task=task, by=world.lead_head) is False  # already done: no-op

    task.refresh_from_db()
    assert task.acknowledged_by == world.lead_staff and task.acknowledged_at is not None
    assert not task.awaiting_acknowledgement
    event = task.events.get(kind=TaskEvent.Kind.ACKNOWLEDGED)
    assert event.actor == world.lead_staff


def test_only_the_lead_unit_acknowledges(world):
    task = _handed(world)
    for person in (world.support_staff, world.coordinator, world.leader, world.other_staff):
        with pytest.raises(PermissionDenied):
            task_acknowledge(task=task, by=person)
    task.refresh_from_db()
    assert task.awaiting_acknowledgement
    assert not task.events.filter(kind=TaskEvent.Kind.ACKNOWLEDGED).exists()


def test_bulk_acknowledgement_takes_only_the_units_own_tasks_among_those_shown(world):
    mine = [_handed(world, code=str(n)) for n in (2, 3, 4)]
    not_shown = _handed(world, code="5")
    theirs = task_create(task_list=world.task_list, code="6", title="别人的", lead_unit=world.other)

    count = tasks_acknowledge(
        by=world.lead_staff, task_ids=[t.pk for t in mine] + [theirs.pk, mine[0].pk]
    )

    assert count == 3
    assert (
        Task.objects.filter(pk__in=[t.pk for t in mine], acknowledged_at__isnull=False).count() == 3
    )
    assert Task.objects.get(pk=not_shown.pk).awaiting_acknowledgement
    assert Task.objects.get(pk=theirs.pk).awaiting_acknowledgement
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.ACKNOWLEDGED).count() == 3
    assert [t.pk for t in awaiting_for_unit(user=world.lead_staff)] == [not_shown.pk]
    assert tasks_acknowledge(by=world.lead_staff, task_ids=[t.pk for t in mine]) == 0


def test_what_my_tasks_names_for_acknowledgement_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        nothing = awaiting_summary(user=world.lead_staff)
    assert (nothing.tasks, nothing.count, nothing.until) == ([], 0, None)

    handed = [_handed(world, code=str(n), hours_ago=10 - n) for n in (2, 3)]
    with django_assert_num_queries(1):  # the count and the newest handover beside the rows
        waiting = awaiting_summary(user=world.lead_staff)
    assert [t.pk for t in waiting] == [t.pk for t in handed]
    assert waiting.count == len(waiting) == 2
    assert waiting.until == max(t.handed_over_at for t in handed)


def test_an_approved_transfer_asks_the_new_unit_to_acknowledge(world):
    task = _handed(world)
    task_acknowledge(task=task, by=world.lead_staff)
    request = request_create(
        task=task,
        by=world.lead_staff,
        kind="transfer",
        reason="职责调整",
        proposed_unit=world.other,
    )

    request_decide(request=request, by=world.coordinator, approve=True)

    task.refresh_from_db()
    assert task.lead_unit == world.other
    assert task.awaiting_acknowledgement and task.acknowledged_by is None
    assert [t.pk for t in awaiting_for_unit(user=world.other_staff)] == [task.pk]
    with pytest.raises(PermissionDenied):
        task_acknowledge(task=task, by=world.lead_staff)  # no longer theirs
    assert task_acknowledge(task=task, by=world.other_staff)


def test_the_reminder_goes_once_after_the_campaigns_hours_and_not_before(world):
    world.campaign.acknowledge_within_hours = 48
    world.campaign.save()
    early = _handed(world, code="2", hours_ago=47)
    late = [_handed(world, code=str(n), hours_ago=49) for n in (3, 4)]
    done = _handed(world, code="5", hours_ago=72)
    task_acknowledge(task=done, by=world.lead_staff)

    assert acknowledgement_counts(campaign=world.campaign).waiting == 3
    assert acknowledgement_counts(campaign=world.campaign).overdue == 2
    first = acknowledgements_remind()
    second = acknowledgements_remind()

    assert (first, second) == (1, 0)  # one unit reminded, once
    notices = Notification.objects.filter(kind=Notification.Kind.ACKNOWLEDGE)
    # One notice per member of the lead unit (its staff and its head), naming both tasks.
    assert sorted(n.recipient_id for n in notices) == sorted(
        [world.lead_staff.pk, world.lead_head.pk]
    )
    assert all("2" in n.title for n in notices)
    assert all(late[0].code in n.body and late[1].code in n.body for n in notices)
    reminded = TaskEvent.objects.filter(kind=TaskEvent.Kind.ACK_REMINDED)
    assert sorted(reminded.values_list("task_id", flat=True)) == sorted(t.pk for t in late)
    assert Task.objects.get(pk=early.pk).ack_reminded_at is None
    assert Task.objects.get(pk=late[0].pk).acknowledgement_state == "overdue"


def test_a_new_handover_is_reminded_again_once(world):
    task = _handed(world, hours_ago=30)
    acknowledgements_remind()
    request = request_create(
        task=task, by=world.lead_staff, kind="transfer", reason="r", proposed_unit=world.other
    )
    request_decide(request=request, by=world.coordinator, approve=True)
    other_head = UserFactory(username="other_head", unit=world.other, roles=["head"])
    later = timezone.now() + datetime.timedelta(hours=25)

    acknowledgements_remind(now=later)
    acknowledgements_remind(now=later)

    to_other = Notification.objects.filter(
        kind=Notification.Kind.ACKNOWLEDGE, recipient__in=[world.other_staff, other_head]
    )
    assert to_other.count() == 2
    assert TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.ACK_REMINDED).count() == 2


def test_archived_and_unstarted_campaigns_are_not_reminded_and_cannot_be_acknowledged(world):
    task = _handed(world, hours_ago=100)
    Campaign.objects.filter(pk=world.campaign.pk).update(status=Campaign.Status.ARCHIVED)

    assert acknowledgements_remind() == 0
    task = Task.objects.select_related("task_list__campaign").get(pk=task.pk)
    with pytest.raises(PermissionDenied):
        task_acknowledge(task=task, by=world.lead_staff)
    assert tasks_acknowledge(by=world.lead_staff, task_ids=[task.pk]) == 0
    assert awaiting_for_unit(user=world.lead_staff) == []


def test_the_job_reminds_eagerly_and_beat_sends_it(world, eager):
    _handed(world, hours_ago=30)

    assert remind_job.apply().get() == 1
    assert remind_job.apply().get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["acknowledgements-remind"]
    assert entry["task"] == remind_job.name
    assert Notification.objects.filter(kind=Notification.Kind.ACKNOWLEDGE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_runs_on_postgres_remind_each_unit_once(world):
    _postgres()
    late = [_handed(world, code=str(n), hours_ago=30) for n in range(5)]

    results = _in_threads(acknowledgements_remind)

    assert sorted(results) == [0, 0, 0, 1]
    assert Notification.objects.filter(kind=Notification.Kind.ACKNOWLEDGE).count() == 2
    reminded = TaskEvent.objects.filter(kind=TaskEvent.Kind.ACK_REMINDED)
    assert sorted(reminded.values_list("task_id", flat=True)) == sorted(t.pk for t in late)


@pytest.mark.django_db(transaction=True)
def test_the_reminder_job_sent_twice_to_a_real_worker_reminds_once(world, redis_url, tmp_path):
    from config.celery import app

    _handed(world, hours_ago=30)
    log = tmp_path / "worker.log"
    purge(app)
    with running_worker(redis_url, log):
        remind_job.delay()  # what beat sends every few minutes
        remind_job.delay()
        wait_for(
            lambda: Notification.objects.filter(kind=Notification.Kind.ACKNOWLEDGE).count() == 2,
            what="the reminder of the lead unit's two members",
            log=log,
        )
        wait_for(
            lambda: log.read_text().count("acknowledgements_remind[") >= 4,  # received, succeeded
            what="both jobs to finish",
            log=log,
        )
        wait_for(lambda: log.read_text().count(" succeeded in ") >= 2, what="both jobs", log=log)
    assert Notification.objects.filter(kind=Notification.Kind.ACKNOWLEDGE).count() == 2
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.ACK_REMINDED).count() == 1
