"""The API's permission matrix (tests/api/matrix.py): every route × method × role, with tokens;
a refused write changes nothing."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from api.services import token_create
from campaigns.models import Campaign, Category
from notifications.models import Notification
from tasks.services import instruction_give, report_submit, request_create
from tests.api.conftest import client_with
from tests.api.matrix import API_MATRIX
from tests.conftest import build_world
from tests.factories import UserFactory
from tests.tasks import files
from tests.test_permission_matrix import snapshot


@pytest.fixture(autouse=True)
def media_in_tmp(module_db):
    """The scene's evidence file stays in the module's media folder for every case."""


@pytest.fixture(scope="module")
def scene(module_db):
    w = build_world()
    w.category = Category.objects.create(task_list=w.task_list, name="一、深化审批制度改革")
    w.report = report_submit(
        task=w.task, by=w.lead_staff, text="已完成方案", percent=30, files=[files.pdf()]
    )
    w.evidence = w.report.evidence.get()
    # From here on the unit's head confirms its staff's reports: one waits for it.
    Campaign.objects.filter(pk=w.campaign.pk).update(requires_head_confirmation=True)
    w.task.refresh_from_db()
    w.pending = report_submit(task=w.task, by=w.lead_staff, text="待确认的进展", percent=35)
    w.request = request_create(
        task=w.task,
        by=w.lead_staff,
        kind="extension",
        reason="需市级支持",
        proposed_deadline=datetime.date(2031, 6, 30),
    )
    w.instruction = instruction_give(task=w.task, by=w.leader, text="请加快")
    w.notice = Notification.objects.filter(recipient=w.lead_staff).first()
    w.users = {
        "lead": w.lead_staff,
        "support": w.support_staff,
        "other": w.other_staff,
        "head": w.lead_head,
        "coord": w.coordinator,
        "other_coord": w.other_coordinator,
        "leader": w.leader,
        "auditor": w.auditor,
        "sysadmin": UserFactory(username="sysadmin", unit=w.office, roles=[Role.SYSADMIN]),
        "secadmin": UserFactory(username="secadmin", unit=w.office, roles=[Role.SECADMIN]),
    }
    w.tokens = {
        role: token_create(user=user, by=user, name="matrix", scope="write")[1]
        for role, user in w.users.items()
    }
    return w


def url_and_data(name: str, w) -> tuple[str, dict]:
    task = w.task.pk
    table = {
        "v1:api-root": ([], {}),
        "v1:schema": ([], {}),
        "v1:campaign-detail": ([w.campaign.pk], {}),
        "v1:list-detail": ([w.task_list.pk], {}),
        "v1:category-detail": ([w.category.pk], {}),
        "v1:unit-detail": ([w.lead.pk], {}),
        "v1:task-detail": ([task], {}),
        "v1:task-targets": ([task], {}),
        "v1:task-milestones": ([task], {}),
        "v1:task-history": ([task], {}),
        "v1:report-list": ([], {"task": task, "text": "推进中", "percent": 40}),
        "v1:report-detail": ([w.report.pk], {"text": "更正", "percent": 35}),
        "v1:report-confirm": ([w.pending.pk], {}),
        "v1:evidence-detail": ([w.evidence.pk], {}),
        "v1:request-list": (
            [],
            {"task": task, "kind": "transfer", "reason": "职能调整", "proposed_unit": w.other.pk},
        ),
        "v1:request-detail": ([w.request.pk], {}),
        "v1:request-decide": ([w.request.pk], {"approve": False, "comment": "不同意"}),
        "v1:request-withdraw": ([w.request.pk], {}),
        "v1:instruction-list": ([], {"task": task, "text": "请本周报送"}),
        "v1:instruction-detail": ([w.instruction.pk], {}),
        "v1:instruction-answer": ([w.instruction.pk], {"answer": "已落实"}),
        "v1:instruction-urge": ([w.instruction.pk], {}),
        "v1:notification-read": ([w.notice.pk], {}),
    }
    args, data = table.get(name, ([], {}))
    # The schema answers in YAML unless asked for JSON (its errors too).
    query = "?format=json" if name == "v1:schema" else ""
    return reverse(name, args=args) + query, data


CASES = [
    (name, method, role, expected)
    for name, methods in API_MATRIX.items()
    for method, table in methods.items()
    for role, expected in table.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES)
def test_api_permission_matrix(scene, name, method, role, expected):
    from rest_framework.test import APIClient

    client = client_with(scene.tokens[role]) if role != "anon" else APIClient()
    url, data = url_and_data(name, scene)
    unchanged = expected >= 400 or method == "GET"
    before = snapshot() if unchanged else None

    response = getattr(client, method.lower())(url, data, format="json")

    assert response.status_code == expected, (name, method, role, response.content[:300])
    if expected >= 400:
        assert set(response.json()) == {"code", "message", "fields"}
    if unchanged:
        assert snapshot() == before, "a refused or read-only request changed something"
