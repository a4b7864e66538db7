"""Writing notices and sending them on: ``notify()`` for every app, the delivery's life
(send, retry with backoff, sweep, prune) and each person's choice of channels."""

import datetime
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import HANDLE_TAKEN, Unit, User
from audit.models import AuditEvent
from audit.services import audit_record
from config.errors import RuleViolation
from notifications import channels
from notifications.models import Channel, Delivery, Notification, RobotWebhook
from notifications.permissions import visible_deliveries

if TYPE_CHECKING:  # notify() needs only the campaign's id
    from campaigns.models import Campaign

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    campaign: "Campaign | None" = None,
) -> list[Notification]:
    """Tell people something.

    The in-app notice is always written, in the caller's transaction. Beside it, for every
    other channel a recipient chose, a pending ``Delivery``: an email to each, and one message
    per group robot (of the recipients' units, and of ``campaign`` when given) naming everyone
    it concerns. Jobs send them once the transaction commits; whatever happens to them later
    never touches the notice. The number of queries does not depend on the number of people.
    """
    people = list({u.pk: u for u in recipients if u is not None and u.is_active}.values())
    if not people:
        return []
    now = timezone.now()
    with transaction.atomic():
        notices = Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    campaign=campaign,
                    created_at=now,
                )
                for user in people
            ]
        )
        deliveries = Delivery.objects.bulk_create(
            _deliveries_for(notices=notices, campaign=campaign, now=now)
        )
        if deliveries:
            _send_after_commit([delivery.pk for delivery in deliveries])
    return notices


def _deliveries_for(
    *, notices: list[Notification], campaign: "Campaign | None", now: datetime.datetime
) -> list[Delivery]:
    deliveries = [
        Delivery(
            notification=notice,
            channel=Channel.EMAIL,
            target=notice.recipient.email,
            next_attempt_at=now,
        )
        for notice in notices
        if notice.recipient.notify_by_email and notice.recipient.email
    ]
    listeners = [notice for notice in notices if notice.recipient.notify_by_robot]
    if not listeners:
        return deliveries
    unit_ids = {notice.recipient.unit_id for notice in listeners if notice.recipient.unit_id}
    where = Q(unit_id__in=unit_ids)
    if campaign is not None:
        where |= Q(campaign_id=campaign.pk)
    robots = list(RobotWebhook.objects.filter(where, active=True).order_by("pk"))
    unit_names = (
        dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
        if any(robot.campaign_id for robot in robots)
        else {}
    )
    for robot in robots:
        if robot.campaign_id:
            # A campaign's group holds people of many units: name each with their unit there.
            concerned = listeners
            people = [
                _robot_person(n.recipient, robot, unit=unit_names.get(n.recipient.unit_id or 0, ""))
                for n in concerned
            ]
        else:
            concerned = [n for n in listeners if n.recipient.unit_id == robot.unit_id]
            people = [_robot_person(n.recipient, robot) for n in concerned]
        if concerned:
            # One message per robot, carried by the first person's notice; it names them all.
            deliveries.append(
                Delivery(
                    notification=concerned[0],
                    channel=robot.platform,
                    target=f"robot:{robot.pk}",
                    robot=robot,
                    people=people,
                    next_attempt_at=now,
                )
            )
    return deliveries


def _robot_person(user: User, robot: RobotWebhook, *, unit: str = "") -> dict[str, str]:
    """What ``robot`` needs to name ``user``, as the delivery keeps it: the name, the unit in a
    campaign's group, and only the one handle the robot's platform can @ them by."""
    wecom = robot.platform == RobotWebhook.Platform.WECOM
    return channels.Person(
        name=str(user),
        unit=unit,
        mobile="" if wecom else user.mobile,
        wecom_userid=user.wecom_userid if wecom else "",
    ).as_json()


def _send_after_commit(delivery_ids: list[int]) -> None:
    """Queue the sends once the data is committed. ``robust``: a broker that is down must not
    turn the user's committed action into an error page; the sweep sends these later."""

    def queue():
        from notifications.jobs import delivery_send

        for delivery_id in delivery_ids:
            delivery_send.delay(delivery_id)

    transaction.on_commit(queue, robust=True)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failed try: base, 2×base, 4×base … ≤ 1 h."""
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, 3600))


# A worker that claimed a delivery owns it this long: longer than the send job may run.
SEND_LEASE = datetime.timedelta(seconds=120)
# Clocks of web and worker machines differ a little; "due" allows for it.
CLOCK_SKEW = datetime.timedelta(seconds=5)


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one delivery if it is pending, due and nobody else is sending it; record the outcome.

    The row lock only guards the claim (one more attempt, ``next_attempt_at`` a lease ahead);
    it is released before any network traffic, because SQLite's write lock covers the whole
    database and a slow robot must not hold a row lock on PostgreSQL either. Any other job for
    the same delivery (a duplicate message, the sweep, a retry click) then finds it sent,
    failed or not yet due and returns. If this worker dies, the lease runs out and the sweep
    queues the delivery again. Returns the delivery as recorded, or None when nothing was done.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification", "robot")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now + CLOCK_SKEW:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + SEND_LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])

    error: channels.SendError | None = None
    try:
        _send(delivery)
    except channels.SendError as raised:
        error = raised
    except Exception as raised:  # a bug or the job's soft time limit: try again later
        logger.exception("delivery %s: unexpected error", delivery.pk)
        error = channels.TransientError(f"{type(raised).__name__}: {raised}")

    done = timezone.now()
    if error is None:
        changes = {
            "status": Delivery.Status.SENT,
            "sent_at": done,
            "next_attempt_at": None,
            "last_error": "",
        }
    elif (
        isinstance(error, channels.TransientError)
        and delivery.attempts < settings.NOTIFY_MAX_ATTEMPTS
    ):
        changes = {
            "next_attempt_at": done + retry_delay(delivery.attempts),
            "last_error": str(error)[:1000],
        }
    else:
        changes = {
            "status": Delivery.Status.FAILED,
            "next_attempt_at": None,
            "last_error": str(error)[:1000],
        }
    if error is not None:
        logger.warning(
            "delivery %s (%s, attempt %s) failed: %s",
            delivery.pk,
            delivery.channel,
            delivery.attempts,
            error,
        )
    # Only if the claim is still ours: a worker that outlived its lease must not overwrite the
    # outcome of the one that took over.
    Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts
    ).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    return delivery


def _send(delivery: Delivery) -> None:
    notice = delivery.notification
    message = channels.Message(
        title=notice.title,
        body=notice.body,
        url=channels.absolute_url(notice.url),
        people=delivery.people_named,
    )
    if delivery.channel == Channel.EMAIL:
        channels.send_email(to=delivery.target, message=message)
        return
    robot = delivery.robot
    if robot is None or not robot.active:
        raise channels.PermanentError("the group robot is switched off")
    if robot.platform == RobotWebhook.Platform.WECOM:
        channels.send_wecom(url=robot.url, message=message)
    else:
        channels.send_dingtalk(url=robot.url, secret=robot.secret, message=message)


def deliveries_sweep(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Queue every pending delivery that is due: retries whose backoff is over, sends whose
    message was lost (a broker that was down) and sends whose worker died (lease run out)."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    from notifications.jobs import delivery_send as job

    for delivery_id in ids:
        job.delay(delivery_id)
    return ids


def deliveries_prune(*, now: datetime.datetime, keep_days: int) -> int:
    """Delete deliveries written more than ``keep_days`` ago that were sent or gave up.

    The in-app notices they carried stay; pending deliveries are never touched.
    """
    cutoff = now - datetime.timedelta(days=keep_days)
    deleted, _by_model = Delivery.objects.filter(
        status__in=[Delivery.Status.SENT, Delivery.Status.FAILED], created_at__lt=cutoff
    ).delete()
    if deleted:
        logger.info("deleted %d deliveries older than %d days", deleted, keep_days)
    return deleted


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """Send a failed delivery again now, with a fresh round of attempts."""
    if not visible_deliveries(by).filter(pk=delivery.pk).exists():
        raise PermissionDenied
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Delivery.Status.FAILED:
        raise RuleViolation(
            _("This message is no longer marked as failed; nothing to send again."),
            code="stale",
        )
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    logger.info("delivery %s: sent again by %s", delivery.pk, by.username)
    _send_after_commit([delivery.pk])
    return delivery


def notification_preferences_update(
    *, user: User, email: bool, robot: bool, mobile: str, wecom_userid: str
) -> User:
    """Choose the channels besides the bell (which is always on), and how group robots may @
    the person: by mobile on DingTalk, by WeCom account on WeCom (empty: named only)."""
    handles = {"mobile": mobile.strip(), "wecom_userid": wecom_userid.strip()}
    for name, value in handles.items():
        if value:
            try:
                field = User._meta.get_field(name)
                assert isinstance(field, Field)
                field.run_validators(value)
            except ValidationError as error:
                raise RuleViolation(error.messages[0], field=name) from None
    for name, value in handles.items():
        if value and value != getattr(user, name) and _handle_taken(user, name, value):
            raise RuleViolation(HANDLE_TAKEN[name], field=name)
    user.notify_by_email = email
    user.notify_by_robot = robot
    for name, value in handles.items():
        setattr(user, name, value)
    try:
        with transaction.atomic():
            user.save(update_fields=["notify_by_email", "notify_by_robot", *handles])
    except IntegrityError:  # registered by someone else a moment ago
        raise RuleViolation(
            HANDLE_TAKEN["mobile" if handles["mobile"] else "wecom_userid"]
        ) from None
    return user


# How many numbers or accounts found taken one person may try a day: the refusal tells that a
# number is registered, so trying many would list who uses the system (each try is audited).
HANDLE_TRIES_PER_DAY = 5


def _handle_taken(user: User, name: str, value: str) -> bool:
    refused = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.DENIED,
        actor=user,
        detail__reason="handle_taken",
        at__gte=timezone.now() - datetime.timedelta(days=1),
    ).count()
    if refused >= HANDLE_TRIES_PER_DAY:
        raise RuleViolation(
            _(
                "Too many numbers or accounts were refused today. Try again tomorrow, or ask "
                "the system administrator."
            ),
            field=name,
        )
    if not User.objects.filter(**{name: value}).exclude(pk=user.pk).exists():
        return False
    audit_record(
        kind=AuditEvent.Kind.DENIED,
        by=user,
        outcome=AuditEvent.Outcome.DENIED,
        target=f"{name} {value[:3]}…",
        detail={"reason": "handle_taken", "field": name},
    )
    return True


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
