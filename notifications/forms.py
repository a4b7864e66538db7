from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_mobile, validate_wecom_userid


class NotificationSettingsForm(forms.Form):
    """The channels besides the bell. Unticked boxes are absent from a POST, hence required=False.

    The mobile number and WeCom account only let group robots @ the person; both are optional.
    """

    email = forms.BooleanField(
        label=_("Email"), required=False, widget=forms.CheckboxInput(attrs={"role": "switch"})
    )
    robot = forms.BooleanField(
        label=_("Group robots (WeCom / DingTalk)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number (DingTalk)"),
        required=False,
        # No max_length: the pattern checks the length too, and says how a number looks.
        validators=[validate_mobile],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "tel-national",
                "placeholder": "13800000000",
            }
        ),
    )
    wecom_userid = forms.CharField(
        label=_("WeCom account (userid)"),
        required=False,
        max_length=64,
        validators=[validate_wecom_userid],
        help_text=_("As in WeCom's address book (通讯录 → 账号), not your display name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
