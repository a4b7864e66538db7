"""What a person's @-mention handles look like: a mainland mobile number (DingTalk's atMobiles)
and a WeCom account (企业微信账号, the userid in <@userid>).

The user's fields are validated against these when saved, and a robot message checks them
again before writing them into its markup. Nothing here imports models.
"""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MOBILE_PATTERN = r"^1[3-9]\d{9}\Z"
WECOM_USERID_PATTERN = r"^[A-Za-z0-9._@-]{1,64}\Z"

validate_mobile = RegexValidator(
    MOBILE_PATTERN,
    _("Enter a mainland mobile number: 11 digits starting with 13–19, such as 13800000000."),
    code="invalid_mobile",
)
validate_wecom_userid = RegexValidator(
    WECOM_USERID_PATTERN,
    _("A WeCom account may contain only letters, digits and the characters . _ @ -."),
    code="invalid_wecom_userid",
)
