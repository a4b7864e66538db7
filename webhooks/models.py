"""Subscriptions of other systems to the events of this one, and each event on its way out."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import DeliveryBase
from webhooks.addresses import address_problem
from webhooks.events import EVENTS


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """An HTTPS address of another system (a 政务 data exchange, a supervision platform) that
    hears some events. Set up by the system administrator; every delivery is signed with the
    subscription's secret (see ``webhooks.signing``)."""

    name = models.CharField(_("name"), max_length=100, help_text=_("The system that listens."))
    url = models.URLField(
        _("address"), max_length=500, help_text=_("Where events are posted; https only.")
    )
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        problem = address_problem(self.url or "")
        if problem:
            raise ValidationError({"url": problem})
        unknown = set(self.events or []) - set(EVENTS)
        if unknown or not self.events:
            raise ValidationError({"events": _("Choose one or more of the events listed.")})


class WebhookDelivery(DeliveryBase):
    """One event on its way to one subscription: sent, retried and swept by the notices'
    delivery queue, shown under 发送失败 when it gives up."""

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("webhook subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=40)
    body = models.TextField(_("body"))  # the exact JSON text that is signed and posted

    class Meta(DeliveryBase.Meta):
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} → {self.subscription}"
