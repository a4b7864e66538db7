"""Many reports at once (``reports_submit_held``, 一表填报's writer): the same rows and history
as ``report_submit`` one by one, the same refusals, nothing written on any refusal."""

from decimal import Decimal

import pytest
from django.db import transaction

from tasks.models import ProgressReport, Target, Task, TaskEvent
from tasks.services import NewReport, ReportRefused, report_submit, reports_submit_held
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def twin(world) -> tuple[Task, Target]:
    task = TaskFactory(
        task_list=world.task_list, lead_unit=world.lead, deadline=world.task.deadline, progress=20
    )
    target = Target.objects.create(
        task=task, metric="可办率", target_value=65, current_value=55, baseline=55
    )
    return task, target


def locked(*tasks: Task) -> list[Task]:
    return list(
        Task.objects.select_for_update(of=("self",))
        .select_related("task_list__campaign")
        .filter(pk__in=[t.pk for t in tasks])
        .order_by("pk")
    )


def history(task: Task) -> list[tuple]:
    """The task's history, its own ids (report, target) left out."""
    rows = TaskEvent.objects.filter(task=task).exclude(kind="created").order_by("at", "id")

    def same(after: dict) -> dict:
        after = {k: v for k, v in after.items() if k != "report_id"}
        if "target_values" in after:
            after["target_values"] = sorted(after["target_values"].values())
        return after

    return [(e.kind, e.actor_id, e.before, same(e.after)) for e in rows]


def test_the_same_rows_and_history_as_one_report_at_a_time(world):
    other, other_target = twin(world)
    values = {"text": " 本周推进 ", "percent": 60, "obstacles": "缺数据", "next_steps": "对接"}
    report_submit(
        task=world.task,
        by=world.lead_staff,
        target_values={world.target.pk: Decimal("61")},
        notify_heads=False,
        **values,
    )

    with transaction.atomic():
        (task,) = locked(other)
        (bulk,) = reports_submit_held(
            by=world.lead_staff,
            items=[NewReport(task=task, target_values={other_target.pk: Decimal("61")}, **values)],
        )

    one = ProgressReport.objects.get(task=world.task)
    fields = ("unit_id", "text", "percent", "obstacles", "next_steps", "submitted_by_id")
    assert [getattr(bulk, f) for f in fields] == [getattr(one, f) for f in fields]
    assert bulk.confirmed_at is not None and bulk.target_values.get().value == Decimal("61")
    world.task.refresh_from_db()
    other.refresh_from_db()
    assert (other.progress, other.version) == (world.task.progress, world.task.version) == (60, 2)
    assert Target.objects.get(pk=other_target.pk).current_value == Decimal("61")
    assert history(other) == history(world.task)
    assert [k for k, *_ in history(other)] == ["report_submitted", "updated"]


def test_awaiting_the_heads_confirmation_moves_nothing(world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    with transaction.atomic():
        (task,) = locked(world.task)
        (report,) = reports_submit_held(
            by=world.lead_staff, items=[NewReport(task=task, text="推进", percent=90)]
        )

    assert report.confirmed_at is None
    world.task.refresh_from_db()
    assert world.task.progress == 20


def test_a_refused_report_names_its_place_and_nothing_is_written(world):
    other, _target = twin(world)
    with transaction.atomic():
        first, second = locked(world.task, other)
        stale = second.version - 1
        with pytest.raises(ReportRefused) as refused:
            reports_submit_held(
                by=world.lead_staff,
                items=[
                    NewReport(task=first, text="推进", percent=50),
                    NewReport(task=second, text="推进", percent=50, expected_version=stale),
                ],
            )

    assert refused.value.index == 1 and refused.value.refusal.code == "stale"
    assert not ProgressReport.objects.exists()


def test_a_supporting_units_staff_may_not_report_target_values(world):
    with transaction.atomic():
        (task,) = locked(world.task)
        with pytest.raises(ReportRefused) as refused:
            reports_submit_held(
                by=world.support_staff,
                items=[
                    NewReport(
                        task=task, text="配合", percent=10, target_values={world.target.pk: 1}
                    )
                ],
            )

    assert refused.value.refusal.field == "targets"
    assert not ProgressReport.objects.exists()
