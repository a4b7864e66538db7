from celery import shared_task

from accounts.services import heartbeat_beat


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
