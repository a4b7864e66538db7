"""The import jobs, eagerly and with a real worker on the real broker."""

import time

import pytest

from campaigns.jobs import list_import_check_job, list_import_run_job
from campaigns.models import ListImport
from campaigns.services.list_imports import list_import_confirm, list_import_create
from tasks.models import Task, TaskEvent
from tests.campaigns.conftest import sample
from tests.workers import database_url, running_worker


@pytest.mark.django_db
def test_the_jobs_check_then_import_exactly_once_eagerly(campaign, coordinator, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="p.xlsx", data=sample("policies.xlsx")
    )
    assert list_import.status == ListImport.Status.CHECKING

    list_import_check_job.apply(args=[list_import.pk])
    list_import_check_job.apply(args=[list_import.pk])  # late duplicate: nothing to do
    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.READY
    assert list_import.summary["created"] == 120

    list_import_confirm(list_import=list_import, by=coordinator)
    list_import_run_job.apply(args=[list_import.pk, coordinator.pk])
    list_import_run_job.apply(args=[list_import.pk, coordinator.pk])  # delivered twice

    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.DRAFT
    assert Task.objects.count() == 120
    assert TaskEvent.objects.count() == 120


@pytest.mark.django_db
def test_jobs_for_an_import_that_is_gone_return_quietly(db):
    list_import_check_job.apply(args=[987654])
    list_import_run_job.apply(args=[987654, None])


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_imports_a_large_file(
    redis_url, campaign, coordinator, settings, tmp_path
):
    database_url()  # skips on SQLite: the worker needs a database it can share
    settings.IMPORT_BACKGROUND_ROWS = 5
    with running_worker(redis_url, tmp_path / "worker.log", "import", IMPORT_BACKGROUND_ROWS="5"):
        list_import = list_import_create(
            campaign=campaign, by=coordinator, filename="r.xlsx", data=sample("reform-tasks.xlsx")
        )
        _wait_for(list_import, ListImport.Status.READY)
        list_import_confirm(list_import=list_import, by=coordinator)
        _wait_for(list_import, ListImport.Status.DRAFT)
        assert Task.objects.filter(task_list__campaign=campaign).count() == 294


def _wait_for(list_import: ListImport, status: str, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        list_import.refresh_from_db()
        if list_import.status == status:
            return
        assert list_import.status not in (ListImport.Status.FAILED, ListImport.Status.REFUSED), (
            list_import.message
        )
        time.sleep(0.3)
    raise AssertionError(f"still {list_import.status} ({list_import.stage})")
