"""Reads about notices and their deliveries. Who may see a delivery: ``permissions``."""

from django.db.models import QuerySet

from accounts.models import User
from config.prepared import PreparedCount
from notifications.delivery_queue import FAILED_PAGE_SIZE
from notifications.models import Delivery, Notification, RobotWebhook
from notifications.permissions import visible_deliveries

NOTICES_PAGE_SIZE = 100

# The bell's count, on every page: its statement compiled once per process.
_UNREAD = PreparedCount(
    lambda values: Notification.objects.filter(recipient_id=values["user"], read_at__isnull=True)
)


def unread_count(*, user: int) -> int:
    """How many of the notices under user ``user``'s bell are unread."""
    return _UNREAD.count(user=user)


def notifications_of(*, user: User) -> QuerySet[Notification]:
    """The newest notices under ``user``'s bell."""
    return user.notifications.all()[:NOTICES_PAGE_SIZE]


def deliveries_failed(*, user: User) -> QuerySet[Delivery]:
    """The newest failed deliveries ``user`` may see, with what the page shows of each."""
    return (
        visible_deliveries(user)
        .failed()
        .select_related(
            "notification__recipient__unit",
            "notification__campaign",
            "robot__unit",
            "robot__campaign",
        )[:FAILED_PAGE_SIZE]
    )


def robots_of_unit(*, unit_id: int | None) -> QuerySet[RobotWebhook]:
    """The active robots a person's notices go to (names and platforms, never the URL)."""
    if not unit_id:
        return RobotWebhook.objects.none()
    return RobotWebhook.objects.filter(unit_id=unit_id, active=True).only(
        "name", "platform", "unit_id"
    )
