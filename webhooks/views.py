from django.contrib.auth.decorators import login_required
from django.urls import reverse

from config.pages import post_only
from notifications.views import send_again
from webhooks import permissions, services


@login_required
@post_only(lambda request, pk: reverse("deliveries_failed"))
def webhook_delivery_retry(request, pk: int):
    delivery = permissions.access_webhook_delivery(request.user, pk)
    return send_again(request, retry=services.webhook_delivery_retry, delivery=delivery)
