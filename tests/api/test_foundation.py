"""Tokens, scope, errors, throttling, the schema and its docs."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, TokenWrite
from api.services import token_create, token_revoke
from tasks.models import Task
from tests.api.conftest import client_with, token_for

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_hashed_and_shown_once(world):
    row, token = token_create(user=world.lead_staff, by=world.lead_staff, name="数据交换")

    assert token.startswith("qd_") and token not in (row.digest, row.key)
    assert ApiToken.objects.filter(digest__contains=token).count() == 0
    assert client_with(token).get("/api/v1/tasks/").status_code == 200


def test_an_expired_a_revoked_and_an_unknown_token_answer_401_in_the_one_error_shape(world):
    row, token = token_create(user=world.lead_staff, by=world.lead_staff, name="x")
    revoked_row, revoked = token_create(user=world.lead_staff, by=world.lead_staff, name="y")
    token_revoke(token=revoked_row, by=world.lead_staff)
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - datetime.timedelta(1))

    for value in (token, revoked, "qd_" + "0" * 64, "garbage"):
        response = client_with(value).get("/api/v1/tasks/")
        assert response.status_code == 401, value
        assert set(response.json()) == {"code", "message", "fields"}
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_read_token_cannot_write_and_nothing_changes(world):
    client = client_with(token_for(world.lead_staff, scope="read"))
    before = Task.objects.get(pk=world.task.pk).version

    response = client.post("/api/v1/reports/", {"task": world.task.pk, "text": "x", "percent": 50})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Task.objects.get(pk=world.task.pk).version == before


def test_the_last_use_is_remembered(world):
    row, token = token_create(user=world.lead_staff, by=world.lead_staff, name="x")
    client_with(token).get("/api/v1/tasks/")
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_the_management_command_prints_the_token_once(world):
    out = StringIO()
    call_command(
        "api_token_create",
        "lead_staff",
        "--scope",
        "write",
        "--expires-days",
        "7",
        "--name",
        "脚本",
        stdout=out,
        stderr=StringIO(),
    )
    token = out.getvalue().strip()
    row = ApiToken.objects.get(name="脚本")
    assert row.scope == "write" and row.user == world.lead_staff
    assert client_with(token).get("/api/v1/tasks/").status_code == 200


def test_bad_input_answers_400_never_500(world, api_as):
    client = api_as(world.lead_staff)
    for query in (
        "q=%00",
        "status=nope",
        "task_list=abc",
        "task_list=99999999999999999999",
        "deadline_after=2026-13-40",
        "overdue=maybe",
        "ordering=x",
        "unknown=1",
        "page_size=-5",
        "cursor=%%%",
    ):
        response = client.get(f"/api/v1/tasks/?{query}")
        assert response.status_code in (200, 400, 404), query
        if response.status_code >= 400:
            assert set(response.json()) == {"code", "message", "fields"}
    assert client.get("/api/v1/tasks/99999999999999999999/").status_code == 404
    assert client.get("/api/v1/tasks/?q=%00").json()["fields"] == {
        "query": [client.get("/api/v1/tasks/?q=%00").json()["fields"]["query"][0]]
    }


def test_the_old_api_survives_a_nul_byte(world, staff_user, password, client):
    client.login(username="staff", password=password)
    assert client.get("/api/tasks/?q=%00").status_code == 200


def test_a_throttled_token_gets_429_with_retry_after(world, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"api_token": "2/min", "api_user": "100/min"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        from django.core.cache import cache

        cache.clear()
        client = client_with(token_for(world.lead_staff))
        codes = [client.get("/api/v1/units/").status_code for _ in range(3)]
        response = client.get("/api/v1/units/")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 429]
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    assert api_settings.DEFAULT_THROTTLE_RATES["api_token"]


def test_the_schema_and_docs_need_a_login(world, client):
    assert APIClient().get(reverse("v1:schema")).status_code == 401
    assert client.get(reverse("v1:docs")).status_code == 302
    client.force_login(world.lead_staff)
    schema = client.get(reverse("v1:schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/v1/tasks/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    docs = client.get(reverse("v1:docs"))
    redoc = client.get(reverse("v1:redoc"))
    assert docs.status_code == redoc.status_code == 200
    assert b"//cdn" not in docs.content and b"googleapis" not in redoc.content


def test_a_session_write_needs_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.lead_staff)
    response = client.post("/api/v1/reports/", {"task": world.task.pk, "text": "x", "percent": 5})
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_the_token_page_creates_shows_once_and_revokes(world, client):
    client.force_login(world.lead_staff)
    page = client.post(
        reverse("tokens:list"),
        {"kind": "own", "own-name": "钉钉", "own-scope": "read", "own-expires_days": 30},
    )
    assert page.status_code == 200
    row = ApiToken.objects.get(name="钉钉")
    token = page.context["created"][1]
    assert token.encode() in page.content
    assert token.encode() not in client.get(reverse("tokens:list")).content

    client.post(reverse("tokens:revoke", args=[row.pk]))
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_only_the_system_administrator_creates_service_tokens(world, client):
    from accounts.models import Role
    from tests.factories import UserFactory

    sysadmin = UserFactory(username="sys", roles=[Role.SYSADMIN])
    service = UserFactory(username="svc-exchange", unit=world.lead, roles=[Role.STAFF])
    data = {
        "kind": "service",
        "service-account": "svc-exchange",
        "service-name": "数据交换",
        "service-scope": "read",
        "service-expires_days": 30,
    }
    client.force_login(world.lead_staff)
    client.post(reverse("tokens:list"), data)
    assert not ApiToken.objects.filter(service=True).exists()
    client.force_login(sysadmin)
    client.post(reverse("tokens:list"), data)
    assert ApiToken.objects.get(service=True).user == service
    assert TokenWrite.objects.count() == 0
