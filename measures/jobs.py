"""Celery jobs of the measures app. Each takes ids, reloads rows, returns quietly if they are
gone, and calls a service that acts once however often it runs."""

from celery import shared_task

from cycles.models import MonthlyReview
from measures.services import measures_propose


@shared_task(name="measures.jobs.propose_measures", time_limit=300, soft_time_limit=270)
def propose_measures(review_id: int) -> int:
    """The rules' proposals for a certified month (a unique constraint makes them once)."""
    review = MonthlyReview.objects.select_related("campaign").filter(pk=review_id).first()
    if review is None:
        return 0
    return measures_propose(review=review)


def queue_proposals(review_id: int) -> None:
    """Registered with ``cycles.hooks.after_certify``: hand the proposals over to a worker."""
    propose_measures.delay(review_id)
