from accounts.models import User
from notifications.delivery_queue import FAILED_PAGE_SIZE
from notifications.hooks import FailedSection
from webhooks.permissions import can_manage_webhooks, visible_webhook_deliveries


def webhook_deliveries_failed(*, user: User):
    """The newest webhook deliveries that gave up, that ``user`` may see (never the body)."""
    return (
        visible_webhook_deliveries(user)
        .failed()
        .select_related("subscription")
        .defer("body")[:FAILED_PAGE_SIZE]
    )


def failed_section(user: User) -> FailedSection | None:
    """The 发送失败 page's part for webhooks (system administrators only)."""
    if not can_manage_webhooks(user):
        return None
    return FailedSection(
        template="webhooks/_failed.html",
        context={"webhook_items": webhook_deliveries_failed(user=user)},
    )
