"""The monthly sign-off: open the review of a month (a proposed rating for every task, judged as
it stood at the month's end), rate, confirm every proposal, certify and lock the month."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from campaigns.models import Campaign
from config.errors import RuleViolation
from cycles import hooks, permissions, schedule
from cycles.models import MonthlyReview, Rating, ReviewItem, UnitMonth
from cycles.selectors import reports_to_lock, targets_at, tasks_at_month_end
from cycles.services._bulk import BATCH
from cycles.services.ranking import formula_freeze, unit_figures
from notifications.models import Notification
from notifications.services import notify
from tasks.lights import Light, task_light
from tasks.models import ProgressReport, Task, TaskEvent
from tasks.selectors import TaskAsAt
from webhooks.events import REVIEW_CERTIFIED, webhook_emit

log = logging.getLogger(__name__)


def review_open_due(*, campaign: Campaign, now: datetime.datetime) -> MonthlyReview | None:
    """From the first day of a month, the review of the month before (if the campaign ran)."""
    today = schedule.local_date(now, campaign.schedule_timezone)
    month = schedule.previous_month(today)
    if campaign.start_date > (schedule.month_start(today) - datetime.timedelta(days=1)):
        return None
    return review_open(campaign=campaign, month=month, now=now)


def propose_rating(
    *, state: TaskAsAt, reports: int, month_end: datetime.date, targets: list
) -> tuple[str, str]:
    """A proposed rating and the reason shown to the coordinator, from the task as it stood at
    the end of the month (``state``: progress, status, deadline then)."""
    met = sum(1 for t in targets if t.achieved)
    target_note = (
        _("; targets met: %(met)d of %(n)d") % {"met": met, "n": len(targets)} if targets else ""
    )
    if state.status == Task.Status.CLOSED:
        return Rating.COMPLETED, _("closed out") + target_note
    if state.progress >= 100 or state.status == Task.Status.AWAITING_SIGNOFF:
        return Rating.COMPLETED, _("100%% done, close-out requested") % {} + target_note
    light = task_light(
        deadline=state.deadline,
        ongoing=state.ongoing,
        progress=state.progress,
        status=state.status,
        today=month_end,
    )
    if state.deadline and not state.ongoing and state.deadline <= month_end:
        return Rating.NOT_COMPLETED, _("deadline %(date)s passed at %(p)d%%") % {
            "date": state.deadline.isoformat(),
            "p": state.progress,
        } + target_note
    if reports == 0:
        return Rating.BEHIND, _("no report this month") + target_note
    if light.light == Light.YELLOW:
        return Rating.BEHIND, _("near the deadline at %(p)d%%") % {
            "p": state.progress
        } + target_note
    return Rating.ON_TRACK, _("%(n)d reports, %(p)d%% done") % {
        "n": reports,
        "p": state.progress,
    } + target_note


def review_open(
    *, campaign: Campaign, month: datetime.date, now: datetime.datetime
) -> MonthlyReview | None:
    """Open the review of ``month`` with a proposed rating for every task open in it, judged as
    the task stood at the month's end (local time), however late the review opens."""
    try:
        with transaction.atomic():
            Campaign.objects.select_for_update(of=("self",)).filter(pk=campaign.pk).first()
            if MonthlyReview.objects.filter(campaign=campaign, month=month).exists():
                return None
            start, end = schedule.month_bounds(month, campaign.schedule_timezone)
            month_end = (end - datetime.timedelta(days=1)).date()
            rows = tasks_at_month_end(campaign=campaign, start=start, end=end)
            if not rows:  # nothing ran that month: nothing to certify
                return None
            review = MonthlyReview.objects.create(campaign=campaign, month=month)
            task_ids = [task.pk for task, _state in rows]
            report_counts = _report_counts(task_ids, start, end)
            targets: dict[int, list] = defaultdict(list)
            for target in targets_at(task_ids=task_ids, moment=end):
                targets[target.task_id].append(target)
            items = []
            for task, state in rows:
                # The unit that led the task at month end answers for the month (and counts
                # in its figures), even if the task was transferred since.
                reports = report_counts.get((task.pk, state.lead_unit_id), 0)
                proposed, reason = propose_rating(
                    state=state,
                    reports=reports,
                    month_end=month_end,
                    targets=targets[task.pk],
                )
                items.append(
                    ReviewItem(
                        review=review,
                        task=task,
                        lead_unit_id=state.lead_unit_id,
                        proposed=proposed,
                        reason=reason[:300],
                        reports=reports,
                        progress=state.progress,
                    )
                )
            ReviewItem.objects.bulk_create(items, batch_size=BATCH)
            coordinators = list(campaign.coordinators.filter(is_active=True))
            notify(
                recipients=coordinators,
                kind=Notification.Kind.REVIEW,
                title=_("%(campaign)s: the sign-off of %(month)s is open")
                % {"campaign": campaign.name, "month": review.label},
                url=reverse("cycles:review", args=[review.pk]),
                campaign=campaign,
            )
            return review
    except IntegrityError:
        return None


def _report_counts(task_ids: list[int], start, end) -> dict[tuple[int, int], int]:
    """Reports submitted in [start, end), per task and reporting unit."""
    return {
        (task_id, unit_id): n
        for task_id, unit_id, n in ProgressReport.objects.filter(
            task_id__in=task_ids, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("task_id", "unit_id")
        .annotate(n=Count("id"))
        .values_list("task_id", "unit_id", "n")
    }


def _locked_review(
    review_id: int, by: User, may: Callable[[User, MonthlyReview], bool]
) -> MonthlyReview:
    """The review locked for change, if ``by`` ``may`` act on it (403 otherwise) and its month
    is not certified yet (a RuleViolation)."""
    review = (
        MonthlyReview.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=review_id)
    )
    if not may(by, review):
        raise PermissionDenied
    if review.status == MonthlyReview.Status.CERTIFIED:
        raise RuleViolation(
            _("%(month)s has been certified and can no longer change.") % {"month": review.label},
            code="locked",
        )
    return review


@transaction.atomic
def review_rate(
    *,
    review: MonthlyReview,
    by: User,
    ratings: dict[int, str],
    shown: dict[int, str] | None = None,
) -> int:
    """Set the rating of some items (the coordinator changes or confirms each).

    ``shown`` is the rating each line had on the page the coordinator sent (empty: not rated).
    A line left as it was shown is not touched, so saving a page does not undo what another
    coordinator rated meanwhile; a line changed here that someone else changed since the page
    was opened is refused, and nothing is saved.
    """
    review = _locked_review(review.pk, by, permissions.can_rate)
    bad = {value for value in ratings.values() if value not in Rating.values}
    if bad:
        raise RuleViolation(_("Unknown rating."), field="rating")
    items = {
        item.pk: item
        for item in ReviewItem.objects.filter(review=review, pk__in=list(ratings)).select_related(
            "task"
        )
    }
    if len(items) != len(ratings):
        raise RuleViolation(_("A task of another review was sent."), code="invalid")
    if shown is not None:
        ratings = {pk: value for pk, value in ratings.items() if shown.get(pk) != value}
        stale = [
            items[pk] for pk in sorted(ratings) if pk in shown and items[pk].rating != shown[pk]
        ]
        if stale:
            raise RuleViolation(
                _(
                    "Someone else rated %(tasks)s after you opened this page. Nothing was saved: "
                    "reload the page to see their ratings, then make yours again."
                )
                % {"tasks": "、".join(item.task.code for item in stale[:10])},
                code="stale",
            )
    return _apply_ratings(review, by, [(items[pk], value) for pk, value in ratings.items()])


@transaction.atomic
def review_confirm_all(*, review: MonthlyReview, by: User) -> int:
    """Accept the proposed rating of every task not rated yet (bulk confirm)."""
    review = _locked_review(review.pk, by, permissions.can_rate)
    items = ReviewItem.objects.filter(review=review, rating="").select_related("task")
    return _apply_ratings(review, by, [(item, item.proposed) for item in items])


def _apply_ratings(review: MonthlyReview, by: User, pairs: list[tuple[ReviewItem, str]]) -> int:
    now = timezone.now()
    changed = [(item, value) for item, value in pairs if item.rating != value]
    events = []
    for item, value in changed:
        events.append(
            TaskEvent(
                task_id=item.task_id,
                actor=by,
                kind=TaskEvent.Kind.RATED,
                before={"month": review.month.isoformat(), "rating": item.rating or None},
                after={"month": review.month.isoformat(), "rating": value},
            )
        )
        item.rating, item.confirmed_by, item.confirmed_at = value, by, now
    ReviewItem.objects.bulk_update(
        [item for item, _v in changed], ["rating", "confirmed_by", "confirmed_at"], batch_size=BATCH
    )
    TaskEvent.objects.bulk_create(events, batch_size=BATCH)
    if changed:
        MonthlyReview.objects.filter(pk=review.pk).update(version=F("version") + 1)
        audit_record(
            kind=AuditEvent.Kind.RATED,
            by=by,
            target=f"review:{review.pk} campaign:{review.campaign_id} {review.month:%Y-%m}",
            detail={"ratings": len(changed)},
        )
    return len(changed)


@transaction.atomic
def review_certify(
    *, review: MonthlyReview, by: User, expected_version: int | None = None
) -> MonthlyReview:
    """Lock the month: its reports can no longer change; each unit's figures are stored,
    computed with the campaign's ranking formula, a copy of which stays with the review."""
    review = _locked_review(review.pk, by, permissions.can_certify)
    if expected_version is not None and review.version != expected_version:
        raise RuleViolation(
            _("The ratings changed after you opened the page. Reload it and check them again."),
            code="stale",
        )
    unrated = ReviewItem.objects.filter(review=review, rating="").count()
    if unrated:
        raise RuleViolation(
            _("%(n)d tasks still have no confirmed rating.") % {"n": unrated}, code="unrated"
        )
    formula = formula_freeze(review=review)
    ordered = unit_figures(review=review, formula=formula)
    UnitMonth.objects.bulk_create(ordered, batch_size=BATCH)
    locked = reports_to_lock(review=review).update(locked_at=timezone.now())
    review.status = MonthlyReview.Status.CERTIFIED
    review.certified_at = timezone.now()
    review.certified_by = by
    review.version += 1
    review.save(
        update_fields=[
            "status",
            "certified_at",
            "certified_by",
            "version",
            "formula",
            "formula_version",
        ]
    )
    log.info("certified %s: %d units, %d reports locked", review, len(ordered), locked)
    audit_record(
        kind=AuditEvent.Kind.CERTIFIED,
        by=by,
        target=f"review:{review.pk} campaign:{review.campaign_id} {review.month:%Y-%m}",
        detail={"units": len(ordered), "reports_locked": locked},
    )
    webhook_emit(
        event=REVIEW_CERTIFIED,
        data={
            "review": review.pk,
            "campaign": review.campaign.slug,
            "month": f"{review.month:%Y-%m}",
            "units": len(ordered),
            "certified_at": review.certified_at,
        },
    )
    # Apps above cycles (measures: the rules' proposals) act on the certified month; a broker
    # that is away is logged, never turned into an error of a certification already committed.
    transaction.on_commit(lambda: hooks.after_certify(review.pk), robust=True)
    return review
