"""A large list's export written by a real Celery worker on the test database and Redis, as
in production: the request only asks, the worker writes the file, the page then offers it."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from campaigns.exporting import PROGRESS_HEADERS
from exports.models import ListExport
from tasks.models import Task
from tests.conftest import require
from tests.factories import UserFactory
from tests.workers import purge, running_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

STATUS_HEADER = PROGRESS_HEADERS[0]  # every task's row has a status; title and category rows not


def _task_rows(data: bytes) -> int:
    """The rows of tasks in the workbook, counted plainly: on every sheet, the rows below the
    header row whose status cell is filled."""
    count = 0
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        column = None
        for row in sheet.iter_rows(values_only=True):
            if column is None:
                column = row.index(STATUS_HEADER) if STATUS_HEADER in row else None
            elif len(row) > column and row[column] not in (None, ""):
                count += 1
    return count


@pytest.fixture
def postgres() -> None:
    """The worker shares the test database: PostgreSQL (checked before the list is imported)."""
    require(
        "PostgreSQL (DATABASE_URL)",
        connection.vendor == "postgresql",
        "set DATABASE_URL=postgres://... so a worker can share the test database (CI does)",
    )


def test_a_real_worker_writes_a_large_export_that_only_its_asker_downloads(
    postgres, redis_url, client, campaign, coordinator, big, settings, tmp_path
):
    from config.celery import app

    tasks = Task.objects.filter(task_list=big).count()
    settings.EXPORT_INLINE_MAX_TASKS = tasks // 2  # the worker's is set the same, below
    purge(app)  # no message of an earlier test is waiting for the worker
    client.force_login(coordinator)

    # No worker yet: the request only asks, and returns with the export pending.
    page = client.get(reverse("campaigns:list_export", args=[campaign.slug, big.pk]))
    assert page.status_code == 200 and "Content-Disposition" not in page
    assert page.context["count"] == tasks
    answer = client.post(reverse("exports:ask", args=[campaign.slug, big.pk]))
    export = ListExport.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("exports:export", args=[export.pk])
    assert export.status == ListExport.Status.PENDING
    download = reverse("exports:download", args=[export.pk])
    assert download not in client.get(answer["Location"]).content.decode()
    assert client.get(download).status_code == 404

    log = tmp_path / "worker.log"
    with running_worker(
        redis_url,
        log,
        "export",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),  # the file lands where this test reads it
        EXPORT_INLINE_MAX_TASKS=str(settings.EXPORT_INLINE_MAX_TASKS),
    ):
        wait_for(
            lambda: ListExport.objects.get(pk=export.pk).status != ListExport.Status.PENDING,
            timeout=25,
            what="the worker to write the export",
            log=log,
        )

    export.refresh_from_db()
    assert export.status == ListExport.Status.DONE, export.message
    assert download in client.get(answer["Location"]).content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert _task_rows(b"".join(response.streaming_content)) == tasks

    other = UserFactory(username="coordinator2", roles=[Role.COORDINATOR])
    campaign.coordinators.add(other)
    client.force_login(other)
    assert client.get(answer["Location"]).status_code == 404
    assert client.get(download).status_code == 404
