"""Who may see what of notices and their deliveries. Pages, services and templates ask this
module, nothing else.

* Everyone sees their own notices (the bell) and sets their own channels.
* System administrators (and superusers) see every delivery: they set up the robots.
* Coordinators see the deliveries of notices about the campaigns they coordinate.
* Everyone else sees no delivery.
* A delivery's notice is shown in full to those with a business role; administrators see its
  kind only (no task content).
"""

from django.http import Http404

from accounts.models import Role, User
from notifications.models import Delivery, DeliveryQuerySet

# The admin pages of this app each administrative role uses (added to accounts' own at start-up):
# system administrators set up the robots and read the deliveries.
ROLE_ADMIN_PERMISSIONS: dict[str, list[str]] = {
    Role.SYSADMIN: [
        *(f"notifications.{action}_robotwebhook" for action in ("add", "change", "delete", "view")),
        "notifications.view_delivery",
    ],
}


def can_see_deliveries(user: User) -> bool:
    """Whether ``user`` has a 发送失败 page: coordinators (for their campaigns) and system
    administrators (for all)."""
    return user.is_authenticated and (
        user.is_superuser or user.has_role(Role.COORDINATOR, Role.SYSADMIN)
    )


def visible_deliveries(user: User) -> DeliveryQuerySet:
    """Sysadmins see every delivery (they set up the robots); coordinators the deliveries of
    notices about the campaigns they coordinate; everyone else none."""
    if not user.is_authenticated or not user.is_active:
        return Delivery.objects.none()
    if user.is_superuser or user.has_role(Role.SYSADMIN):
        return Delivery.objects.all()
    if user.has_role(Role.COORDINATOR):
        return Delivery.objects.filter(notification__campaign__coordinators=user)
    return Delivery.objects.none()


def can_read_delivered_notices(user: User) -> bool:
    """Whether a delivery's notice is shown with its title (task content) or by its kind only."""
    return user.has_business_role


def access_delivery(user: User, pk: int) -> Delivery:
    """The delivery if ``user`` may see it; 404 otherwise, so its existence is not revealed."""
    delivery = visible_deliveries(user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery
