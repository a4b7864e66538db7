"""Jobs of the exports: writing a large list's export, forgetting old ones."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from exports.services import (
    failure_message,
    list_export_build,
    list_export_failed,
    list_exports_prune,
)


# No retry: a failed export is marked failed and the person asks again.
@shared_task(
    name="exports.jobs.list_export_build",
    ignore_result=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def list_export_build_job(export_id: int) -> None:
    try:
        list_export_build(export_id=export_id)
    except Exception:
        list_export_failed(export_id=export_id, message=failure_message())
        raise


@shared_task(name="exports.jobs.list_exports_prune", ignore_result=True)
def list_exports_prune_job() -> None:
    """Beat sends this hourly: exports past EXPORTS_KEEP_HOURS go, files and rows."""
    list_exports_prune(now=timezone.now(), keep_hours=settings.EXPORTS_KEEP_HOURS)
