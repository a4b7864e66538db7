from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationSettingsForm(forms.Form):
    """The channels besides the bell. Unticked boxes are absent from a POST, hence required=False."""

    email = forms.BooleanField(
        label=_("Email"), required=False, widget=forms.CheckboxInput(attrs={"role": "switch"})
    )
    robot = forms.BooleanField(
        label=_("Group robots (WeCom / DingTalk)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )
