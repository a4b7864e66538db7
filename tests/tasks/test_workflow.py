"""The staff workflow's services: each action, and each refusal leaving everything unchanged."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from config.errors import RuleViolation
from notifications.models import Notification
from tasks.models import Evidence, Instruction, ProgressReport, Target, Task, TaskEvent, TaskRequest
from tasks.services import (
    instruction_answer,
    instruction_give,
    report_confirm,
    report_edit,
    report_submit,
    request_create,
    request_decide,
    request_withdraw,
)
from tests.tasks import files

pytestmark = pytest.mark.django_db


def state(w) -> dict:
    """Everything an action could change, to assert that a refusal changed nothing."""
    task = Task.objects.get(pk=w.task.pk)
    return {
        "task": (task.status, task.progress, task.deadline, task.lead_unit_id, task.version),
        "target": Target.objects.get(pk=w.target.pk).current_value,
        "reports": ProgressReport.objects.count(),
        "evidence": Evidence.objects.count(),
        "requests": list(TaskRequest.objects.values_list("status", flat=True)),
        "instructions": list(Instruction.objects.values_list("answered_at", flat=True)),
        "events": TaskEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_lead_report_moves_progress_and_targets_and_keeps_files(world, settings):
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="窗口人员培训完成",
        percent=60,
        obstacles="系统对接",
        target_values={world.target.pk: Decimal("58.5")},
        files=[files.pdf(), files.png()],
        expected_version=world.task.version,
    )

    world.task.refresh_from_db()
    world.target.refresh_from_db()
    assert world.task.progress == 60
    assert world.target.current_value == Decimal("58.5")
    assert [e.original_name for e in report.evidence.all()] == ["佐证材料.pdf", "现场照片.png"]
    stored = report.evidence.first()
    assert "佐证材料" not in stored.file.name  # the server chose the stored name
    assert stored.content_type == "application/pdf"
    event = world.task.events.filter(kind=TaskEvent.Kind.REPORT_SUBMITTED).get()
    assert event.actor == world.lead_staff
    assert event.after["files"] == ["佐证材料.pdf", "现场照片.png"]


def test_a_supporting_units_report_is_a_contribution_that_moves_nothing(world):
    report = report_submit(task=world.task, by=world.support_staff, text="数据已共享", percent=90)

    world.task.refresh_from_db()
    assert report.is_contribution
    assert world.task.progress == 20


def test_supporting_units_cannot_report_target_values(world):
    before = state(world)

    with pytest.raises(RuleViolation):
        report_submit(
            task=world.task,
            by=world.support_staff,
            text="x",
            percent=10,
            target_values={world.target.pk: Decimal(60)},
        )

    assert state(world) == before


def test_another_unit_cannot_report(world):
    before = state(world)

    with pytest.raises(PermissionDenied):
        report_submit(task=world.task, by=world.other_staff, text="x", percent=10)

    assert state(world) == before


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (files.fake_pdf, "不是真正的"),
        (files.exe, "不接受"),
    ],
)
def test_a_bad_file_refuses_the_whole_report(world, make_file, message):
    before = state(world)

    with pytest.raises(RuleViolation) as error:
        report_submit(
            task=world.task,
            by=world.lead_staff,
            text="x",
            percent=50,
            files=[files.pdf(), make_file()],
        )

    assert message in str(error.value)
    assert state(world) == before


def test_a_file_over_the_limit_is_refused(world, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    before = state(world)

    with pytest.raises(RuleViolation) as error:
        report_submit(
            task=world.task, by=world.lead_staff, text="x", percent=50, files=[files.pdf(size=2000)]
        )

    assert "佐证材料.pdf" in str(error.value)
    assert state(world) == before


def test_word_files_are_checked_inside_the_zip(world):
    report = report_submit(
        task=world.task, by=world.lead_staff, text="x", percent=30, files=[files.docx()]
    )
    assert report.evidence.get().original_name == "工作总结.docx"


def test_a_report_from_a_stale_page_is_refused(world):
    opened = world.task.version
    report_submit(task=world.task, by=world.lead_head, text="先报", percent=40)
    before = state(world)

    with pytest.raises(RuleViolation) as error:
        report_submit(
            task=world.task, by=world.lead_staff, text="后报", percent=45, expected_version=opened
        )

    assert error.value.code == "stale"
    assert state(world) == before


def test_reports_wait_for_the_unit_head_where_the_campaign_asks(world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()

    report = report_submit(task=world.task, by=world.lead_staff, text="待确认", percent=70)
    world.task.refresh_from_db()
    assert not report.is_confirmed
    assert world.task.progress == 20
    assert Notification.objects.filter(
        recipient=world.lead_head, kind=Notification.Kind.REPORT_TO_CONFIRM
    ).exists()

    with pytest.raises(PermissionDenied):
        report_confirm(report=report, by=world.lead_staff)
    report_confirm(report=report, by=world.lead_head)

    world.task.refresh_from_db()
    assert world.task.progress == 70
    assert Notification.objects.filter(
        recipient=world.lead_staff, kind=Notification.Kind.REPORT_CONFIRMED
    ).exists()
    with pytest.raises(RuleViolation):
        report_confirm(report=report, by=world.lead_head)


def test_closeout_request_needs_evidence(world):
    before = state(world)

    with pytest.raises(RuleViolation) as error:
        request_create(task=world.task, by=world.lead_staff, kind="closeout", reason="已完成")

    assert error.value.field == "files"
    assert state(world) == before


def test_closeout_approved_closes_the_task_and_tells_the_requester(world):
    request = request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="已完成", files=[files.pdf()]
    )
    world.task.refresh_from_db()
    assert world.task.status == Task.Status.AWAITING_SIGNOFF
    assert Notification.objects.filter(
        recipient=world.coordinator, kind=Notification.Kind.REQUEST_MADE
    ).exists()

    request_decide(request=request, by=world.coordinator, approve=True, comment="同意销号")

    world.task.refresh_from_db()
    request.refresh_from_db()
    assert world.task.status == Task.Status.CLOSED
    assert world.task.closed_at is not None
    assert request.status == TaskRequest.Status.APPROVED
    notice = Notification.objects.get(
        recipient=world.lead_staff, kind=Notification.Kind.REQUEST_DECIDED
    )
    assert "同意销号" in notice.body


def test_closeout_rejected_sends_the_task_back_to_work(world):
    request = request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="已完成", files=[files.pdf()]
    )

    with pytest.raises(RuleViolation):
        request_decide(request=request, by=world.coordinator, approve=False, comment="  ")
    request_decide(request=request, by=world.coordinator, approve=False, comment="佐证不足")

    world.task.refresh_from_db()
    assert world.task.status == Task.Status.IN_PROGRESS


def test_extension_approved_moves_the_deadline(world):
    new = datetime.date(2030, 12, 31)
    request = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="需市级支持",
        proposed_deadline=new,
    )

    request_decide(request=request, by=world.coordinator, approve=True)

    world.task.refresh_from_db()
    assert world.task.deadline == new
    assert "2030年12月31日" in world.task.deadline_text


@pytest.mark.parametrize(
    ("proposed", "field"),
    [
        (None, "proposed_deadline"),
        (datetime.date(2000, 1, 1), "proposed_deadline"),
        (datetime.date(2030, 6, 1), "proposed_deadline"),
    ],
)
def test_extension_needs_a_later_date(world, proposed, field):
    before = state(world)

    with pytest.raises(RuleViolation) as error:
        request_create(
            task=world.task,
            by=world.lead_staff,
            kind="extension",
            reason="r",
            proposed_deadline=proposed,
        )

    assert error.value.field == field
    assert state(world) == before


def test_transfer_approved_changes_the_lead_unit(world):
    request = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="transfer",
        reason="职责调整",
        proposed_unit=world.support,
    )

    request_decide(request=request, by=world.coordinator, approve=True)

    world.task.refresh_from_db()
    assert world.task.lead_unit == world.support
    assert not world.task.supports.filter(unit=world.support).exists()
    assert Notification.objects.filter(recipient=world.support_staff).exists()


def test_only_the_lead_unit_may_ask_and_only_once_at_a_time(world):
    before = state(world)
    with pytest.raises(PermissionDenied):
        request_create(
            task=world.task,
            by=world.support_staff,
            kind="closeout",
            reason="r",
            files=[files.pdf()],
        )
    assert state(world) == before

    request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="r",
        proposed_deadline=datetime.date(2031, 1, 1),
    )
    before = state(world)
    with pytest.raises(RuleViolation) as error:
        request_create(
            task=world.task,
            by=world.lead_staff,
            kind="extension",
            reason="again",
            proposed_deadline=datetime.date(2031, 2, 1),
        )
    assert error.value.code == "duplicate"
    assert state(world) == before


def test_only_this_campaigns_coordinators_decide_and_only_once(world):
    request = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="r",
        proposed_deadline=datetime.date(2031, 1, 1),
    )
    before = state(world)
    for outsider in (world.other_coordinator, world.leader, world.lead_head):
        with pytest.raises(PermissionDenied):
            request_decide(request=request, by=outsider, approve=True)
    assert state(world) == before

    opened = request.version
    request_decide(request=request, by=world.coordinator, approve=False, comment="不同意")
    before = state(world)
    with pytest.raises(RuleViolation) as error:
        request_decide(request=request, by=world.coordinator, approve=True, expected_version=opened)
    assert error.value.code == "stale"
    assert state(world) == before


def test_withdrawing_a_closeout_reopens_the_task(world):
    request = request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="r", files=[files.pdf()]
    )

    request_withdraw(request=request, by=world.lead_staff)

    world.task.refresh_from_db()
    assert world.task.status == Task.Status.IN_PROGRESS
    with pytest.raises(RuleViolation):
        request_withdraw(request=request, by=world.lead_staff)


def test_instruction_is_answered_by_the_lead_unit_once(world):
    instruction = instruction_give(task=world.task, by=world.leader, text="请加快推进")
    assert Notification.objects.filter(
        recipient=world.lead_staff, kind=Notification.Kind.INSTRUCTION
    ).exists()
    before = state(world)
    for outsider in (world.support_staff, world.other_staff, world.coordinator):
        with pytest.raises(PermissionDenied):
            instruction_answer(instruction=instruction, by=outsider, answer="收到")
    assert state(world) == before

    instruction_answer(instruction=instruction, by=world.lead_staff, answer="已部署")

    instruction.refresh_from_db()
    assert instruction.answered_by == world.lead_staff
    assert Notification.objects.filter(
        recipient=world.leader, kind=Notification.Kind.INSTRUCTION_ANSWERED
    ).exists()
    with pytest.raises(RuleViolation):
        instruction_answer(instruction=instruction, by=world.lead_head, answer="再答")


def test_only_leaders_and_this_campaigns_coordinators_instruct(world):
    instruction_give(task=world.task, by=world.coordinator, text="本周报送")
    before = state(world)
    for outsider in (world.other_coordinator, world.lead_staff, world.auditor):
        with pytest.raises(PermissionDenied):
            instruction_give(task=world.task, by=outsider, text="x")
    assert state(world) == before


def test_closed_tasks_take_no_more_reports(world):
    world.task.status = Task.Status.CLOSED
    world.task.save()
    before = state(world)

    with pytest.raises(PermissionDenied):
        report_submit(task=world.task, by=world.lead_staff, text="x", percent=100)

    assert state(world) == before


def test_correcting_a_confirmed_report_needs_the_head_again(world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    report = report_submit(task=world.task, by=world.lead_staff, text="三成", percent=30)
    report_confirm(report=report, by=world.lead_head)

    report_edit(report=report, by=world.lead_staff, text="全部完成", percent=100)

    report.refresh_from_db()
    world.task.refresh_from_db()
    assert report.confirmed_at is None
    assert world.task.progress == 30
    report_confirm(report=report, by=world.lead_head)
    world.task.refresh_from_db()
    assert world.task.progress == 100


def test_confirming_an_older_report_late_does_not_undo_newer_progress(world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    older = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="旧",
        percent=30,
        submitted_at=timezone.now() - datetime.timedelta(days=3),
    )
    report_submit(task=world.task, by=world.lead_head, text="新", percent=60)

    report_confirm(report=older, by=world.lead_head)

    world.task.refresh_from_db()
    assert world.task.progress == 60


def test_approving_a_closeout_ends_the_other_pending_requests(world):
    extension = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="extension",
        reason="r",
        proposed_deadline=datetime.date(2031, 1, 1),
    )
    transfer = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="transfer",
        reason="r",
        proposed_unit=world.support,
    )
    closeout = request_create(
        task=world.task, by=world.lead_staff, kind="closeout", reason="r", files=[files.pdf()]
    )

    request_decide(request=closeout, by=world.coordinator, approve=True)

    for request in (extension, transfer):
        request.refresh_from_db()
        assert request.status == TaskRequest.Status.REJECTED
        with pytest.raises(RuleViolation):
            request_decide(request=request, by=world.coordinator, approve=True)
    world.task.refresh_from_db()
    assert world.task.lead_unit == world.lead
    assert world.task.deadline == datetime.date(2030, 6, 30)


def test_a_transfer_keeps_the_owners_names_unlinks_the_old_units_account_and_records_it(world):
    Task.objects.filter(pk=world.task.pk).update(
        specific_owner=world.lead_staff, specific_owner_name="张联络", principal_owner_name="赵局长"
    )
    request = request_create(
        task=world.task,
        by=world.lead_staff,
        kind="transfer",
        reason="职责调整",
        proposed_unit=world.support,
    )

    request_decide(request=request, by=world.coordinator, approve=True)

    task = Task.objects.get(pk=world.task.pk)
    # Never blanked silently: the names stay until someone names the new unit's people ...
    assert task.specific_owner_name == "张联络" and task.principal_owner_name == "赵局长"
    # ... but the account of a person of the old unit no longer gets the task's digests.
    assert task.specific_owner is None
    event = task.events.filter(kind=TaskEvent.Kind.UPDATED).latest("id")
    assert event.before["supporting_unit_ids"] == [world.support.pk]
    assert event.after["supporting_unit_ids"] == []
    assert event.before["specific_owner_id"] == world.lead_staff.pk
