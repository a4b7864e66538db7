from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ViewOnlyAdmin
from webhooks.events import EVENTS
from webhooks.models import Subscription, WebhookDelivery, new_secret


class SubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    url = forms.URLField(
        label=Subscription._meta.get_field("url").verbose_name,
        max_length=500,
        assume_scheme="https",
        help_text=Subscription._meta.get_field("url").help_text,
    )
    new_secret = forms.BooleanField(
        label=_("make a new signing secret"),
        required=False,
        help_text=_("The receiver must then be given the new secret."),
    )

    class Meta:
        model = Subscription
        fields = ["name", "url", "events", "active", "new_secret"]

    def save(self, commit=True):
        if self.cleaned_data.get("new_secret"):
            self.instance.secret = new_secret()
        return super().save(commit=commit)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Other systems' addresses and the events they hear. The secret shows on the change page
    only, for the administrator to hand to the receiving system."""

    form = SubscriptionForm
    list_display = ["name", "address", "event_list", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    readonly_fields = ["secret", "created_at"]

    @admin.display(description=_("address"))
    def address(self, obj):
        parts = urlsplit(obj.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events or [])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyAdmin):
    """What went out, read-only (never the body: it carries task content). Sending again is
    on the 发送失败 page."""

    list_display = ["created_at", "event", "subscription", "status", "attempts", "sent_at"]
    list_filter = ["status", "event"]
    list_select_related = ["subscription"]
    fields = readonly_fields = (
        "subscription",
        "event",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body")
