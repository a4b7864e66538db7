"""Uploaded files through the storage: the object store of several web nodes (against moto's
S3 server on loopback), and a storage that is full or refuses writes."""

import datetime
import errno
import os
import uuid
from pathlib import Path

import environ
import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse
from django.utils import timezone

from config import scaleout
from tasks.models import Evidence, ProgressReport
from tests.conftest import require
from tests.tasks import files

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3-compatible server on a free loopback port, for this module's tests."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        ThreadedMotoServer = None
    require(
        "moto's S3 server",
        ThreadedMotoServer is not None,
        "pip install 'moto[server]' (pyproject's dev extra)",
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_environment(monkeypatch, endpoint: str, bucket: str) -> None:
    for name, value in {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": "qingdan-test",
        "S3_SECRET_ACCESS_KEY": "qingdan-test-secret",
        "S3_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and the media storage pointed at it the way settings.py does it."""
    import boto3

    name = f"qingdan-{uuid.uuid4().hex[:12]}"
    s3_environment(monkeypatch, s3_endpoint, name)
    settings.STORAGES = {**settings.STORAGES, "default": scaleout.media_storage(environ.Env())}
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="qingdan-test",
        aws_secret_access_key="qingdan-test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    return client, name


def objects_in(client, name: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]


def files_under(folder: Path) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()] if Path(folder).exists() else []


def test_evidence_goes_to_the_object_store_and_downloads_after_the_permission_check(
    client, world, bucket, settings
):
    s3, name = bucket
    world.task.refresh_from_db()
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]),
        {
            "text": "完成系统联调",
            "percent": 55,
            "files": [files.pdf(size=5000)],
            "version": world.task.version,
        },
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert objects_in(s3, name) == [evidence.file.name]
    assert files_under(settings.MEDIA_ROOT) == []  # nothing on this node's disk
    url = reverse("tasks:evidence", args=[evidence.pk])
    client.force_login(world.support_staff)
    download = client.get(url)
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == 5000
    client.force_login(world.other_staff)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page, never to the bucket


def test_signed_urls_of_the_object_store_are_short_lived(bucket):
    s3, name = bucket
    stored = default_storage.save("evidence/probe", files.pdf())

    url = default_storage.url(stored)

    assert "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url


def test_an_object_store_that_refuses_writes_refuses_the_report_and_keeps_nothing(
    client, world, bucket
):
    s3, name = bucket
    s3.delete_bucket(Bucket=name)  # every write now fails with NoSuchBucket
    world.task.refresh_from_db()
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]),
        {
            "text": "完成系统联调",
            "percent": 55,
            "files": [files.pdf()],
            "version": world.task.version,
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "佐证材料.pdf" in html and "拒绝写入" in html
    assert ProgressReport.objects.count() == 0
    assert Evidence.objects.count() == 0


def test_the_nightly_sweep_removes_orphans_from_the_object_store_and_keeps_named_files(
    world, bucket
):
    s3, name = bucket
    from tasks.services import report_submit
    from tasks.services.evidence import evidence_orphans_remove

    report = report_submit(
        task=world.task, by=world.lead_staff, text="x", percent=10, files=[files.pdf()]
    )
    kept = report.evidence.get().file.name
    orphan = default_storage.save("evidence/2026/01/left-behind", files.png())

    removed = evidence_orphans_remove(
        now=timezone.now() + datetime.timedelta(days=2), grace=datetime.timedelta(hours=24)
    )

    assert removed == 1
    assert objects_in(s3, name) == [kept]
    assert orphan != kept


class FullDisk(FileSystemStorage):
    """A local folder with room for ``room`` files: the next one is written in part, then the
    disk is full (ENOSPC), as a real full disk would leave it."""

    room = 1

    def _save(self, name, content):
        if len(files_under(self.location)) >= self.room:
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.read(10))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return super()._save(name, content)


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDisk"},
    }
    return Path(settings.MEDIA_ROOT)


def test_a_full_media_disk_refuses_the_report_in_chinese_and_leaves_no_file(
    client, world, full_disk
):
    world.task.refresh_from_db()
    client.force_login(world.lead_staff)

    response = client.post(
        reverse("tasks:report_submit", args=[world.task.pk]),
        {
            "text": "完成系统联调",
            "percent": 55,
            "files": [files.pdf(), files.png()],  # the first fits, the second fills the disk
            "version": world.task.version,
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "附件“现场照片.png”未能保存" in html and "存储空间已满" in html
    assert "完成系统联调" in html  # what was typed is kept on the page
    assert ProgressReport.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert files_under(full_disk) == []  # neither the stored nor the partly written file
    version = world.task.version
    world.task.refresh_from_db()
    assert world.task.version == version  # the task was not touched either


def test_once_the_disk_has_room_the_same_report_goes_through(client, world, full_disk):
    FullDisk.room = 10
    try:
        world.task.refresh_from_db()
        client.force_login(world.lead_staff)

        response = client.post(
            reverse("tasks:report_submit", args=[world.task.pk]),
            {
                "text": "完成系统联调",
                "percent": 55,
                "files": [files.pdf(), files.png()],
                "version": world.task.version,
            },
        )
    finally:
        FullDisk.room = 1

    assert response.status_code == 302
    assert Evidence.objects.count() == 2
    assert len(files_under(full_disk)) == 2
