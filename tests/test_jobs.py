import pytest

from accounts.jobs import heartbeat, ping
from accounts.models import Heartbeat
from tests.workers import purge, running_worker, wait_for


@pytest.mark.django_db
def test_heartbeat_job_records_the_worker_eagerly():
    heartbeat.apply()
    heartbeat.apply()

    beat = Heartbeat.objects.get(name="worker")
    assert beat.count == 2


def test_beat_schedules_the_heartbeat():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["heartbeat"]["task"] == heartbeat.name


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_a_job(redis_url, tmp_path):
    """Start `celery worker` against the test database and Redis; send a job; see its effect."""
    from config.celery import app

    log = tmp_path / "worker.log"
    purge(app)
    with running_worker(redis_url, log):
        assert ping.delay().get(timeout=60) == "pong"
        wait_for(lambda: Heartbeat.objects.filter(name="ping").exists(), what="ping", log=log)
    assert Heartbeat.objects.get(name="ping").count == 1
