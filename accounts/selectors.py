"""Reads about notices and their deliveries. Who may see a delivery is decided here only."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Delivery, RobotWebhook, Role, User

FAILED_PAGE_SIZE = 200


def can_see_deliveries(user: User) -> bool:
    """Coordinators (for their campaigns) and system administrators (for all)."""
    return user.is_authenticated and (
        user.is_superuser or user.has_role(Role.COORDINATOR, Role.SYSADMIN)
    )


def deliveries_visible_to(*, user: User) -> QuerySet[Delivery]:
    """Sysadmins see every delivery (they set up the robots); coordinators the deliveries of
    notices about the campaigns they coordinate; everyone else none."""
    if not user.is_authenticated or not user.is_active:
        return Delivery.objects.none()
    if user.is_superuser or user.has_role(Role.SYSADMIN):
        return Delivery.objects.all()
    if user.has_role(Role.COORDINATOR):
        return Delivery.objects.filter(notification__campaign__coordinators=user)
    return Delivery.objects.none()


def deliveries_failed(*, user: User) -> QuerySet[Delivery]:
    """The newest failed deliveries ``user`` may see, with what the page shows of each."""
    return (
        deliveries_visible_to(user=user)
        .filter(status=Delivery.Status.FAILED)
        .select_related(
            "notification__recipient__unit",
            "notification__campaign",
            "robot__unit",
            "robot__campaign",
        )
        .order_by("-created_at", "-id")[:FAILED_PAGE_SIZE]
    )


def access_delivery(*, user: User, pk: int) -> Delivery:
    """The delivery if ``user`` may see it; 404 otherwise, so its existence is not revealed."""
    delivery = deliveries_visible_to(user=user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery


def robots_of_unit(*, unit_id: int | None) -> QuerySet[RobotWebhook]:
    """The active robots a person's notices go to (names and platforms, never the URL)."""
    if not unit_id:
        return RobotWebhook.objects.none()
    return RobotWebhook.objects.filter(unit_id=unit_id, active=True).only(
        "name", "platform", "unit_id"
    )
