"""Housekeeping: 一表填报 uploads never confirmed are forgotten after REPORT_UPLOADS_KEEP_DAYS;
confirmed ones stay (their hash stops the same file being written twice)."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from reporting.jobs import report_uploads_prune as prune_job
from reporting.models import ReportUpload
from reporting.services import report_uploads_prune

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def upload(world, *, age_days: float, confirmed: bool = False, sha: str = "a") -> ReportUpload:
    row = ReportUpload.objects.create(
        unit=world.lead,
        uploaded_by=world.lead_staff,
        filename="本周应报送.xlsx",
        sha256=sha * 64,
        status=ReportUpload.Status.CONFIRMED if confirmed else ReportUpload.Status.CHECKED,
        rows=[{"row": 2, "action": "create", "text": "本周进展"}],
    )
    ReportUpload.objects.filter(pk=row.pk).update(uploaded_at=timezone.now() - age_days * DAY)
    return row


def test_unconfirmed_uploads_past_the_keep_period_go_and_the_rest_stay(world):
    keep = settings.REPORT_UPLOADS_KEEP_DAYS
    old = upload(world, age_days=keep + 1, sha="a")
    young = upload(world, age_days=keep - 1, sha="b")
    confirmed = upload(world, age_days=keep + 30, confirmed=True, sha="c")

    assert report_uploads_prune(now=timezone.now(), keep_days=keep) == 1
    assert set(ReportUpload.objects.values_list("pk", flat=True)) == {young.pk, confirmed.pk}
    assert not ReportUpload.objects.filter(pk=old.pk).exists()
    # Twice is harmless.
    assert report_uploads_prune(now=timezone.now(), keep_days=keep) == 0


def test_beat_runs_the_prune_at_night_with_the_documented_age(world):
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["report-uploads-prune"]
    assert entry["task"] in app.tasks and entry["schedule"].hour == {3}
    assert settings.REPORT_UPLOADS_KEEP_DAYS == 14  # as the README's Housekeeping says
    upload(world, age_days=15)

    prune_job.apply()

    assert not ReportUpload.objects.exists()


def test_the_preview_of_a_pruned_upload_is_gone(world, client):
    gone = upload(world, age_days=30)
    client.force_login(world.lead_staff)
    assert client.get(reverse("reporting:upload_detail", args=[gone.pk])).status_code == 200
    report_uploads_prune(now=timezone.now(), keep_days=14)

    assert client.get(reverse("reporting:upload_detail", args=[gone.pk])).status_code == 404
