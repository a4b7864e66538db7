"""Writes through the API: the same services and history as the pages, optimistic locking,
attribution to the token, and the query count of the task list."""

import pytest
from django.urls import reverse

from api.models import TokenWrite
from tasks.models import ProgressReport, Task, TaskEvent, TaskRequest
from tests.api.conftest import client_with, token_for
from tests.factories import TaskFactory
from tests.tasks import files

pytestmark = pytest.mark.django_db


def _shape(event: TaskEvent) -> tuple:
    return (event.kind, event.actor_id, sorted(event.before), sorted(event.after), event.note)


def test_a_report_through_the_api_leaves_the_history_the_page_leaves(world, client):
    client.force_login(world.lead_staff)
    task = Task.objects.get(pk=world.task.pk)
    client.post(
        reverse("tasks:report_submit", args=[task.pk]),
        {"text": "本周进展", "percent": 40, "version": task.version},
    )
    by_page = list(TaskEvent.objects.filter(task=task).order_by("id"))
    api = client_with(token_for(world.lead_staff))

    response = api.post(
        "/api/v1/reports/", {"task": task.pk, "text": "本周进展", "percent": 45}, format="json"
    )

    assert response.status_code == 201
    by_api = list(TaskEvent.objects.filter(task=task, id__gt=by_page[-1].pk).order_by("id"))
    assert [_shape(e) for e in by_api] == [_shape(e) for e in by_page]
    write = TokenWrite.objects.get()
    assert write.user == world.lead_staff and write.token.name == "lead_staff-write"
    assert sorted(write.task_events) == [e.pk for e in by_api] and write.status == 201


def test_a_report_with_several_files_as_multipart(world):
    api = client_with(token_for(world.lead_staff))
    response = api.post(
        "/api/v1/reports/",
        {
            "task": world.task.pk,
            "text": "附佐证",
            "percent": 50,
            "files": [files.pdf(), files.png()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    evidence = response.json()["evidence"]
    assert sorted(e["original_name"] for e in evidence) == ["佐证材料.pdf", "现场照片.png"]
    download = api.get(f"/api/v1/evidence/{evidence[0]['id']}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    outsider = client_with(token_for(world.other_staff))
    assert outsider.get(f"/api/v1/evidence/{evidence[0]['id']}/").status_code == 404


def test_a_stale_version_answers_409_naming_the_change_and_writes_nothing(world):
    api = client_with(token_for(world.lead_staff))
    etag = api.get(f"/api/v1/tasks/{world.task.pk}/")["ETag"]
    assert etag == f'"{Task.objects.get(pk=world.task.pk).version}"'
    other = client_with(token_for(world.lead_head))
    assert (
        other.post(
            "/api/v1/reports/",
            {"task": world.task.pk, "text": "先报", "percent": 30},
            format="json",
            HTTP_IF_MATCH=etag,
        ).status_code
        == 201
    )
    before = ProgressReport.objects.count()

    response = api.post(
        "/api/v1/reports/",
        {"task": world.task.pk, "text": "后报", "percent": 35},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 409
    assert (
        response.json()["code"] == "stale"
        and "lead_head" in response.json()["message"]
        or (response.json()["message"])
    )
    assert ProgressReport.objects.count() == before


def test_a_request_decided_through_the_api_with_a_stale_version_is_refused(world):
    lead = client_with(token_for(world.lead_staff))
    made = lead.post(
        "/api/v1/requests/",
        {
            "task": world.task.pk,
            "kind": "extension",
            "reason": "需市级支持",
            "proposed_deadline": "2031-06-30",
        },
        format="json",
    ).json()
    coord = client_with(token_for(world.coordinator))

    stale = coord.post(
        f"/api/v1/requests/{made['id']}/decide/",
        {"approve": True},
        format="json",
        HTTP_IF_MATCH=f'"{made["version"] + 5}"',
    )
    decided = coord.post(
        f"/api/v1/requests/{made['id']}/decide/",
        {"approve": True, "comment": "同意", "version": made["version"]},
        format="json",
    )

    assert stale.status_code == 409
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert TaskRequest.objects.get(pk=made["id"]).decided_by == world.coordinator


def test_a_refused_rule_answers_400_with_the_services_chinese_message(world):
    api = client_with(token_for(world.lead_staff))
    response = api.post(
        "/api/v1/reports/", {"task": world.task.pk, "text": "   ", "percent": 30}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("invalid",) and body["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_every_error_message_is_chinese(world):
    from rest_framework.test import APIClient

    assert any(
        "\u4e00" <= c <= "\u9fff" for c in APIClient().get("/api/v1/tasks/").json()["message"]
    )
    api = client_with(token_for(world.other_staff))
    assert any(
        "\u4e00" <= c <= "\u9fff"
        for c in api.get(f"/api/v1/tasks/{world.task.pk}/").json()["message"]
    )


def test_instructions_are_given_and_answered(world):
    leader = client_with(token_for(world.leader))
    given = leader.post(
        "/api/v1/instructions/", {"task": world.task.pk, "text": "请加快"}, format="json"
    )
    assert given.status_code == 201
    lead = client_with(token_for(world.lead_staff))
    answered = lead.post(
        f"/api/v1/instructions/{given.json()['id']}/answer/", {"answer": "已落实"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["answered_at"]
    notices = lead.get("/api/v1/notifications/").json()["results"]
    assert notices
    read = lead.post(f"/api/v1/notifications/{notices[0]['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"]


def test_the_task_list_filters(world):
    red = TaskFactory(
        task_list=world.task_list, lead_unit=world.lead, title="逾期任务", deadline="2020-01-01"
    )
    api = client_with(token_for(world.lead_staff))

    def ids(query):
        response = api.get(f"/api/v1/tasks/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("light=red") == {red.pk}
    assert ids("overdue=true") == {red.pk}
    assert ids("overdue=false") == {world.task.pk}
    assert ids(f"supporting_unit={world.support.pk}") == {world.task.pk}
    assert ids("deadline_after=2030-01-01") == {world.task.pk}
    assert ids("q=逾期") == {red.pk}
    assert ids("campaign=reform&ordering=-deadline") == {red.pk, world.task.pk}
    assert ids("campaign=other") == set()
    assert ids("mine=true&light=red") == {red.pk}
    assert ids("mine=true") == {red.pk, world.task.pk}


def test_the_task_list_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    api = client_with(token_for(world.lead_staff))
    api.get("/api/v1/tasks/")  # the token's last use is written once a minute, not here
    for n in range(20):
        task = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
        task.targets.create(metric=f"指标{n}", target_value=10)
    for task in Task.objects.all()[:10]:
        ProgressReport.objects.create(
            task=task,
            unit=task.lead_unit,
            period_start="2026-11-23",
            submitted_by=world.lead_staff,
            text="进展",
            percent=10,
        )

    # The token with the person's roles, the page, its supporting units, targets, last reports.
    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/tasks/?page_size=100")
    # A token's first use in a minute also writes when it was used: still at most 6.
    fresh = client_with(token_for(world.lead_staff, scope="read"))
    with django_assert_max_num_queries(6):
        assert fresh.get("/api/v1/tasks/?page_size=100").json() == response.json()

    rows = response.json()["results"]
    assert len(rows) == 21
    assert sum(1 for row in rows if row["last_report"]) == 10
    assert sum(len(row["targets"]) for row in rows) == 21


def test_a_report_edited_with_a_stale_version_is_refused_and_unchanged(world):
    api = client_with(token_for(world.lead_staff))
    made = api.post(
        "/api/v1/reports/", {"task": world.task.pk, "text": "初稿", "percent": 20}, format="json"
    )
    etag = made["ETag"]
    assert (
        api.patch(
            f"/api/v1/reports/{made.json()['id']}/",
            {"text": "改一", "percent": 25},
            format="json",
            HTTP_IF_MATCH=etag,
        ).status_code
        == 200
    )

    stale = api.patch(
        f"/api/v1/reports/{made.json()['id']}/",
        {"text": "改二", "percent": 30},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert ProgressReport.objects.get(pk=made.json()["id"]).text == "改一"
