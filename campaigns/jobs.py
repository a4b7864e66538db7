"""Background jobs of the campaigns app: checking, importing and publishing large lists.

Each job takes ids (JSON only), reloads its rows, returns quietly when they are gone and calls
a service. Running one twice is harmless: the services lock the ListImport and act only on the
state they expect (a confirmed import is written once).
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import ListImport
from campaigns.services.drafts import list_import_publish_failed, list_import_publish_run
from campaigns.services.list_imports import (
    list_import_check,
    list_import_failed,
    list_import_run,
    list_imports_prune,
)

TIME_LIMIT = settings.CELERY_TASK_TIME_LIMIT
SOFT_TIME_LIMIT = settings.CELERY_TASK_SOFT_TIME_LIMIT


# No retry: a failed check or import is marked failed on its ListImport (nothing written), and
# the coordinator sees why and uploads or confirms again; the prune runs again the next night.
@shared_task(
    name="campaigns.jobs.list_import_check",
    ignore_result=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
)
def list_import_check_job(list_import_id: int) -> None:
    """Check an uploaded list and store its preview."""
    list_import = (
        ListImport.objects.select_related("campaign", "task_list").filter(pk=list_import_id).first()
    )
    if list_import is None or list_import.status != ListImport.Status.CHECKING:
        return
    try:
        list_import_check(list_import=list_import)
    except SoftTimeLimitExceeded:
        list_import_failed(
            list_import_id=list_import_id,
            message=_("Checking the file took too long and was stopped. Split the list and retry."),
        )
    except Exception:
        list_import_failed(
            list_import_id=list_import_id,
            message=_("Checking the file failed unexpectedly; nothing was imported."),
        )
        raise


@shared_task(
    name="campaigns.jobs.list_import_run",
    ignore_result=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
)
def list_import_run_job(list_import_id: int, user_id: int | None) -> None:
    """Write a confirmed import (exactly once)."""
    try:
        list_import_run(list_import_id=list_import_id, by_id=user_id)
    except SoftTimeLimitExceeded:
        list_import_failed(
            list_import_id=list_import_id,
            message=_("The import took too long and was stopped; nothing was imported."),
        )
    except Exception:
        list_import_failed(
            list_import_id=list_import_id,
            message=_("The import failed unexpectedly; nothing was imported."),
        )
        raise


@shared_task(
    name="campaigns.jobs.list_import_publish",
    ignore_result=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
)
def list_import_publish_job(list_import_id: int, user_id: int | None) -> None:
    """Apply a staged revision to its live list (exactly once); if it fails, the draft stays
    a draft, saying why, and nothing is written."""
    try:
        list_import_publish_run(list_import_id=list_import_id, by_id=user_id)
    except SoftTimeLimitExceeded:
        list_import_publish_failed(
            list_import_id=list_import_id,
            message=_("Publishing took too long and was stopped; nothing was published."),
        )
    except Exception:
        list_import_publish_failed(
            list_import_id=list_import_id,
            message=_("Publishing failed unexpectedly; nothing was published."),
        )
        raise


@shared_task(
    name="campaigns.jobs.list_imports_prune",
    ignore_result=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
)
def list_imports_prune_job() -> None:
    """Beat sends this nightly: discard uploads nobody confirmed (settings.IMPORTS_KEEP_DAYS)."""
    list_imports_prune(now=timezone.now(), keep_days=settings.IMPORTS_KEEP_DAYS)
