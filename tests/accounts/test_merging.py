"""Merging two units (单位合并): every foreign key to Unit is handled, every reference moves,
history stays readable; only the system administrator merges."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import merging
from accounts.merging import (
    KEEP,
    field_label,
    unit_merge,
    unit_reference_fields,
    unit_references,
    unit_references_unhandled,
)
from accounts.models import Role, Unit, UnitAlias, UnitMerge
from campaigns.models import TaskList
from campaigns.services.import_steps.resolving import unit_directory
from config.errors import RuleViolation
from cycles.models import UnitMonth
from cycles.schedule import round_times
from cycles.services import review_certify, review_confirm_all, review_open, round_open
from inspections.services import round_open as inspection_round_open
from measures.services import application_add
from tasks.models import Task, TaskEvent, TaskSupport
from tasks.selectors import tasks_as_at
from tasks.services import report_submit, request_create
from tests.factories import (
    CampaignFactory,
    RobotWebhookFactory,
    TaskFactory,
    TaskListFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_every_foreign_key_to_unit_says_how_it_is_merged():
    """A model added later with a foreign key to Unit fails here until its app registers how
    a merge moves it (``accounts.merging.unit_references_register`` in its ready())."""
    labels = {field_label(model, fld) for model, fld in unit_reference_fields()}

    assert unit_references_unhandled() == []
    assert {"tasks.Task.lead_unit", "accounts.User.unit", "inspections.Answer.unit"} <= labels


def test_a_key_nobody_registered_refuses_every_merge(monkeypatch, world):
    registry = dict(merging._REGISTRY)
    registry.pop("tasks.ProgressReport.unit")
    monkeypatch.setattr(merging, "_REGISTRY", registry)
    into = UnitFactory(name="区行政审批局")

    with pytest.raises(RuleViolation) as refused:
        unit_merge(merged=world.lead, into=into, by=None)

    assert "tasks.ProgressReport.unit" in str(refused.value.message)
    world.lead.refresh_from_db()
    assert world.lead.active and Task.objects.get(pk=world.task.pk).lead_unit == world.lead


@pytest.fixture
def scene(world):
    """world.lead (区行政审批服务局) with a row of every kind pointing at it, and the unit it
    is merged into, which already supports world.task and answers the same question."""
    w = world
    w.into = UnitFactory(name="区行政审批服务管理局")
    TaskSupport.objects.create(task=w.task, unit=w.into)
    # A task both units support, and one the surviving unit leads that the merged supports.
    w.both = TaskFactory(task_list=w.task_list, lead_unit=w.other, title="两个单位都配合")
    TaskSupport.objects.bulk_create(
        [TaskSupport(task=w.both, unit=w.lead), TaskSupport(task=w.both, unit=w.into)]
    )
    w.into_leads = TaskFactory(task_list=w.task_list, lead_unit=w.into, title="存续单位牵头")
    TaskSupport.objects.create(task=w.into_leads, unit=w.lead)
    report_submit(task=w.task, by=w.lead_staff, text="本周进展", percent=30)
    request_create(
        task=w.both,
        by=w.other_staff,
        kind="transfer",
        reason="职责调整",
        proposed_unit=w.lead,
    )
    round_open(
        campaign=w.campaign,
        times=round_times(w.campaign, datetime.date(2026, 11, 23)),
        now=timezone.now(),
    )
    Task.objects.filter(task_list__campaign=w.campaign).update(
        created_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    )
    review = review_open(campaign=w.campaign, month=datetime.date(2026, 10, 1), now=timezone.now())
    review_confirm_all(review=review, by=w.coordinator)
    w.review = review_certify(review=review, by=w.coordinator)
    measures = TaskListFactory(campaign=w.campaign, kind=TaskList.Kind.MEASURE, name="措施")
    line = TaskFactory(task_list=measures, lead_unit=w.office, title="约谈问责")
    application_add(
        campaign=w.campaign, line=line, by=w.coordinator, unit=w.lead, grounds="连续两月滞后"
    )
    checklist = TaskListFactory(campaign=w.campaign, kind=TaskList.Kind.CHECKLIST, name="督查")
    named_by_both = TaskFactory(task_list=checklist, lead_unit=w.lead, title="是否公开")
    TaskSupport.objects.create(task=named_by_both, unit=w.into)
    TaskFactory(task_list=checklist, lead_unit=w.lead, title="是否受理")
    inspection_round_open(
        checklist=checklist, by=w.coordinator, title="督查", due_date=datetime.date(2026, 12, 31)
    )
    RobotWebhookFactory(unit=w.lead)
    UnitAlias.objects.create(alias="区审批局", unit=w.lead)
    UnitFactory(name="区政务服务中心", parent=w.lead)
    CampaignFactory(slug="organised", organiser=w.lead)
    Unit.objects.create(name="区老审批局", active=False, merged_into=w.lead)
    # The newer apps' rows that name a unit: a call's place and bid, a problem, an upload.
    from challenges.models import Bid, BidSupport, Call, CallUnit
    from problems.models import Problem
    from reporting.models import ReportUpload

    call = Call.objects.create(
        campaign=w.campaign,
        task_list=w.task_list,
        number=1,
        title="揭榜",
        goal="目标",
        claim_deadline=timezone.now(),
        published_by=w.coordinator,
    )
    CallUnit.objects.create(call=call, unit=w.lead)
    bid = Bid.objects.create(
        call=call,
        unit=w.lead,
        plan="方案",
        commander="张三",
        complete_by=datetime.date(2026, 12, 31),
        submitted_by=w.coordinator,
    )
    BidSupport.objects.create(bid=bid, unit=w.lead)
    Problem.objects.create(
        campaign=w.campaign,
        title="问题",
        unit=w.lead,
        assigned_unit=w.lead,
        source=Problem.Source.OFFICE,
        raised_by=w.coordinator,
    )
    ReportUpload.objects.create(
        unit=w.lead, uploaded_by=w.coordinator, filename="本周应报送.xlsx", sha256="0" * 64
    )
    return w


def test_merging_moves_every_reference_and_keeps_history_readable(client, scene):
    w = scene
    merged, into = w.lead, w.into
    history = [
        f for m, f in unit_reference_fields() if merging._REGISTRY[field_label(m, f)] == KEEP
    ]
    moving = {field_label(m, f) for m, f in unit_reference_fields() if f not in history}
    assert set(unit_references(merged)) == moving, "the scene has a row of every kind"
    before_merge = timezone.now()
    into_figures = UnitMonth.objects.get(review=w.review, unit=into).tasks
    merged_figures = UnitMonth.objects.get(review=w.review, unit=merged).tasks

    merge = unit_merge(merged=merged, into=into, by=w.coordinator)

    # Every reference moved, but one: the merged unit's answer to a question the surviving
    # unit answered too stays with it, as history.
    assert unit_references(merged) == {
        "inspections.Answer.unit": 1,
        "accounts.UnitMerge.merged": 1,
    }
    assert merge.kept == {"inspections.Answer.unit": 1}
    assert merge.moved["tasks.Task.lead_unit"] == 3  # world.task and two questions
    merged.refresh_from_db()
    assert (merged.active, merged.merged_into) == (False, into)
    assert Unit.objects.get(name="区老审批局").merged_into == into  # no chains
    # The lead never supports its own task, and no unit supports a task twice.
    task = Task.objects.get(pk=w.task.pk)
    assert task.lead_unit == into
    assert list(task.supports.values_list("unit", flat=True)) == [w.support.pk]
    assert list(w.both.supports.values_list("unit", flat=True)) == [into.pk]
    assert not w.into_leads.supports.exists()
    # Certified figures are the one body's now.
    assert UnitMonth.objects.get(review=w.review, unit=into).tasks == into_figures + merged_figures
    # History reads: the task says what changed and why; the month as it stood is the same
    # body; the old name finds the surviving unit.
    event = TaskEvent.objects.filter(task=task).order_by("-id").first()
    assert event.kind == TaskEvent.Kind.UNITS_CHANGED and event.actor == w.coordinator
    assert (event.before["lead_unit_id"], event.after["lead_unit_id"]) == (merged.pk, into.pk)
    assert event.before["supporting_unit_ids"] == sorted([w.support.pk, into.pk])
    assert event.after["supporting_unit_ids"] == [w.support.pk]
    assert merged.name in event.note and into.name in event.note
    [(_task, state)] = tasks_as_at(tasks=Task.objects.filter(pk=task.pk), moment=before_merge)
    assert state.lead_unit_id == into.pk
    resolution = unit_directory().resolve("区行政审批服务局")
    assert (resolution.unit_id, resolution.how) == (into.pk, "alias")
    assert unit_directory().resolve("区审批局").unit_id == into.pk
    assert UnitMerge.objects.get().merged_name == "区行政审批服务局"
    client.force_login(w.lead_staff)  # now a member of the surviving unit
    assert w.task.title in client.get(reverse("tasks:mine")).content.decode()
    with pytest.raises(RuleViolation):
        unit_merge(merged=merged, into=into, by=w.coordinator)  # once


@pytest.mark.parametrize("case", ["itself", "sub-unit", "into merged"])
def test_a_merge_that_makes_no_sense_is_refused(world, case):
    gone = Unit.objects.create(name="区旧局", active=False, merged_into=world.other)
    sub = UnitFactory(name="区审批服务中心", parent=world.lead)
    into = {"itself": world.lead, "sub-unit": sub, "into merged": gone}[case]

    with pytest.raises(RuleViolation):
        unit_merge(merged=world.lead, into=into, by=None)

    assert not UnitMerge.objects.exists()
    assert Task.objects.get(pk=world.task.pk).lead_unit == world.lead


@pytest.fixture
def sysadmin(world):
    return UserFactory(username="sysadmin", unit=world.office, roles=[Role.SYSADMIN])


def test_the_system_administrator_merges_on_the_merge_page(client, world, sysadmin):
    old = UnitFactory(name="区卫生健康委员会")
    new = UnitFactory(name="区卫生健康局")
    TaskFactory(task_list=world.task_list, lead_unit=old, title="健康任务")
    client.force_login(sysadmin)
    url = reverse("unit_merge")

    page = client.get(url).content.decode()
    preview = client.get(url, {"merged": old.pk, "into": new.pk}).content.decode()
    response = client.post(url, {"merged": old.pk, "into": new.pk})

    assert "区卫生健康委员会 / 区卫生健康局" in page  # suggested: they look alike
    assert "任务（牵头单位）" in preview and "<td>1</td>" in preview
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.merged_into == new
    assert Task.objects.get(title="健康任务").lead_unit == new
    assert "区卫生健康委员会" in client.get(url).content.decode()  # among the merges so far
    # The admin's action opens the page with the two units chosen.
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(
        reverse("admin:accounts_unit_changelist"),
        {"action": "merge_two", "_selected_action": [world.lead.pk, world.other.pk]},
    )
    assert response.status_code == 302 and response["Location"].startswith(url)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SECADMIN, Role.LEADER, Role.AUDITOR])
def test_nobody_else_may_merge_units(client, world, role):
    user = UserFactory(username=f"u_{role}", unit=world.office, roles=[role])
    client.force_login(user)
    url = reverse("unit_merge")

    refused = [
        client.get(url).status_code,
        client.post(url, {"merged": world.lead.pk, "into": world.other.pk}).status_code,
    ]

    assert refused == [404, 404]
    world.lead.refresh_from_db()
    assert world.lead.active and not UnitMerge.objects.exists()


def test_the_merge_page_costs_the_same_queries_for_a_small_or_large_directory(
    client, world, sysadmin, django_assert_max_num_queries
):
    client.force_login(sysadmin)
    url = reverse("unit_merge")

    def queries(size: int) -> int:
        for n in range(size):
            UnitFactory(name=f"区测试{size}号局{n}")
            UnitFactory(name=f"区测试{size}号和局{n}")  # looks like the one before
        merged = UnitFactory(name=f"区合并{size}局")
        TaskFactory(task_list=world.task_list, lead_unit=merged)
        unit_merge(merged=merged, into=world.other, by=sysadmin)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"merged": world.lead.pk, "into": world.other.pk})
        assert response.status_code == 200
        return len(captured.captured_queries)

    few, many = queries(3), queries(30)

    assert few == many
    with django_assert_max_num_queries(few):
        client.get(url, {"merged": world.lead.pk, "into": world.other.pk})
