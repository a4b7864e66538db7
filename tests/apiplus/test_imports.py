"""List imports through the API: upload → preview with its errors → confirm, as a draft."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import ListImport, TaskList
from tasks.models import Task
from tests.campaigns.conftest import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, world, rows, name="新清单.xlsx"):
    return client.post(
        reverse("apiplus:imports", args=[world.campaign.slug]),
        {"file": SimpleUploadedFile(name, xlsx(rows), content_type=XLSX), "list_name": "新清单"},
        format="multipart",
    )


def _written():
    return (Task.objects.count(), TaskList.objects.count())


@pytest.mark.django_db
def test_an_upload_is_previewed_then_confirmed_as_a_draft(api, world):
    client = api(world.coordinator)
    response = upload(
        client, world, [["序号", "工作任务", "牵头单位"], [1, "推行容缺受理", world.lead.name]]
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == ListImport.Status.READY and body["summary"]["tasks"] == 1
    url = reverse("apiplus:import", args=[world.campaign.slug, body["id"]])
    assert client.get(url).json()["issues"] == body["issues"]
    status = client.get(
        reverse("apiplus:import_status", args=[world.campaign.slug, body["id"]])
    ).json()
    assert status["running"] is False and status["status"] == "ready"

    confirmed = client.post(
        reverse("apiplus:import_confirm", args=[world.campaign.slug, body["id"]])
    )

    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == ListImport.Status.DRAFT
    task_list = TaskList.objects.get(name="新清单")
    assert task_list.published_at is None  # a draft: nobody else sees it yet
    assert Task.objects.filter(task_list=task_list).count() == 1


@pytest.mark.django_db
def test_the_preview_names_errors_by_row_and_column_and_confirming_writes_nothing(api, world):
    client = api(world.coordinator)
    body = upload(
        client, world, [["序号", "工作任务", "牵头单位"], [1, "", world.lead.name]]
    ).json()
    errors = [issue for issue in body["issues"] if issue["level"] == "error"]
    assert errors and errors[0]["row"] == 2
    rows = client.get(
        reverse("apiplus:import_rows", args=[world.campaign.slug, body["id"]]),
        {"show": "problems"},
    ).json()
    assert rows["count"] == 1 and rows["results"][0]["row"] == 2
    assert rows["results"][0]["issues"][0]["level"] == "error"
    before = _written()

    refused = client.post(reverse("apiplus:import_confirm", args=[world.campaign.slug, body["id"]]))

    assert refused.status_code == 400
    assert _written() == before


@pytest.mark.django_db
def test_imports_are_for_the_campaigns_coordinators(api, world):
    rows = [["序号", "工作任务", "牵头单位"], [1, "推行容缺受理", world.lead.name]]
    mine = upload(api(world.coordinator), world, rows).json()
    before = (_written(), ListImport.objects.count())
    for outsider in (world.other_coordinator, world.lead_staff, world.leader, world.auditor):
        client = api(outsider)
        assert upload(client, world, rows).status_code == 404
        for name in ("apiplus:import", "apiplus:import_status", "apiplus:import_rows"):
            assert (
                client.get(reverse(name, args=[world.campaign.slug, mine["id"]])).status_code == 404
            )
        confirm = reverse("apiplus:import_confirm", args=[world.campaign.slug, mine["id"]])
        assert client.post(confirm).status_code == 404
    assert (_written(), ListImport.objects.count()) == before


@pytest.mark.django_db
def test_an_upload_without_a_file_is_refused(api, world):
    response = api(world.coordinator).post(
        reverse("apiplus:imports", args=[world.campaign.slug]), {}, format="multipart"
    )
    assert response.status_code == 400
    assert not ListImport.objects.exists()
