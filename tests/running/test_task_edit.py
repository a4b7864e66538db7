"""A coordinator adds and edits tasks by hand; a transfer keeps or takes the owners' names."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from config.errors import RuleViolation
from tasks.models import Task, TaskEvent, TaskRequest, TaskSupport
from tasks.services import request_create, request_decide, task_add, task_edit, task_update
from tests.factories import CategoryFactory, TaskListFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _state(task: Task) -> tuple:
    task = Task.objects.get(pk=task.pk)
    supports = sorted(TaskSupport.objects.filter(task=task).values_list("unit_id", flat=True))
    return (
        task.title,
        task.lead_unit_id,
        task.deadline,
        task.difficulty,
        task.specific_owner_name,
        task.version,
        supports,
        task.events.count(),
    )


def test_an_edit_changes_title_units_owners_deadline_difficulty_and_leaves_history(world):
    new_lead = UnitFactory(name="区数据局")
    task = world.task

    task_edit(
        task=task,
        by=world.coordinator,
        expected_version=task.version,
        title="推行容缺受理和告知承诺",
        lead_unit=new_lead,
        supporting_units=[world.support, world.other],
        principal_owner_name="赵局长",
        specific_owner_name="王联络",
        deadline=datetime.date(2030, 9, 30),
        difficulty=Decimal("2.5"),
    )

    task = Task.objects.get(pk=world.task.pk)
    assert task.title == "推行容缺受理和告知承诺"
    assert task.lead_unit == new_lead
    assert task.difficulty == Decimal("2.5")
    assert (task.principal_owner_name, task.specific_owner_name) == ("赵局长", "王联络")
    assert sorted(task.supports.values_list("unit_id", flat=True)) == sorted(
        [world.support.pk, world.other.pk]
    )
    updated = task.events.get(kind=TaskEvent.Kind.UPDATED)
    assert updated.actor == world.coordinator
    assert updated.before["lead_unit_id"] == world.lead.pk
    assert updated.after["lead_unit_id"] == new_lead.pk
    assert updated.before["deadline"] == "2030-06-30" and updated.after["deadline"] == "2030-09-30"
    assert updated.before["difficulty"] == "1.0" and updated.after["difficulty"] == "2.5"
    units = task.events.get(kind=TaskEvent.Kind.UNITS_CHANGED)
    assert units.after["supporting_unit_ids"] == sorted([world.support.pk, world.other.pk])


def test_an_edit_from_a_stale_page_is_refused_naming_what_changed_and_writes_nothing(world):
    opened_at = world.task.version
    task_update(task=world.task, by=world.coordinator, deadline=datetime.date(2031, 1, 31))
    before = _state(world.task)

    with pytest.raises(RuleViolation) as refused:
        task_edit(
            task=world.task,
            by=world.coordinator,
            expected_version=opened_at,
            title="我的修改",
        )

    assert refused.value.code == "stale"
    message = str(refused.value.message)
    # Who changed what: the field's name as the page shows it, and the person.
    assert f"{world.coordinator}：{Task._meta.get_field('deadline').verbose_name}" in message
    assert _state(world.task) == before


def test_a_coordinator_of_another_campaign_is_refused_and_nothing_changes(world):
    before = _state(world.task)

    with pytest.raises(PermissionDenied):
        task_edit(
            task=world.task,
            by=world.other_coordinator,
            expected_version=world.task.version,
            title="越权修改",
        )
    with pytest.raises(PermissionDenied):
        task_add(
            task_list=world.task_list,
            by=world.other_coordinator,
            code="99",
            title="越权新增",
            lead_unit=world.lead,
        )

    assert _state(world.task) == before
    assert not Task.objects.filter(code="99").exists()


def test_unit_staff_and_leaders_cannot_edit_a_task(world):
    for person in (world.lead_staff, world.lead_head, world.leader):
        with pytest.raises(PermissionDenied):
            task_edit(task=world.task, by=person, expected_version=world.task.version, title="改")


def test_a_difficulty_outside_half_to_three_is_refused(world):
    for value in (Decimal("0.4"), Decimal("3.1")):
        with pytest.raises(RuleViolation) as refused:
            task_edit(
                task=world.task,
                by=world.coordinator,
                expected_version=world.task.version,
                difficulty=value,
            )
        assert refused.value.field == "difficulty"
    assert Task.objects.get(pk=world.task.pk).difficulty == Decimal("1.0")


def test_the_lead_unit_cannot_also_support(world):
    with pytest.raises(RuleViolation) as refused:
        task_edit(
            task=world.task,
            by=world.coordinator,
            expected_version=world.task.version,
            supporting_units=[world.lead],
        )
    assert refused.value.field == "supporting_units"


def test_a_closed_task_is_not_edited(world):
    task_update(task=world.task, by=world.coordinator, status=Task.Status.CLOSED)
    with pytest.raises(PermissionDenied):
        task_edit(
            task=world.task, by=world.coordinator, expected_version=world.task.version, title="x"
        )


def test_a_task_added_by_hand_goes_last_with_its_units_and_waits_for_acknowledgement(world):
    category = CategoryFactory(task_list=world.task_list, name="优化审批")

    task = task_add(
        task_list=world.task_list,
        by=world.coordinator,
        code="2",
        title="推行并联审批",
        lead_unit=world.other,
        supporting_units=[world.lead],
        category=category,
        specific_owner_name="李联络",
        deadline=datetime.date(2030, 12, 31),
        difficulty=Decimal("1.5"),
    )

    task = Task.objects.get(pk=task.pk)
    assert task.order > world.task.order
    assert task.category == category and task.difficulty == Decimal("1.5")
    assert list(task.supports.values_list("unit_id", flat=True)) == [world.lead.pk]
    assert task.events.get().kind == TaskEvent.Kind.CREATED
    assert task.awaiting_acknowledgement


def test_a_task_is_not_added_to_a_category_of_another_list_or_under_a_used_number(world):
    foreign = CategoryFactory(task_list=TaskListFactory(campaign=world.campaign))
    with pytest.raises(RuleViolation) as refused:
        task_add(
            task_list=world.task_list,
            by=world.coordinator,
            code="7",
            title="x",
            lead_unit=world.lead,
            category=foreign,
        )
    assert refused.value.field == "category"
    with pytest.raises(RuleViolation) as refused:
        task_add(
            task_list=world.task_list,
            by=world.coordinator,
            code=world.task.code,
            title="x",
            lead_unit=world.lead,
        )
    assert refused.value.field == "code"


def _transfer(world) -> TaskRequest:
    Task.objects.filter(pk=world.task.pk).update(
        principal_owner_name="赵局长",
        leader_in_charge_name="钱副局长",
        specific_owner_name="孙联络",
        specific_owner=world.lead_staff,
    )
    return request_create(
        task=world.task,
        by=world.lead_staff,
        kind="transfer",
        reason="职责调整",
        proposed_unit=world.other,
    )


def test_an_approved_transfer_without_owners_keeps_the_names(world):
    request_decide(request=_transfer(world), by=world.coordinator, approve=True)

    task = Task.objects.get(pk=world.task.pk)
    assert task.lead_unit == world.other
    assert (task.principal_owner_name, task.leader_in_charge_name, task.specific_owner_name) == (
        "赵局长",
        "钱副局长",
        "孙联络",
    )
    assert task.specific_owner is None  # a person of the old unit gets no digest for it


def test_an_approved_transfer_takes_the_new_units_owners_from_the_decision(world):
    request_decide(
        request=_transfer(world),
        by=world.coordinator,
        approve=True,
        owners={"principal_owner_name": "周局长", "specific_owner_name": "吴联络"},
    )

    task = Task.objects.get(pk=world.task.pk)
    assert (task.principal_owner_name, task.leader_in_charge_name, task.specific_owner_name) == (
        "周局长",
        "钱副局长",
        "吴联络",
    )
    event = task.events.filter(kind=TaskEvent.Kind.UPDATED).latest("id")
    assert event.before["principal_owner_name"] == "赵局长"
    assert event.after["principal_owner_name"] == "周局长"


def test_a_rejected_transfer_leaves_the_owners_alone(world):
    request_decide(
        request=_transfer(world),
        by=world.coordinator,
        approve=False,
        comment="不同意",
        owners={"principal_owner_name": "周局长"},
    )

    task = Task.objects.get(pk=world.task.pk)
    assert task.lead_unit == world.lead and task.principal_owner_name == "赵局长"
    assert task.specific_owner == world.lead_staff
