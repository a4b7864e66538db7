"""The weekly dispatch and the monthly sign-off, run by ``cycles_run`` for a given instant.

Every action here can run twice, late, or on two machines at once and still act once: each
takes a row lock on what it changes, checks whether it already happened, and writes rows that
carry unique constraints (one round per campaign and week, one digest per person, round and
kind, one review per campaign and month) before anything is sent. Sending happens after
commit, in jobs that lock each digest and skip it if it was already sent.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User, UserRole
from campaigns.models import Campaign
from config.errors import RuleViolation
from cycles import schedule
from cycles.models import (
    Digest,
    DispatchRound,
    MonthlyReview,
    Rating,
    ReviewItem,
    RoundItem,
    UnitMonth,
)
from cycles.selectors import targets_at, tasks_at_month_end
from notifications.models import Notification
from notifications.services import notify
from tasks import permissions
from tasks.lights import Light, light_expression, task_light
from tasks.models import (
    Followup,
    ProgressReport,
    Task,
    TaskEvent,
    TaskRequest,
)
from tasks.selectors import TaskAsAt

log = logging.getLogger(__name__)

BATCH = 2000
DIGEST_CHUNK = 200


@dataclass
class RunSummary:
    opened: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reviews: list[int] = field(default_factory=list)
    followups: int = 0
    requeued: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def cycles_run(*, now: datetime.datetime) -> RunSummary:
    """Do whatever is due at ``now``: the one entry point of beat and of ``run_cycles``."""
    summary = RunSummary()
    campaigns = Campaign.objects.filter(status=Campaign.Status.ACTIVE).order_by("pk")
    for campaign in campaigns:
        if campaign.dispatch_enabled:
            _dispatch_due(campaign, now, summary)
        review = review_open_due(campaign=campaign, now=now)
        if review is not None:
            summary.reviews.append(review.pk)
    summary.followups = followups_remind(now=now)
    summary.requeued = digests_requeue(now=now)
    return summary


def _dispatch_due(campaign: Campaign, now: datetime.datetime, summary: RunSummary) -> None:
    today = schedule.local_date(now, campaign.schedule_timezone)
    this_week = schedule.week_start(today)
    # Close or remind what is still open from earlier weeks (a server that was down catches up).
    for round_ in DispatchRound.objects.filter(campaign=campaign, closed_at__isnull=True).order_by(
        "week_start"
    ):
        if now >= round_.closes_at:
            if round_close(round_id=round_.pk, now=now):
                summary.closed.append(round_.pk)
        elif (
            now >= round_.reminder_at
            and round_.reminded_at is None
            and round_remind(round_id=round_.pk, now=now)
        ):
            summary.reminded.append(round_.pk)
    # The round whose window holds ``now`` (last week's, when this week's has not opened yet).
    # It opens late if the server was down, but only while reports can still be made on time:
    # a round opened after its due time would chase nobody.
    for week in (this_week - datetime.timedelta(days=7), this_week):
        times = schedule.round_times(campaign, week)
        if times.opens_at <= now < times.due_at and campaign.start_date <= times.due_at.date():
            round_ = round_open(campaign=campaign, times=times, now=now)
            if round_ is not None:
                summary.opened.append(round_.pk)
                # Opened late (the server was down): the opening digest already reaches every
                # owner, so only the unit heads' escalation of red tasks goes out now.
                if now >= round_.reminder_at and round_remind(
                    round_id=round_.pk, now=now, remind_owners=False
                ):
                    summary.reminded.append(round_.pk)


# --- who gets a digest ------------------------------------------------------------------


def _unit_people(unit_ids, *roles: str) -> dict[int, list[int]]:
    """Active users holding one of ``roles``, by unit, in one query."""
    people: dict[int, list[int]] = defaultdict(list)
    rows = (
        UserRole.objects.filter(
            role__in=roles, user__unit_id__in=list(unit_ids), user__is_active=True
        )
        .values_list("user__unit_id", "user_id")
        .distinct()
        .order_by("user_id")
    )
    for unit_id, user_id in rows:
        if user_id not in people[unit_id]:
            people[unit_id].append(user_id)
    return people


def _owners(rows: list[tuple[int, int, int | None]]) -> dict[int, list[int]]:
    """recipient id → task ids. The specific owner when a user is linked; otherwise every
    staff member of the lead unit."""
    # An owner counts only while active and of the task's lead unit (after a transfer the old
    # unit's person is no longer the one to chase).
    owner_unit = dict(
        User.objects.filter(
            pk__in={owner for _t, _u, owner in rows if owner}, is_active=True
        ).values_list("pk", "unit_id")
    )

    def linked(owner, unit_id) -> bool:
        return owner is not None and owner_unit.get(owner) == unit_id

    staff = _unit_people({unit for _t, unit, owner in rows if not linked(owner, unit)}, Role.STAFF)
    digests: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id, owner in rows:
        for user_id in [owner] if linked(owner, unit_id) else staff.get(unit_id, []):
            digests[user_id].append(task_id)
    return digests


def _write_digests(round_: DispatchRound, kind: str, by_user: dict[int, list[int]]) -> None:
    Digest.objects.bulk_create(
        [
            Digest(round=round_, recipient_id=user_id, kind=kind, task_ids=sorted(task_ids))
            for user_id, task_ids in by_user.items()
        ],
        batch_size=BATCH,
        ignore_conflicts=True,  # a digest already written for this person, round and kind stays
    )
    transaction.on_commit(
        lambda: _enqueue_digests(
            Digest.objects.filter(round_id=round_.pk, kind=kind, sent_at__isnull=True).order_by(
                "pk"
            )
        ),
        robust=True,
    )


def _enqueue_digests(digests) -> int:
    """Queue unsent digests in chunks. A broker that is down is logged, not raised: the rows
    are written, and ``digests_requeue`` queues them again on a later run."""
    from cycles.jobs import send_digests

    ids = list(digests.values_list("pk", flat=True))
    try:
        for start in range(0, len(ids), DIGEST_CHUNK):
            send_digests.delay(ids[start : start + DIGEST_CHUNK])
    except Exception:
        log.exception("could not queue %d digests; they will be queued again later", len(ids))
        return 0
    return len(ids)


REQUEUE_AFTER = datetime.timedelta(minutes=15)


def digests_requeue(*, now: datetime.datetime) -> int:
    """Queue again digests still unsent a while after they were written (a broker that was
    down, a message lost, a worker that died). Sending is idempotent, so a digest queued twice
    is still sent once."""
    return _enqueue_digests(
        Digest.objects.filter(sent_at__isnull=True, created_at__lt=now - REQUEUE_AFTER).order_by(
            "pk"
        )[:5000]
    )


# --- the weekly round -------------------------------------------------------------------


def round_open(
    *, campaign: Campaign, times: schedule.RoundTimes, now: datetime.datetime
) -> DispatchRound | None:
    """Open the round of a week: every open task owes one report from its lead unit, and each
    owner gets one digest of all their tasks. None when it was already open."""
    try:
        with transaction.atomic():
            Campaign.objects.select_for_update(of=("self",)).filter(pk=campaign.pk).first()
            if DispatchRound.objects.filter(
                campaign=campaign, week_start=times.week_start
            ).exists():
                return None
            rows = list(
                Task.objects.filter(task_list__campaign=campaign, status=Task.Status.IN_PROGRESS)
                .order_by("pk")
                .values_list("pk", "lead_unit_id", "specific_owner_id")
            )
            if not rows:  # nothing open, nothing owed: no round to chase
                return None
            round_ = DispatchRound.objects.create(
                campaign=campaign,
                week_start=times.week_start,
                opens_at=times.opens_at,
                due_at=times.due_at,
                reminder_at=times.reminder_at,
                closes_at=times.closes_at,
            )
            RoundItem.objects.bulk_create(
                [RoundItem(round=round_, task_id=t, lead_unit_id=u) for t, u, _o in rows],
                batch_size=BATCH,
            )
            _write_digests(round_, Digest.Kind.OPENING, _owners(rows))
            log.info("opened %s: %d tasks", round_, len(rows))
            return round_
    except IntegrityError:  # another worker opened it in the same instant
        return None


def _reported_task_ids(
    round_: DispatchRound, until: datetime.datetime
) -> dict[int, datetime.datetime]:
    """Task id → first report of its lead unit (as at the round's opening) within the round."""
    return dict(
        ProgressReport.objects.filter(
            task__round_items__round=round_,
            unit_id=F("task__round_items__lead_unit_id"),
            submitted_at__gte=round_.opens_at,
            submitted_at__lt=until,
        )
        .values("task_id")
        .annotate(first=Min("submitted_at"))
        .values_list("task_id", "first")
    )


def round_remind(*, round_id: int, now: datetime.datetime, remind_owners: bool = True) -> bool:
    """The second reminder, only to those who have not reported; overdue and red tasks also go
    to the unit head. Once per round."""
    with transaction.atomic():
        round_ = (
            DispatchRound.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=round_id)
        )
        if round_.reminded_at is not None or round_.closed_at is not None:
            return False
        reported = _reported_task_ids(round_, until=now)
        today = schedule.local_date(now, round_.campaign.schedule_timezone)
        rows = list(
            Task.objects.filter(round_items__round=round_, status=Task.Status.IN_PROGRESS)
            .annotate(light_value=light_expression(today))
            .order_by("pk")
            .values_list("pk", "lead_unit_id", "specific_owner_id", "light_value")
        )
        if remind_owners:
            missing = [(t, u, o) for t, u, o, _light in rows if t not in reported]
            _write_digests(round_, Digest.Kind.REMINDER, _owners(missing))
        alarming = [(t, u) for t, u, _o, light in rows if light == Light.RED]
        heads = _unit_people({u for _t, u in alarming}, Role.HEAD)
        escalation: dict[int, list[int]] = defaultdict(list)
        for task_id, unit_id in alarming:
            for head in heads.get(unit_id, []):
                escalation[head].append(task_id)
        _write_digests(round_, Digest.Kind.ESCALATION, escalation)
        round_.reminded_at = now
        round_.save(update_fields=["reminded_at"])
        return True


def round_close(*, round_id: int, now: datetime.datetime) -> bool:
    with transaction.atomic():
        round_ = (
            DispatchRound.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=round_id)
        )
        if round_.closed_at is not None:
            return False
        round_.result = round_bulletin(round_=round_, until=min(now, round_.closes_at))
        round_.closed_at = now
        round_.save(update_fields=["result", "closed_at"])
        return True


def round_bulletin(*, round_: DispatchRound, until: datetime.datetime) -> dict:
    """The weekly bulletin's figures, from the round's rows and the reports in its window."""
    reported = _reported_task_ids(round_, until=until)
    today = schedule.local_date(until, round_.campaign.schedule_timezone)
    items = list(
        RoundItem.objects.filter(round=round_)
        .select_related("lead_unit", "task")
        .order_by("lead_unit__order", "lead_unit__name", "task__order", "task_id")
    )
    units: dict[int, dict] = {}
    late, red, overdue = [], [], []
    for item in items:
        task = item.task
        unit = units.setdefault(
            item.lead_unit_id,
            {"unit": item.lead_unit.name, "owed": 0, "reported": 0, "late": 0, "missing": []},
        )
        unit["owed"] += 1
        first = reported.get(task.pk)
        brief = {"id": task.pk, "code": task.code, "title": task.title, "unit": item.lead_unit.name}
        if first is None:
            unit["missing"].append(task.code)
        else:
            unit["reported"] += 1
            if first > round_.due_at:
                unit["late"] += 1
                late.append({**brief, "at": timezone.localtime(first).strftime("%Y-%m-%d %H:%M")})
        light = task_light(
            deadline=task.deadline,
            ongoing=task.ongoing,
            progress=task.progress,
            status=task.status,
            today=today,
        )
        deadline = task.deadline.isoformat() if task.deadline else task.deadline_text
        if light.light == Light.RED:
            red.append({**brief, "deadline": deadline, "progress": task.progress})
        if light.overdue:
            overdue.append({**brief, "deadline": deadline, "days": -light.days_left})
    closed = list(
        Task.objects.filter(
            task_list__campaign=round_.campaign,
            closed_at__gte=round_.opens_at,
            closed_at__lt=until,
        )
        .select_related("lead_unit")
        .order_by("closed_at")
        .values("pk", "code", "title", "lead_unit__name")
    )
    unit_rows = []
    for row in units.values():
        row["rate"] = round(100 * row["reported"] / row["owed"], 1) if row["owed"] else 100.0
        row["missing_count"] = len(row["missing"])
        unit_rows.append(row)
    unit_rows.sort(key=lambda r: (r["rate"], r["unit"]))
    owed = sum(r["owed"] for r in unit_rows)
    made = sum(r["reported"] for r in unit_rows)
    return {
        "week": round_.iso_label,
        "computed_at": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
        "totals": {
            "owed": owed,
            "reported": made,
            "late": len(late),
            "rate": round(100 * made / owed, 1) if owed else 100.0,
            "red": len(red),
            "overdue": len(overdue),
            "closed": len(closed),
        },
        "units": unit_rows,
        "not_reported": [r for r in unit_rows if r["missing"]],
        "late": late,
        "red": red,
        "overdue": overdue,
        "closed": [
            {"id": c["pk"], "code": c["code"], "title": c["title"], "unit": c["lead_unit__name"]}
            for c in closed
        ],
    }


# --- sending ------------------------------------------------------------------------------


def digest_send(*, digest_id: int) -> bool:
    """Send one digest exactly once: lock it, skip it if sent, write the notice, mark it sent —
    all in one transaction, so a worker that dies halfway leaves it unsent, never sent twice."""
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(of=("self",))
            .select_related("round__campaign", "recipient")
            .filter(pk=digest_id)
            .first()
        )
        if digest is None or digest.sent_at is not None:
            return False
        tasks = list(
            Task.objects.filter(pk__in=digest.task_ids).order_by("task_list__order", "order", "pk")
        )
        round_ = digest.round
        due = timezone.localtime(round_.due_at).strftime("%m月%d日 %H:%M")
        titles = {
            Digest.Kind.OPENING: _("%(week)s dispatch: %(n)d tasks to report on by %(due)s"),
            Digest.Kind.REMINDER: _(
                "Reminder: %(n)d tasks still need this week's report by %(due)s"
            ),
            Digest.Kind.ESCALATION: _("%(n)d overdue or red tasks of your unit need attention"),
        }
        title = titles[digest.kind] % {"week": round_.iso_label, "n": len(tasks), "due": due}
        lines = [
            f"{t.code}. {t.title}" + (f"（{t.deadline:%Y-%m-%d}）" if t.deadline else "")
            for t in tasks[:50]
        ]
        if len(tasks) > 50:
            lines.append(_("… and %(n)d more") % {"n": len(tasks) - 50})
        notices = notify(
            recipients=[digest.recipient],
            kind=Notification.Kind.DIGEST,
            title=f"{round_.campaign.name}：{title}",
            body="\n".join(lines),
            url=reverse("tasks:mine"),
            campaign=round_.campaign,
        )
        digest.sent_at = timezone.now()
        digest.notification = notices[0] if notices else None
        digest.save(update_fields=["sent_at", "notification"])
        return True


# --- the monthly sign-off -------------------------------------------------------------------


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


def _check_coordinator(user: User, review: MonthlyReview) -> None:
    if not permissions.can_manage_campaign(user, review.campaign):
        raise PermissionDenied


def _locked_review(review_id: int, by: User) -> MonthlyReview:
    review = (
        MonthlyReview.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=review_id)
    )
    _check_coordinator(by, review)
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
    review = _locked_review(review.pk, by)
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
    review = _locked_review(review.pk, by)
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
    return len(changed)


SCORES = {
    Rating.COMPLETED: Decimal(100),
    Rating.ON_TRACK: Decimal(100),
    Rating.BEHIND: Decimal(60),
    Rating.NOT_COMPLETED: Decimal(0),
}


@transaction.atomic
def review_certify(
    *, review: MonthlyReview, by: User, expected_version: int | None = None
) -> MonthlyReview:
    """Lock the month: its reports can no longer change; each unit's figures are stored."""
    review = _locked_review(review.pk, by)
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
    start, end = schedule.month_bounds(review.month, review.campaign.schedule_timezone)
    figures: dict[int, UnitMonth] = {}
    for unit_id, rating, reports in ReviewItem.objects.filter(review=review).values_list(
        "lead_unit_id", "rating", "reports"
    ):
        row = figures.setdefault(unit_id, UnitMonth(review=review, unit_id=unit_id))
        row.tasks += 1
        row.reports += reports
        setattr(row, rating, getattr(row, rating) + 1)
    for row in figures.values():
        total = sum(SCORES[r] * getattr(row, r) for r in Rating.values)
        row.score = (total / row.tasks).quantize(Decimal("0.01")) if row.tasks else Decimal(0)
    ordered = sorted(figures.values(), key=lambda r: (-r.score, -r.completed))
    rank, previous = 0, None
    for index, row in enumerate(ordered, start=1):
        if row.score != previous:
            rank, previous = index, row.score
        row.rank = rank
    UnitMonth.objects.bulk_create(ordered, batch_size=BATCH)
    locked = ProgressReport.objects.filter(
        task__task_list__campaign=review.campaign,
        submitted_at__gte=start,
        submitted_at__lt=end,
        locked_at__isnull=True,
    ).update(locked_at=timezone.now())
    review.status = MonthlyReview.Status.CERTIFIED
    review.certified_at = timezone.now()
    review.certified_by = by
    review.version += 1
    review.save(update_fields=["status", "certified_at", "certified_by", "version"])
    log.info("certified %s: %d units, %d reports locked", review, len(ordered), locked)
    return review


def pending_closeouts(*, campaign: Campaign):
    return TaskRequest.objects.filter(
        task__task_list__campaign=campaign,
        kind=TaskRequest.Kind.CLOSEOUT,
        status=TaskRequest.Status.PENDING,
    ).select_related("task", "task__lead_unit", "requested_by")


# --- follow-ups -------------------------------------------------------------------------------


def followups_remind(*, now: datetime.datetime) -> int:
    """Remind the coordinators of every follow-up that fell due, once each."""
    today = timezone.localdate(now)
    sent = 0
    ids = list(
        Followup.objects.filter(due_date__lte=today, reminded_at__isnull=True).values_list(
            "pk", flat=True
        )[:500]
    )
    for followup_id in ids:
        with transaction.atomic():
            followup = (
                Followup.objects.select_for_update(of=("self",))
                .select_related("task__task_list__campaign")
                .filter(pk=followup_id, reminded_at__isnull=True)
                .first()
            )
            if followup is None:
                continue
            task = followup.task
            notify(
                recipients=list(task.task_list.campaign.coordinators.filter(is_active=True)),
                kind=Notification.Kind.FOLLOWUP,
                title=_("Follow-up due: check that %(code)s %(title)s still holds")
                % {"code": task.code, "title": task.title[:40]},
                url=reverse("tasks:detail", args=[task.pk]),
                campaign=task.task_list.campaign,
            )
            followup.reminded_at = now
            followup.save(update_fields=["reminded_at"])
            sent += 1
    return sent
