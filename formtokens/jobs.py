"""Background jobs of the formtokens app."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from formtokens.services import form_tokens_prune as prune


# No retry: beat sends it every night, and each run removes whatever is old by then.
@shared_task(
    name="formtokens.jobs.form_tokens_prune",
    ignore_result=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def form_tokens_prune() -> None:
    """Beat sends this nightly: forget form sendings older than FORM_TOKENS_KEEP_HOURS."""
    prune(now=timezone.now(), keep=datetime.timedelta(hours=settings.FORM_TOKENS_KEEP_HOURS))
