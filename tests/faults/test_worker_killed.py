"""Drill: kill -9 the Celery worker while a dispatch round and a bulk import run; restart it.

The worker (prefork, two processes: the import and the round's jobs run side by side) is
killed with SIGKILL, its whole process group, a moment after it took the import. Redis hands
the unacknowledged jobs to the restarted worker (visibility timeout 3 s here): the import is
in the database whole or not at all at every moment, and ends whole; every digest of the
round is sent once."""

import os
import signal
import time

import pytest

from benchmarks.generate import reform_workbook
from campaigns.models import ListImport
from campaigns.services.list_imports import list_import_confirm, list_import_create
from cycles.jobs import run_due_cycles
from cycles.models import Digest
from notifications.models import Notification
from tasks.models import Task
from tests.faults.conftest import round_due_now
from tests.workers import purge, wait_for

pytestmark = pytest.mark.services
ROWS = 1500


def _imported(list_import: ListImport) -> int:
    list_import.refresh_from_db()
    if list_import.task_list_id is None:
        return 0
    return Task.objects.filter(task_list_id=list_import.task_list_id).count()


def test_killed_worker_loses_no_digest_and_no_half_import(
    transactional_db, stack, settings, postgres
):
    from config.celery import app

    settings.IMPORT_BACKGROUND_ROWS = 5
    stack.env["IMPORT_BACKGROUND_ROWS"] = "5"
    campaign, coordinator = round_due_now()
    purge(app)
    first = stack.start_worker(concurrency=2)
    list_import = list_import_create(
        campaign=campaign, by=coordinator, filename="全区清单.xlsx", data=reform_workbook(ROWS)
    )
    wait_for(
        lambda: ListImport.objects.get(pk=list_import.pk).status == ListImport.Status.READY,
        timeout=60,
        what="the import checked",
        log=stack.folder / "worker0.log",
    )
    log = stack.folder / "worker0.log"
    taken = log.read_text().count("list_import_run")
    list_import_confirm(list_import=ListImport.objects.get(pk=list_import.pk), by=coordinator)
    run_due_cycles.delay()
    wait_for(lambda: log.read_text().count("list_import_run") > taken, what="import taken")
    time.sleep(1.0)
    os.killpg(first.pid, signal.SIGKILL)  # kill -9, the pool's processes too
    first.wait(timeout=10)

    assert _imported(list_import) in (0, ROWS)  # whole or nothing, even now
    stack.start_worker(concurrency=2)
    wait_for(
        lambda: ListImport.objects.get(pk=list_import.pk).status != ListImport.Status.IMPORTING
        and not Digest.objects.filter(sent_at__isnull=True).exists()
        and Digest.objects.exists(),
        timeout=90,
        what="the import finished and every digest sent",
        log=stack.folder / "worker1.log",
    )
    list_import.refresh_from_db()
    assert list_import.status == ListImport.Status.DRAFT
    assert _imported(list_import) == ROWS
    digests = Digest.objects.all()
    notices = Notification.objects.filter(kind=Notification.Kind.DIGEST)
    assert digests.count() == notices.count() == 5
    assert notices.values("recipient").distinct().count() == 5
