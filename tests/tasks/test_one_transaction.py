"""Many service calls as one transaction (一表填报): no savepoint per call, and a refusal
undoes every call before it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.errors import RuleViolation
from tasks.models import ProgressReport, TaskEvent
from tasks.services import one_transaction, report_submit
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def savepoints(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT"))


def test_services_inside_open_no_savepoint_of_their_own(world):
    tasks = [TaskFactory(task_list=world.task_list, lead_unit=world.lead) for _ in range(3)]

    with CaptureQueriesContext(connection) as ctx, one_transaction():
        for task in tasks:
            report_submit(task=task, by=world.lead_staff, text="x", percent=30)

    assert ProgressReport.objects.count() == 3
    assert savepoints(ctx) <= 1  # one_transaction's own, when it is nested itself


def test_a_refusal_inside_undoes_every_call_before_it(world):
    first = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    events = TaskEvent.objects.count()

    with pytest.raises(RuleViolation), one_transaction():
        report_submit(task=first, by=world.lead_staff, text="x", percent=30)
        report_submit(task=world.task, by=world.lead_staff, text="x", percent=130)

    assert ProgressReport.objects.count() == 0
    assert TaskEvent.objects.count() == events
    first.refresh_from_db()
    assert first.progress == 0


def test_outside_it_each_service_keeps_its_savepoint(world):
    with CaptureQueriesContext(connection) as ctx:
        report_submit(task=world.task, by=world.lead_staff, text="x", percent=30)

    assert savepoints(ctx) >= 1  # pytest-django's transaction around the test makes it nested
