"""Who may do what with webhooks: the system administrator (and superusers) subscribe
addresses in the admin, and see and send again the deliveries that gave up. Nobody else sees
them: a delivery's body carries task content, which the 发送失败 page never shows (三员分立:
the administrator sees the event's name, the address's name and the error only)."""

from django.http import Http404

from accounts.models import Role, User
from notifications.models import DeliveryQuerySet
from webhooks.models import WebhookDelivery

ROLE_ADMIN_PERMISSIONS: dict[str, list[str]] = {
    Role.SYSADMIN: [
        *(f"webhooks.{action}_subscription" for action in ("add", "change", "delete", "view")),
        "webhooks.view_webhookdelivery",
    ],
}


def can_manage_webhooks(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_role(Role.SYSADMIN))
    )


def visible_webhook_deliveries(user: User) -> DeliveryQuerySet:
    if not can_manage_webhooks(user):
        return WebhookDelivery.objects.none()
    return WebhookDelivery.objects.all()


def access_webhook_delivery(user: User, pk: int) -> WebhookDelivery:
    """The delivery if ``user`` may see it; 404 otherwise."""
    delivery = visible_webhook_deliveries(user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery
