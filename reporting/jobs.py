"""Background jobs of 一表填报: the nightly prune of uploads never confirmed."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from reporting.services import report_uploads_prune as prune


# No retry: beat sends it every night, and each run removes whatever is old by then.
@shared_task(
    name="reporting.jobs.report_uploads_prune",
    ignore_result=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def report_uploads_prune() -> None:
    """Beat sends this nightly: forget uploads left unconfirmed for REPORT_UPLOADS_KEEP_DAYS."""
    prune(now=timezone.now(), keep_days=settings.REPORT_UPLOADS_KEEP_DAYS)
