"""Writing notices and sending them on: ``notify()`` for every app, what sending one delivery
means (its life, retried with backoff, swept and pruned, is ``delivery_queue``'s) and each
person's choice of channels."""

import datetime
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import HANDLE_TAKEN, Unit, User
from audit.models import AuditEvent
from audit.services import audit_record
from config.errors import RuleViolation
from notifications import channels
from notifications.delivery_queue import SEND_LEASE as SEND_LEASE  # the jobs' limits' measure
from notifications.delivery_queue import DeliveryQueue
from notifications.models import Channel, Delivery, Notification, RobotWebhook
from notifications.permissions import visible_deliveries

if TYPE_CHECKING:  # notify() needs only the campaign's id
    from campaigns.models import Campaign

logger = logging.getLogger(__name__)

QUEUE = DeliveryQueue(
    model=Delivery,
    related=("notification", "robot"),
    job="notifications.jobs.delivery_send",
    logger=logger,
)


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
            QUEUE.send_after_commit([delivery.pk for delivery in deliveries])
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


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one email or robot message if it is pending, due and nobody else is sending it;
    record the outcome (``DeliveryQueue.send``: the lock guards the claim only, never the
    network). Returns the delivery as recorded, or None when nothing was done."""
    return QUEUE.send(delivery_id=delivery_id, send=_send)


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
    """Queue every pending delivery that is due (``DeliveryQueue.sweep``)."""
    return QUEUE.sweep(now=now, limit=limit)


def deliveries_prune(*, now: datetime.datetime, keep_days: int) -> int:
    """Delete deliveries written more than ``keep_days`` ago that were sent or gave up.

    The in-app notices they carried stay; pending deliveries are never touched.
    """
    return QUEUE.prune(now=now, keep_days=keep_days)


def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """Send a failed delivery again now, with a fresh round of attempts."""
    return QUEUE.retry(delivery=delivery, by=by, visible=visible_deliveries(by))


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
