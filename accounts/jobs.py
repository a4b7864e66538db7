from celery import shared_task

from accounts.services import heartbeat_beat


@shared_task(name="accounts.jobs.heartbeat", ignore_result=True, time_limit=30)
def heartbeat():
    """Beat sends this every minute; the worker running it proves both are alive (/healthz)."""
    heartbeat_beat(name="worker")


@shared_task(name="accounts.jobs.ping", time_limit=30)
def ping():
    heartbeat_beat(name="ping")
    return "pong"
