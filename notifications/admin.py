from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ViewOnlyAdmin
from notifications.models import Delivery, RobotWebhook


class RobotWebhookForm(forms.ModelForm):
    """The signing secret is write-only: never shown again, kept when the field is left empty."""

    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "DingTalk only: the secret (SEC...) of the robot's signing security setting. "
            "Leave empty to keep the current one."
        ),
    )
    clear_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)
    url = forms.URLField(
        label=RobotWebhook._meta.get_field("url").verbose_name,
        max_length=500,
        assume_scheme="https",
        help_text=RobotWebhook._meta.get_field("url").help_text,
    )

    class Meta:
        model = RobotWebhook
        fields = ["name", "platform", "url", "secret", "clear_secret", "unit", "campaign", "active"]

    def clean(self):
        data = super().clean()
        if data.get("clear_secret"):
            data["secret"] = ""
        elif not data.get("secret") and self.instance.pk:
            data["secret"] = self.instance.secret  # the stored one: the form has not set it yet
        return data


@admin.register(RobotWebhook)
class RobotWebhookAdmin(admin.ModelAdmin):
    """Robots of units and campaigns. Lists never show a webhook's key or signing secret."""

    form = RobotWebhookForm
    list_display = ["name", "platform", "owner", "address", "signed", "active"]
    list_filter = ["platform", "active"]
    search_fields = ["name", "unit__name", "campaign__name"]
    list_select_related = ["unit", "campaign"]
    # The campaign is a plain select: system administrators hold no permission on campaigns,
    # which the autocomplete would need.
    autocomplete_fields = ["unit"]

    @admin.display(description=_("unit or campaign"))
    def owner(self, obj):
        return obj.unit or obj.campaign

    @admin.display(description=_("webhook"))
    def address(self, obj):
        parts = urlsplit(obj.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path} …"

    @admin.display(description=_("signed"), boolean=True)
    def signed(self, obj):
        return bool(obj.secret)


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyAdmin):
    """What went out by which channel, read-only. Sending again is on the 发送失败 page."""

    list_display = ["created_at", "channel", "to", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["robot", "notification"]
    fields = readonly_fields = (
        "channel",
        "to",
        "robot",
        "people_list",
        "kind",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    date_hierarchy = "created_at"

    @admin.display(description=_("to"))
    def to(self, obj):
        return obj.target_label

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return obj.notification.get_kind_display()

    @admin.display(description=_("people named"))
    def people_list(self, obj):
        return "、".join(obj.people_labels)
