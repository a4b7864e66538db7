"""Units have a kind; a supervisory body (纪委监委) may not lead a task: not by import, not by
transfer, not by the task forms. The rule is ``accounts.permissions.unit_may_lead``."""

import datetime

import pytest
import tablib
from django.urls import reverse

from accounts.models import Unit
from accounts.permissions import unit_may_lead
from accounts.resources import UnitResource
from accounts.services import guess_unit_kind, units_create
from config.errors import RuleViolation
from tasks.models import Task, TaskEvent, TaskRequest
from tasks.services import request_create, request_decide, task_add, task_edit
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("区纪委监委", Unit.Kind.SUPERVISION),
        ("市纪律检查委员会市监察委员会", Unit.Kind.SUPERVISION),
        ("区委政法委", Unit.Kind.PARTY),
        ("国网青岛西海岸供电公司", Unit.Kind.ENTERPRISE),
        ("区水务集团", Unit.Kind.ENTERPRISE),
        ("珠山街道", Unit.Kind.TOWN),
        ("区行政审批服务局", Unit.Kind.BUREAU),
    ],
)
def test_a_units_kind_is_guessed_from_its_name(name, kind):
    assert guess_unit_kind(name) == kind


def test_only_a_supervisory_body_among_the_kinds_may_not_lead():
    refused = [kind for kind in Unit.Kind if not unit_may_lead(Unit(name="x", kind=kind))]

    assert refused == [Unit.Kind.SUPERVISION]


def test_units_created_by_an_import_or_the_directory_get_the_kind_of_their_name():
    made = units_create(names=["区纪委监委", "区水务集团"], parent=None)
    dataset = tablib.Dataset(headers=["name", "kind", "parent", "active", "order", "aliases"])
    dataset.append(["市纪委监委", "", "", "1", "0", ""])
    dataset.append(["区大数据局", "bureau", "", "1", "0", ""])

    result = UnitResource().import_data(dataset, dry_run=False)

    assert not result.has_errors()
    assert made["区纪委监委"].kind == Unit.Kind.SUPERVISION
    assert made["区水务集团"].kind == Unit.Kind.ENTERPRISE
    assert Unit.objects.get(name="市纪委监委").kind == Unit.Kind.SUPERVISION
    assert Unit.objects.get(name="区大数据局").kind == Unit.Kind.BUREAU


# --- transfer and the task forms ------------------------------------------------------------


@pytest.fixture
def discipline(db):
    return UnitFactory(name="区纪委监委", kind=Unit.Kind.SUPERVISION)


def test_a_transfer_does_not_offer_a_supervisory_body_and_the_service_refuses_it(
    world, client, discipline
):
    client.force_login(world.lead_staff)
    page = client.get(reverse("tasks:detail", args=[world.task.pk]), {"request": "open"})
    offered = page.context["request_form"].fields["proposed_unit"].queryset
    assert world.support in offered and discipline not in offered
    before = (TaskRequest.objects.count(), TaskEvent.objects.count())

    with pytest.raises(RuleViolation) as refusal:
        request_create(
            task=world.task,
            by=world.lead_staff,
            kind=TaskRequest.Kind.TRANSFER,
            reason="涉及纪律问题",
            proposed_unit=discipline,
        )

    assert refusal.value.field == "proposed_unit"
    assert "监督机关" in refusal.value.message
    assert (TaskRequest.objects.count(), TaskEvent.objects.count()) == before


def test_a_transfer_to_a_unit_that_became_a_supervisory_body_is_not_approved(world, discipline):
    unit = UnitFactory(name="区监察专员办")
    request = request_create(
        task=world.task,
        by=world.lead_staff,
        kind=TaskRequest.Kind.TRANSFER,
        reason="职责调整",
        proposed_unit=unit,
    )
    Unit.objects.filter(pk=unit.pk).update(kind=Unit.Kind.SUPERVISION)
    request.proposed_unit.refresh_from_db()

    with pytest.raises(RuleViolation):
        request_decide(request=request, by=world.coordinator, approve=True)

    world.task.refresh_from_db()
    assert world.task.lead_unit == world.lead
    request.refresh_from_db()
    assert request.status == TaskRequest.Status.PENDING


def test_the_task_forms_do_not_offer_a_supervisory_body_and_the_services_refuse_it(
    world, client, discipline
):
    world.campaign.coordinators.add(world.coordinator)
    client.force_login(world.coordinator)
    add_url = reverse("campaigns:task_add", args=[world.campaign.slug, world.task_list.pk])
    form = client.get(add_url).context["form"]
    assert discipline not in form.fields["lead_unit"].queryset
    assert discipline in form.fields["supporting_units"].queryset
    tasks = Task.objects.count()

    response = client.post(
        add_url, {"code": "99", "title": "新任务", "lead_unit": discipline.pk, "difficulty": "1.0"}
    )

    assert response.status_code == 400
    assert Task.objects.count() == tasks
    with pytest.raises(RuleViolation):
        task_add(
            task_list=world.task_list,
            by=world.coordinator,
            code="99",
            title="新任务",
            lead_unit=discipline,
        )
    with pytest.raises(RuleViolation):
        task_edit(
            task=world.task,
            by=world.coordinator,
            expected_version=world.task.version,
            lead_unit=discipline,
        )
    world.task.refresh_from_db()
    assert world.task.lead_unit == world.lead
    assert Task.objects.count() == tasks


def test_a_supervisory_body_may_support_a_task(world, discipline):
    task = task_add(
        task_list=world.task_list,
        by=world.coordinator,
        code="98",
        title="规范政商交往",
        lead_unit=world.other,
        supporting_units=[discipline],
        deadline=datetime.date(2030, 1, 1),
    )

    assert list(task.supports.values_list("unit__name", flat=True)) == ["区纪委监委"]
