"""Reads about notices and their deliveries. Who may see a delivery: ``permissions``."""

from django.db.models import QuerySet

from accounts.models import User
from notifications.delivery_queue import FAILED_PAGE_SIZE
from notifications.models import Delivery, Notification, RobotWebhook
from notifications.permissions import visible_deliveries

NOTICES_PAGE_SIZE = 100


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
