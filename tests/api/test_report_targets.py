"""Target values through the API's reports: the page's rules (tasks.services.reports), a
refusal is a 400 naming ``target_values`` and writes nothing."""

from decimal import Decimal

import pytest

from tasks.models import ProgressReport, ReportTargetValue, Target, TaskEvent
from tasks.services import report_submit
from tests.api.conftest import client_with, token_for
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(world):
    return Target.objects.create(task=world.task, metric="零跑动事项可办率", target_value=65)


def _counts() -> tuple[int, int, int]:
    return (
        ProgressReport.objects.count(),
        ReportTargetValue.objects.count(),
        TaskEvent.objects.count(),
    )


def test_the_lead_unit_reports_target_values_as_json(world, target):
    api = client_with(token_for(world.lead_staff))

    response = api.post(
        "/api/v1/reports/",
        {
            "task": world.task.pk,
            "text": "可办率提升",
            "percent": 40,
            "target_values": {target.pk: "55.5"},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["target_values"] == {str(target.pk): "55.50"}
    target.refresh_from_db()
    assert target.current_value == Decimal("55.50")
    event = TaskEvent.objects.filter(kind=TaskEvent.Kind.REPORT_SUBMITTED).get()
    assert event.after["target_values"] == {str(target.pk): "55.50"}


def test_target_values_in_multipart_with_files(world, target):
    api = client_with(token_for(world.lead_staff))

    response = api.post(
        "/api/v1/reports/",
        {"task": world.task.pk, "text": "附表", "percent": 50, f"target_values.{target.pk}": "60"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    target.refresh_from_db()
    assert target.current_value == Decimal("60")


@pytest.mark.parametrize(
    ("role", "values"),
    [
        ("lead_staff", "another_task"),  # a target of another task
        ("lead_staff", "not_an_id"),
        ("lead_staff", "not_a_number"),
        ("lead_staff", "too_many_digits"),
        ("lead_staff", "not_an_object"),
        ("support_staff", "own"),  # only the lead unit reports target values
    ],
)
def test_a_bad_target_value_answers_400_naming_the_field_and_writes_nothing(
    world, target, role, values
):
    other = Target.objects.create(task=TaskFactory(), metric="其他", target_value=1)
    values = {
        "another_task": {other.pk: "1"},
        "not_a_number": {target.pk: "很多"},
        "too_many_digits": {target.pk: "1" * 20},
        "not_an_object": [1, 2],
        "own": {target.pk: "50"},
    }.get(values, values)
    api = client_with(token_for(getattr(world, role)))
    before = _counts()

    response = api.post(
        "/api/v1/reports/",
        {"task": world.task.pk, "text": "进展", "percent": 30, "target_values": values},
        format="json",
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["fields"]) == ["target_values"], body
    assert all(isinstance(m, str) for m in body["fields"]["target_values"])
    assert _counts() == before
    target.refresh_from_db()
    assert target.current_value is None


def test_editing_a_report_replaces_its_target_values(world, target):
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="初报",
        percent=20,
        target_values={target.pk: Decimal("10")},
    )
    api = client_with(token_for(world.lead_staff))

    response = api.patch(
        f"/api/v1/reports/{report.pk}/",
        {"text": "更正", "percent": 25, "target_values": {str(target.pk): "12.5"}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["target_values"] == {str(target.pk): "12.50"}
    edit = TaskEvent.objects.get(kind=TaskEvent.Kind.REPORT_EDITED)
    assert edit.before["target_values"] == {str(target.pk): "10.00"}
    assert edit.after["target_values"] == {str(target.pk): "12.50"}
    target.refresh_from_db()
    assert target.current_value == Decimal("12.5")


def test_an_edit_without_target_values_leaves_them_and_a_bad_one_writes_nothing(world, target):
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="初报",
        percent=20,
        target_values={target.pk: Decimal("10")},
    )
    api = client_with(token_for(world.lead_staff))
    other = Target.objects.create(task=TaskFactory(), metric="其他", target_value=1)

    kept = api.patch(f"/api/v1/reports/{report.pk}/", {"text": "更正", "percent": 25})
    before = _counts()
    refused = api.patch(
        f"/api/v1/reports/{report.pk}/",
        {"text": "再更正", "percent": 30, "target_values": {str(other.pk): "3"}},
        format="json",
    )

    assert kept.status_code == 200 and kept.json()["target_values"] == {str(target.pk): "10.00"}
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["target_values"]
    assert _counts() == before
    report.refresh_from_db()
    assert (report.text, report.percent) == ("更正", 25)
