import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import RuleViolation
from tasks.models import Target, Task, TaskEvent, TaskSupport
from tasks.services import (
    events_dated,
    report_record,
    task_create,
    task_set_supporting_units,
    task_update,
)
from tests.factories import TaskListFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task_list():
    return TaskListFactory()


def test_task_create_records_an_event_with_units(task_list):
    lead, helper = UnitFactory(), UnitFactory()

    task = task_create(
        task_list=task_list,
        code="1-2",
        title="推行容缺受理",
        lead_unit=lead,
        supporting_units=[helper],
    )

    event = task.events.get()
    assert event.kind == TaskEvent.Kind.CREATED
    assert event.after["lead_unit_id"] == lead.pk
    assert event.after["supporting_unit_ids"] == [helper.pk]
    assert list(task.supporting_units.all()) == [helper]


def test_a_task_needs_exactly_one_lead_unit(task_list):
    with pytest.raises(RuleViolation) as error:
        task_create(task_list=task_list, code="1", title="无牵头单位", lead_unit=None)

    assert error.value.field == "lead_unit"
    assert Task.objects.count() == 0


def test_the_lead_unit_is_never_a_supporting_unit(task_list):
    lead = UnitFactory()

    with pytest.raises(RuleViolation) as error:
        task_create(
            task_list=task_list, code="1", title="任务", lead_unit=lead, supporting_units=[lead]
        )

    assert lead.name in str(error.value)
    assert Task.objects.count() == 0
    assert TaskSupport.objects.count() == 0


def test_setting_supporting_units_refuses_the_lead_and_changes_nothing(task_list):
    lead, helper = UnitFactory(), UnitFactory()
    task = task_create(
        task_list=task_list, code="1", title="任务", lead_unit=lead, supporting_units=[helper]
    )

    with pytest.raises(RuleViolation):
        task_set_supporting_units(task=task, by=None, units=[helper, lead])

    assert list(task.supporting_units.all()) == [helper]
    assert task.events.count() == 1


def test_transferring_the_lead_to_a_supporting_unit_removes_it_from_supporting(task_list):
    lead, helper = UnitFactory(), UnitFactory()
    task = task_create(
        task_list=task_list, code="1", title="任务", lead_unit=lead, supporting_units=[helper]
    )

    task_update(task=task, by=None, lead_unit=helper)

    assert task.lead_unit == helper
    assert not task.supporting_units.exists()


def test_code_is_unique_within_a_list_but_not_across_lists(task_list):
    unit = UnitFactory()
    task_create(task_list=task_list, code="3", title="甲", lead_unit=unit)

    with pytest.raises(RuleViolation) as error:
        task_create(task_list=task_list, code="3", title="乙", lead_unit=unit)
    assert error.value.field == "code"
    other = task_create(task_list=TaskListFactory(), code="3", title="丙", lead_unit=unit)

    assert other.code == "3"
    assert Task.objects.filter(task_list=task_list).count() == 1


def test_the_database_itself_refuses_a_duplicate_code(task_list):
    unit = UnitFactory()
    Task.objects.create(task_list=task_list, code="7", title="甲", lead_unit=unit)

    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.create(task_list=task_list, code="7", title="乙", lead_unit=unit)


def test_an_ongoing_task_has_no_deadline(task_list):
    with pytest.raises(RuleViolation):
        task_create(
            task_list=task_list,
            code="1",
            title="任务",
            lead_unit=UnitFactory(),
            ongoing=True,
            deadline=datetime.date(2026, 12, 31),
        )
    assert Task.objects.count() == 0


def test_a_stale_update_is_refused_and_nothing_is_overwritten(task_list):
    task = task_create(task_list=task_list, code="1", title="原标题", lead_unit=UnitFactory())
    opened_version = task.version
    task_update(task=Task.objects.get(pk=task.pk), by=None, title="第一个人的修改")

    with pytest.raises(RuleViolation) as error:
        task_update(task=task, by=None, expected_version=opened_version, title="第二个人的修改")

    assert error.value.code == "stale"
    assert Task.objects.get(pk=task.pk).title == "第一个人的修改"


def test_update_records_before_and_after_of_changed_fields_only(task_list):
    user = UserFactory()
    task = task_create(task_list=task_list, code="1", title="任务", lead_unit=UnitFactory())

    task_update(task=task, by=user, progress=40, title="任务")

    event = task.events.order_by("-id").first()
    assert event.actor == user
    assert event.before == {"progress": 0}
    assert event.after == {"progress": 40}
    assert task.version == 2


def test_task_events_are_append_only(task_list):
    task = task_create(task_list=task_list, code="1", title="任务", lead_unit=UnitFactory())
    event = task.events.get()

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TaskEvent.objects.filter(task=task).update(note="x")
    assert TaskEvent.objects.get(pk=event.pk).note == ""


def test_the_lead_units_report_moves_progress_but_a_contribution_does_not(task_list):
    lead, helper = UnitFactory(), UnitFactory()
    task = task_create(
        task_list=task_list, code="1", title="任务", lead_unit=lead, supporting_units=[helper]
    )
    author = UserFactory(unit=helper)

    contribution = report_record(task=task, by=author, unit=helper, text="配合完成", percent=80)
    task.refresh_from_db()
    assert task.progress == 0
    assert contribution.is_contribution

    report_record(task=task, by=UserFactory(unit=lead), unit=lead, text="已完成", percent=60)
    task.refresh_from_db()
    assert task.progress == 60


@pytest.mark.parametrize(
    ("direction", "baseline", "current", "target", "achieved", "attainment"),
    [
        ("higher", "55", "65", "65", True, 100),
        ("higher", "55", "60", "65", False, 50),
        ("higher", "55", "50", "65", False, 0),
        ("lower", "20", "5", "5", True, 100),  # days to approve: lower is better
        ("lower", "20", "10", "5", False, 66),
        ("lower", "20", "25", "5", False, 0),
        ("higher", None, None, "65", False, None),
    ],
)
def test_targets_know_which_direction_is_better(
    direction, baseline, current, target, achieved, attainment
):
    target = Target(
        direction=direction,
        baseline=None if baseline is None else Decimal(baseline),
        current_value=None if current is None else Decimal(current),
        target_value=Decimal(target),
    )

    assert target.achieved is achieved
    assert target.attainment == attainment


def test_a_report_recorded_with_its_past_date_dates_its_history_then(task_list):
    lead = UnitFactory()
    then = datetime.datetime(2026, 10, 20, 10, 0, tzinfo=datetime.UTC)
    with events_dated(then - datetime.timedelta(days=30)):  # listed before it was reported on
        task = task_create(task_list=task_list, code="7", title="推行一网通办", lead_unit=lead)
    assert task.created_at == then - datetime.timedelta(days=30)

    report_record(
        task=task, by=UserFactory(unit=lead), unit=lead, text="完成", percent=40, submitted_at=then
    )

    events = task.events.exclude(kind=TaskEvent.Kind.CREATED)
    assert {(e.kind, e.at) for e in events} == {
        (TaskEvent.Kind.REPORT_SUBMITTED, then),
        (TaskEvent.Kind.UPDATED, then),
    }
    # Outside the report, history is dated now again.
    task_update(task=task, by=None, progress=50)
    assert task.events.latest("id").at > then + datetime.timedelta(days=1)


def test_a_report_dated_before_later_history_is_recorded_now_to_keep_history_in_order(task_list):
    lead = UnitFactory()
    task = task_create(task_list=task_list, code="8", title="推行容缺受理", lead_unit=lead)
    task_update(task=task, by=None, progress=70)  # now
    then = timezone.now() - datetime.timedelta(days=10)

    report_record(
        task=task, by=UserFactory(unit=lead), unit=lead, text="补录", percent=40, submitted_at=then
    )

    task.refresh_from_db()
    latest = task.events.latest("id")
    assert task.progress == 40
    assert latest.after == {"progress": 40} and latest.at > then + datetime.timedelta(days=9)


def test_an_update_writes_the_columns_that_changed_and_every_one_of_them(task_list):
    """``task_update`` saves only the changed columns (a report's progress does not send the
    task's texts back), and what it changes besides the fields asked for reaches the row too:
    the version, the time of the change, the handover a transfer resets, the closing time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead, other = UnitFactory(), UnitFactory()
    task = task_create(
        task_list=task_list, code="1", title="任务", lead_unit=lead, content="很长的任务内容"
    )
    Task.objects.filter(pk=task.pk).update(
        handed_over_at=timezone.now(), acknowledged_at=timezone.now()
    )
    task.refresh_from_db()
    stamped = task.updated_at

    with CaptureQueriesContext(connection) as ctx:
        task_update(task=task, by=None, progress=40)
    [update] = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert '"progress"' in update and '"version"' in update and '"content"' not in update

    task_update(task=task, by=None, lead_unit=other)  # handed to another unit: 签收 afresh
    task_update(task=task, by=None, status=Task.Status.CLOSED)

    row = Task.objects.get(pk=task.pk)
    assert (row.progress, row.version, row.lead_unit_id) == (40, task.version, other.pk)
    assert row.version == 4 and row.updated_at > stamped
    assert row.acknowledged_at is None and row.handed_over_at == task.handed_over_at
    assert row.status == Task.Status.CLOSED and row.closed_at is not None
    assert row.content == "很长的任务内容"
