"""Nightly housekeeping: finished deliveries, abandoned uploads and orphaned evidence files."""

import datetime
import os

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ListImport
from campaigns.services.list_imports import (
    list_import_check,
    list_import_create,
    list_imports_prune,
)
from config.celery import app
from inspections.models import Answer, AnswerFile
from inspections.services import answer_submit, round_open
from notifications.models import Channel, Delivery, Notification
from notifications.services import deliveries_prune, notify
from tasks.models import Evidence
from tasks.services import evidence_folder_register, evidence_orphans_remove, report_submit
from tests.campaigns.conftest import xlsx
from tests.inspections.conftest import with_checklist
from tests.tasks import files

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_beat_runs_each_housekeeping_job_at_night_and_each_job_exists():
    app.loader.import_default_modules()
    for key in ("deliveries-prune", "list-imports-prune", "evidence-orphans-remove"):
        entry = settings.CELERY_BEAT_SCHEDULE[key]
        assert entry["task"] in app.tasks
        assert entry["schedule"].hour == {3}


# --- Deliveries ----------------------------------------------------------------------------


def _delivery(notice, target, status, created_at):
    return Delivery.objects.create(
        notification=notice,
        channel=Channel.EMAIL,
        target=target,
        status=status,
        created_at=created_at,
    )


def test_finished_deliveries_older_than_the_keep_period_go_and_the_notice_stays(world):
    now = timezone.now()
    notice = notify(
        recipients=[world.lead_staff], kind=Notification.Kind.INSTRUCTION, title="督办", url=""
    )[0]
    Delivery.objects.all().delete()
    old = now - 91 * DAY
    _delivery(notice, "sent@x.cn", Delivery.Status.SENT, old)
    _delivery(notice, "failed@x.cn", Delivery.Status.FAILED, old)
    pending = _delivery(notice, "pending@x.cn", Delivery.Status.PENDING, old)
    recent = _delivery(notice, "recent@x.cn", Delivery.Status.SENT, now - 89 * DAY)

    assert deliveries_prune(now=now, keep_days=90) == 2

    assert set(Delivery.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}
    assert Notification.objects.filter(pk=notice.pk).exists()
    assert deliveries_prune(now=now, keep_days=90) == 0


# --- Abandoned uploads ----------------------------------------------------------------------


def _upload(world, status, created_at):
    row = ListImport.objects.create(
        campaign=world.campaign,
        created_by=world.coordinator,
        source_name="清单.xlsx",
        source_kind=ListImport.SourceKind.XLSX,
        source_size=3,
        source_sha256="0" * 64,
        source=b"abc",
        status=status,
        preview={"rows": [1]},
    )
    ListImport.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


def test_uploads_left_unconfirmed_are_discarded_and_imported_ones_keep_their_file(world, client):
    now = timezone.now()
    old = now - 31 * DAY
    abandoned = [
        _upload(world, status, old)
        for status in (
            ListImport.Status.READY,
            ListImport.Status.REFUSED,
            ListImport.Status.FAILED,
            ListImport.Status.CHECKING,
        )
    ]
    imported = _upload(world, ListImport.Status.DONE, old)
    running = _upload(world, ListImport.Status.IMPORTING, old)
    fresh = _upload(world, ListImport.Status.READY, now - 29 * DAY)

    assert list_imports_prune(now=now, keep_days=30) == 4

    for row in abandoned:
        row.refresh_from_db()
        assert row.status == ListImport.Status.DISCARDED
        assert bytes(row.source) == b""
        assert row.preview == {}
        assert "30" in row.message
    for row, status in (
        (imported, ListImport.Status.DONE),
        (running, ListImport.Status.IMPORTING),
        (fresh, ListImport.Status.READY),
    ):
        row.refresh_from_db()
        assert row.status == status
        assert bytes(row.source) == b"abc"
    assert list_imports_prune(now=now, keep_days=30) == 0

    client.force_login(world.coordinator)
    page = client.get(
        reverse("campaigns:import_detail", args=[world.campaign.slug, abandoned[0].pk])
    )
    assert page.status_code == 200
    assert "上传后 30 天未确认导入，已自动清除。" in page.content.decode()


# --- Orphaned evidence files ------------------------------------------------------------------


def _stored_files() -> set[str]:
    root = settings.MEDIA_ROOT
    return {
        os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
        for folder, _dirs, names in os.walk(root)
        for name in names
    }


def test_files_of_a_submission_that_failed_are_removed_once_past_the_grace_period(
    world, monkeypatch
):
    kept = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="已完成培训",
        percent=30,
        files=[files.pdf()],
        expected_version=world.task.version,
    )
    kept_name = kept.evidence.get().file.name
    world.task.refresh_from_db()

    # A step after the files were stored fails: the rows roll back, the file stays on disk.
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("tasks.services.reports.event_record", broken)
    with pytest.raises(RuntimeError):
        report_submit(
            task=world.task,
            by=world.lead_staff,
            text="第二次",
            percent=50,
            files=[files.png()],
            expected_version=world.task.version,
        )
    monkeypatch.undo()
    orphans = _stored_files() - {kept_name}
    assert len(orphans) == 1
    assert Evidence.objects.count() == 1

    now = timezone.now()
    grace = datetime.timedelta(hours=24)
    # Within the grace period (its row might still be on its way) the file stays.
    assert evidence_orphans_remove(now=now, grace=grace) == 0
    assert _stored_files() == {kept_name} | orphans

    assert evidence_orphans_remove(now=now + 25 * datetime.timedelta(hours=1), grace=grace) == 1
    assert _stored_files() == {kept_name}
    assert kept.evidence.get().file.read().startswith(b"%PDF")


def test_orphan_sweep_looks_up_names_in_batches_not_per_file(world, django_assert_max_num_queries):
    later = timezone.now() + 2 * DAY
    for _ in range(3):
        report_submit(
            task=world.task,
            by=world.lead_staff,
            text="进展",
            percent=10,
            files=[files.pdf(), files.png()],
            expected_version=world.task.version,
        )
        world.task.refresh_from_db()
    assert len(_stored_files()) == 6

    with django_assert_max_num_queries(3):
        assert evidence_orphans_remove(now=later, grace=DAY, batch_size=4) == 0
    assert len(_stored_files()) == 6


def test_the_sweep_removes_orphaned_answer_files_and_keeps_those_an_answer_names(
    world, monkeypatch
):
    w = with_checklist(world)
    round_ = round_open(
        checklist=w.checklist,
        by=w.coordinator,
        title="第一轮督查",
        due_date=timezone.localdate() + 14 * DAY,
    )
    mine = Answer.objects.get(round=round_, question=w.q1, unit=w.lead)
    answer_submit(answer=mine, by=w.lead_staff, value="yes", files=[files.pdf()])
    kept_name = AnswerFile.objects.get().file.name
    assert kept_name.startswith("inspections/")

    # The second answer stores its file, then fails: the row rolls back, the file stays.
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    other = Answer.objects.get(round=round_, question=w.q2, unit=w.lead)
    monkeypatch.setattr("inspections.services._event", broken)
    with pytest.raises(RuntimeError):
        answer_submit(answer=other, by=w.lead_staff, value="no", files=[files.png()])
    monkeypatch.undo()
    orphans = {name for name in _stored_files() if name.startswith("inspections/")} - {kept_name}
    assert len(orphans) == 1
    assert AnswerFile.objects.count() == 1

    now = timezone.now()
    assert evidence_orphans_remove(now=now, grace=DAY) == 0
    assert evidence_orphans_remove(now=now + 2 * DAY, grace=DAY) == 1
    assert _stored_files() == {kept_name}
    assert AnswerFile.objects.get().file.read().startswith(b"%PDF")


def test_evidence_folders_of_two_apps_may_not_overlap():
    from tasks.services.evidence import evidence_folders

    folders = {folder.folder: folder.model for folder in evidence_folders()}
    assert folders == {"evidence": Evidence, "inspections": AnswerFile}
    for clash in ("evidence/answers", "inspections", ""):
        with pytest.raises(ValueError):
            evidence_folder_register(folder=clash, model=Evidence, field="original_name")
    evidence_folder_register(folder="inspections", model=AnswerFile)  # again: no change
    assert len(evidence_folders()) == 2


def test_orphan_sweep_with_no_evidence_folder_does_nothing(db):
    assert evidence_orphans_remove(now=timezone.now(), grace=DAY) == 0


def test_a_check_still_running_when_its_upload_is_discarded_does_not_bring_it_back(world):
    data = xlsx(
        [["序号", "工作任务", "牵头单位", "完成时限"], [1, "推行容缺受理", "区财政局", "6月底前"]]
    )
    upload = list_import_create(
        campaign=world.campaign, by=world.coordinator, filename="清单.xlsx", data=data
    )
    assert upload.status == ListImport.Status.READY
    # A background re-check has loaded the upload; meanwhile housekeeping discards it.
    running = ListImport.objects.get(pk=upload.pk)
    ListImport.objects.filter(pk=upload.pk).update(created_at=timezone.now() - 31 * DAY)
    assert list_imports_prune(now=timezone.now(), keep_days=30) == 1

    list_import_check(list_import=running)

    upload.refresh_from_db()
    assert upload.status == ListImport.Status.DISCARDED
    assert (bytes(upload.source), upload.preview) == (b"", {})
