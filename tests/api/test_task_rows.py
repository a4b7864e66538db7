"""The task list's rows are built from plain values (api/views/task_rows.py) for speed; they
must read exactly as ``TaskSerializer`` writes the same tasks, key order included, on every
kind of value: empty and set category, deadline, baseline and confirmation, several supporting
units and targets in their order, decimals, times, tasks with and without a last report."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Prefetch
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from api.views.task_rows import VALUES, last_reports, task_rows
from api.views.task_serializers import LastReportSerializer, TaskDetailSerializer, TaskSerializer
from api.views.tasks import task_list_queryset
from tasks.models import ProgressReport, Target, Task, TaskSupport
from tests.api.conftest import client_with, token_for
from tests.factories import CategoryFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _varied(world) -> None:
    """Tasks that between them hold every kind of value a row shows."""
    other_support = UnitFactory(name="区市场监管局")
    category = CategoryFactory(task_list=world.task_list, name="营商环境")
    ongoing = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.support,
        category=category,
        title="常态化推进",
        deadline=None,
        deadline_text="长期坚持",
        ongoing=True,
        status=Task.Status.AWAITING_SIGNOFF,
        progress=100,
        claimed=True,
    )
    overdue = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.lead,
        deadline=datetime.date(2020, 1, 31),
        status=Task.Status.CLOSED,
        version=7,
    )
    TaskSupport.objects.create(task=ongoing, unit=other_support)
    TaskSupport.objects.create(task=ongoing, unit=world.lead)
    Target.objects.create(
        task=ongoing, metric="办结率(%)", target_value=Decimal("99.50"), order=2, direction="lower"
    )
    Target.objects.create(
        task=ongoing,
        metric="事项数",
        unit_of_measure="项",
        baseline=Decimal("-3.25"),
        target_value=Decimal("1200"),
        current_value=Decimal("0.1"),
        order=1,
    )
    at = timezone.make_aware(datetime.datetime(2026, 11, 24, 9, 30, 15, 123456))
    for task, unit, percent, confirmed in (
        (world.task, world.lead, 35, None),
        (ongoing, world.support, 100, at + datetime.timedelta(hours=30)),
        (ongoing, world.lead, 10, None),  # a supporting unit's report: not the last report
    ):
        ProgressReport.objects.create(
            task=task,
            unit=unit,
            period_start=datetime.date(2026, 11, 23),
            text=f"进展{percent}",
            percent=percent,
            submitted_by=world.lead_staff,
            submitted_at=at,
            confirmed_at=confirmed,
        )
    assert overdue.reports.count() == 0


def _by_serializer(queryset) -> list:
    """The rows as DRF's serializer writes them from instances (the reference)."""
    tasks = list(
        queryset.select_related("task_list__campaign", "category", "lead_unit").prefetch_related(
            Prefetch(
                "supports", queryset=TaskSupport.objects.select_related("unit").order_by("id")
            ),
            "targets",
        )
    )
    ids = [task.last_report_id for task in tasks if task.last_report_id]
    reports = LastReportSerializer(ProgressReport.objects.filter(pk__in=ids), many=True).data
    context = {"last_reports": {row["id"]: row for row in reports}}
    return TaskSerializer(tasks, many=True, context=context).data


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "UTC"])
def test_the_rows_from_values_read_exactly_as_the_serializer_writes_them(world, settings, tz):
    settings.TIME_ZONE = tz
    _varied(world)
    queryset = task_list_queryset(world.leader, {}).order_by("id")

    fast = task_rows(list(queryset.values(*VALUES)))
    reference = _by_serializer(queryset)

    assert len(fast) == Task.objects.count() == 3
    assert JSONRenderer().render(fast) == JSONRenderer().render(reference)
    assert sum(bool(row["last_report"]) for row in fast) == 2
    assert [len(row["targets"]) for row in fast] == [1, 2, 0]


def test_the_list_endpoint_and_the_detail_give_the_serializers_rows(world):
    _varied(world)
    api = client_with(token_for(world.leader))

    listed = api.get("/api/v1/tasks/?page_size=100&ordering=code").json()["results"]
    queryset = task_list_queryset(world.leader, {}).order_by("task_list_id", "order", "id")
    reference = _by_serializer(queryset)

    assert JSONRenderer().render(listed) == JSONRenderer().render(reference)
    for row in listed:
        detail = api.get(f"/api/v1/tasks/{row['id']}/").json()
        assert {key: detail[key] for key in row} == row
        assert set(detail) - set(row) == set(TaskDetailSerializer().fields) - set(row)


def test_no_page_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert task_rows([]) == [] and last_reports([None]) == {}


def test_the_token_brings_the_roles_along(world, django_assert_max_num_queries):
    """The token's query reads the person's roles too: a user with several roles sees what
    each role shows, one with none sees what a person of no role sees."""
    both = UserFactory(username="both", unit=world.other, roles=[Role.STAFF, Role.LEADER])
    nobody = UserFactory(username="nobody", unit=world.other, roles=[])
    for user, expected in ((both, {world.task.pk}), (nobody, set())):
        api = client_with(token_for(user))
        api.get("/api/v1/tasks/")  # the token's last use is written once a minute, not after
        with django_assert_max_num_queries(5):
            rows = api.get("/api/v1/tasks/").json()["results"]
        assert {row["id"] for row in rows} == expected
