from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from config.errors import RuleViolation
from config.pages import post_only
from webhooks import permissions, services


@login_required
@post_only(lambda request, pk: reverse("deliveries_failed"))
def webhook_delivery_retry(request, pk: int):
    delivery = permissions.access_webhook_delivery(request.user, pk)
    try:
        services.webhook_delivery_retry(delivery=delivery, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Sending again now."))
    return redirect("deliveries_failed")
