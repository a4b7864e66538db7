from celery import shared_task
from django.utils import timezone

from accounts.services import heartbeat_beat
from accounts.services_logins import login_records_prune


# No retry: beat sends the next heartbeat within a minute; a missed one only ages /healthz.
@shared_task(name="accounts.jobs.heartbeat", ignore_result=True, time_limit=30)
def heartbeat():
    """Beat sends this every minute; the worker running it proves both are alive (/healthz)."""
    heartbeat_beat(name="worker")


# No retry: a probe that the caller waits for; retrying would hide the failure it looks for.
@shared_task(name="accounts.jobs.ping", time_limit=30)
def ping():
    heartbeat_beat(name="ping")
    return "pong"


# No retry: beat sends it again the next night.
@shared_task(name="accounts.jobs.login_records_prune", ignore_result=True, time_limit=300)
def login_records_prune_job():
    login_records_prune(now=timezone.now())
