from celery import shared_task

from audit.services import audit_prune


# No retry: beat sends it again the next night; nothing is lost by waiting a day.
@shared_task(name="audit.jobs.audit_prune", ignore_result=True, time_limit=600)
def prune():
    """Remove audit rows past the retention; the removal is itself an audit row."""
    audit_prune()
