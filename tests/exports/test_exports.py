"""A list too large to write while the person waits: asked for, written by a job into the
file storage, downloaded by the person who asked and nobody else."""

from __future__ import annotations

import contextlib
import datetime
import io
from unittest import mock

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from exports.models import ListExport
from exports.services import list_exports_prune
from tasks.models import Task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rows(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _inline(client, campaign, task_list, settings, query: str = "") -> bytes:
    settings.EXPORT_INLINE_MAX_TASKS = 10_000
    url = reverse("campaigns:list_export", args=[campaign.slug, task_list.pk])
    response = client.get(f"{url}?{query}")
    settings.EXPORT_INLINE_MAX_TASKS = 3
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for an export; the job queued after the commit runs (with ``eager``, inline)."""

    def ask(client, campaign, task_list, query: str = "", run: bool = True):
        url = reverse("exports:ask", args=[campaign.slug, task_list.pk])
        with django_capture_on_commit_callbacks(execute=run):
            return client.post(f"{url}?{query}")

    return ask


def _download(client, export) -> bytes:
    response = client.get(reverse("exports:download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("query", ["", "status=in_progress&q=审批"])
def test_a_large_list_is_exported_by_a_job_with_the_same_rows_as_at_once(
    ask, client, campaign, coordinator, big, settings, eager, query
):
    client.force_login(coordinator)
    expected = _rows(_inline(client, campaign, big, settings, query))

    page = client.get(reverse("campaigns:list_export", args=[campaign.slug, big.pk]) + f"?{query}")
    assert page.status_code == 200 and "Content-Disposition" not in page
    assert reverse("exports:ask", args=[campaign.slug, big.pk]) in page.content.decode()
    if not query:  # the figure the page shows: every task of the list
        shown = Task.objects.filter(task_list=big).count()
        assert page.context["count"] == shown
        assert f"{shown:,}" in page.content.decode()
    assert not ListExport.objects.exists(), "opening the page asks for nothing"

    answer = ask(client, campaign, big, query)

    export = ListExport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "exports:export", args=[export.pk]
    )
    assert export.status == ListExport.Status.DONE
    assert QueryDict(export.query) == QueryDict(query)
    assert default_storage.exists(export.file.name)
    shown = client.get(answer["Location"]).content.decode()
    assert reverse("exports:download", args=[export.pk]) in shown
    assert _rows(_download(client, export)) == expected
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, actor=coordinator).exists()


def test_a_small_list_is_still_written_at_once(client, campaign, coordinator, big, settings):
    settings.EXPORT_INLINE_MAX_TASKS = 10_000
    client.force_login(coordinator)

    response = client.get(reverse("campaigns:list_export", args=[campaign.slug, big.pk]))

    assert response["Content-Disposition"].startswith("attachment")
    assert not ListExport.objects.exists()


def test_asking_again_soon_gets_the_export_already_written(
    ask, client, campaign, coordinator, big, eager
):
    client.force_login(coordinator)
    first = ask(client, campaign, big)
    with mock.patch("exports.services.list_export_build") as build:
        second = ask(client, campaign, big)
    assert first["Location"] == second["Location"]
    assert ListExport.objects.count() == 1 and not build.called
    assert ask(client, campaign, big, "light=red")["Location"] != first["Location"]
    assert ListExport.objects.count() == 2


def test_only_the_person_who_asked_sees_or_downloads_the_export(
    ask, client, campaign, coordinator, big, eager
):
    client.force_login(coordinator)
    export_url = ask(client, campaign, big)["Location"]
    export = ListExport.objects.get()
    other = UserFactory(username="coordinator2", roles=[Role.COORDINATOR])
    campaign.coordinators.add(other)
    leader = UserFactory(username="leader2", roles=[Role.LEADER])
    for person in (other, leader):
        client.force_login(person)
        assert client.get(export_url).status_code == 404
        assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404
    client.logout()
    assert client.get(export_url).status_code == 302
    export.refresh_from_db()
    assert export.status == ListExport.Status.DONE and default_storage.exists(export.file.name)


def test_a_list_hidden_since_is_no_longer_downloaded(
    ask, client, campaign, coordinator, big, eager
):
    client.force_login(coordinator)
    ask(client, campaign, big)
    export = ListExport.objects.get()
    campaign.coordinators.remove(coordinator)
    big.published_at = None
    big.save(update_fields=["published_at"])

    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404


def test_a_pending_export_polls_and_a_lost_one_says_ask_again(
    ask, client, campaign, coordinator, big
):
    client.force_login(coordinator)
    ask(client, campaign, big, run=False)  # no worker: the job never runs
    export = ListExport.objects.get()
    url = reverse("exports:export", args=[export.pk])
    assert export.status == ListExport.Status.PENDING
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 404

    ListExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page
    again = ask(client, campaign, big, run=False)
    assert again["Location"] != url, "a lost export is asked for anew"


def test_a_failed_export_says_so(ask, client, campaign, coordinator, big, eager):
    client.force_login(coordinator)
    with (
        mock.patch("campaigns.selectors.list_export", side_effect=RuntimeError("boom")),
        contextlib.suppress(RuntimeError),  # the worker logs it; the export says it failed
    ):
        ask(client, campaign, big)
    export = ListExport.objects.get()
    assert export.status == ListExport.Status.FAILED and not export.file
    page = client.get(reverse("exports:export", args=[export.pk])).content.decode()
    assert export.message in page


def test_old_exports_leave_the_storage(ask, client, campaign, coordinator, big, eager):
    client.force_login(coordinator)
    ask(client, campaign, big)
    export = ListExport.objects.get()
    name = export.file.name

    assert list_exports_prune(now=timezone.now(), keep_hours=24) == 0
    assert list_exports_prune(now=timezone.now() + datetime.timedelta(hours=25), keep_hours=24) == 1

    assert not ListExport.objects.exists()
    assert not default_storage.exists(name)


def test_beat_forgets_old_exports_every_hour_and_the_job_exists(settings):
    from config.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["list-exports-prune"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 3600.0
