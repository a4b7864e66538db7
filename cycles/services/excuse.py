"""容错免责 in the figures: one task's rating of a month leaves its unit's score and rank."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from cycles import permissions
from cycles.models import MonthlyReview, ReviewItem, UnitMonth
from cycles.services._bulk import BATCH
from cycles.services.ranking import unit_figures
from tasks.models import TaskEvent


@transaction.atomic
def review_item_excuse(*, item: ReviewItem, by: User, reason: str) -> ReviewItem:
    """Leave ``item``'s rating out of its unit's figures (fault tolerance, 容错免责).

    The rating itself stays as certified; the reason goes into the task's history. A certified
    month's stored figures (tasks, ratings, reports, each term, score, and every unit's rank
    and board) are computed again by ``unit_figures``, from the inputs and with the formula
    the month was certified with, skipping excused lines. Excusing twice changes nothing."""
    review = MonthlyReview.objects.select_for_update(of=("self",)).get(pk=item.review_id)
    if not permissions.can_rate(by, review):
        raise PermissionDenied
    item = ReviewItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    reason = reason.strip()
    if not reason:
        raise RuleViolation(_("Say why the rating is excused."), field="reason")
    if item.excused_at is not None:
        return item
    item.excused_at, item.excused_by, item.excuse_reason = timezone.now(), by, reason[:500]
    item.save(update_fields=["excused_at", "excused_by", "excuse_reason"])
    TaskEvent.objects.create(
        task_id=item.task_id,
        actor=by,
        kind=TaskEvent.Kind.EXCUSED,
        before={"month": review.month.isoformat(), "rating": item.rating or None},
        after={"month": review.month.isoformat(), "excused": True},
        note=reason,
    )
    if review.status == MonthlyReview.Status.CERTIFIED:
        figures_recompute(review=review)
    MonthlyReview.objects.filter(pk=review.pk).update(version=F("version") + 1)
    return item


def figures_recompute(*, review: MonthlyReview) -> list[UnitMonth]:
    """Store a certified review's unit figures afresh (after a line was excused), from the
    inputs and with the formula stored when it was certified."""
    fresh = unit_figures(review=review)
    UnitMonth.objects.filter(review=review).delete()
    UnitMonth.objects.bulk_create(fresh, batch_size=BATCH)
    return fresh
