"""Background jobs of the tasks app."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tasks.services import acknowledgements_remind as remind
from tasks.services import evidence_orphans_remove as remove


# No retry: beat sends it every night, and each run removes whatever is still orphaned.
@shared_task(
    name="tasks.jobs.evidence_orphans_remove",
    ignore_result=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def evidence_orphans_remove() -> None:
    """Beat sends this nightly: delete evidence files that no row names (reports, requests,
    and the folders other apps registered, such as inspection answers)."""
    remove(
        now=timezone.now(),
        grace=datetime.timedelta(hours=settings.ORPHAN_FILES_GRACE_HOURS),
    )


# No retry: beat sends it again within minutes, and each run reminds only of what is still due.
@shared_task(
    name="tasks.jobs.acknowledgements_remind",
    ignore_result=True,
    time_limit=300,
    soft_time_limit=270,
)
def acknowledgements_remind() -> int:
    """Beat sends this every few minutes: remind each unit, once per handover, of the tasks it
    has left unacknowledged (签收) longer than its campaign allows."""
    return remind(now=timezone.now())
