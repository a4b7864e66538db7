from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.channels import MOBILE_PATTERN, WECOM_USERID_PATTERN, Person


class Unit(models.Model):
    """A government body. Units form a tree: city › district › bureau / town › community."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        BUREAU = "bureau", _("Bureau")
        TOWN = "town", _("Town / sub-district")
        COMMUNITY = "community", _("Community")
        PARTY = "party", _("Party organ")
        OTHER = "other", _("Other")

    name = models.CharField(_("full name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BUREAU)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class UnitAlias(models.Model):
    """Another name a unit goes by in published lists (区住建局 for 区住房城乡建设局)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="aliases"
    )
    alias = models.CharField(_("alias"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")
        ordering = ["alias"]

    def __str__(self):
        return self.alias


class Role(models.TextChoices):
    STAFF = "staff", _("Unit staff")
    HEAD = "head", _("Unit head")
    COORDINATOR = "coordinator", _("Coordinator")
    LEADER = "leader", _("Leader")
    AUDITOR = "auditor", _("Auditor")
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")


BUSINESS_ROLES = frozenset({Role.STAFF, Role.HEAD, Role.COORDINATOR, Role.LEADER})

validate_mobile = RegexValidator(
    MOBILE_PATTERN,
    _("Enter a mainland mobile number: 11 digits starting with 13–19, such as 13800000000."),
    code="invalid_mobile",
)
# A handle belongs to one person (User's constraints; the settings service says it first).
HANDLE_TAKEN = {
    "mobile": _(
        "This mobile number is registered to another person. If it is yours, ask the "
        "system administrator."
    ),
    "wecom_userid": _(
        "This WeCom account is registered to another person. If it is yours, ask the "
        "system administrator."
    ),
}
validate_wecom_userid = RegexValidator(
    WECOM_USERID_PATTERN,
    _("A WeCom account may contain only letters, digits and the characters . _ @ -."),
    code="invalid_wecom_userid",
)


class User(AbstractUser):
    """A person. Belongs to one unit and holds one or more roles (see ``UserRole``)."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Only for @-mentioning the person in group robots (DingTalk by mobile, WeCom by account).
    # Shown to the person and to system administrators, on no other page.
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        blank=True,
        validators=[validate_mobile],
        help_text=_("Used only to @ the person in DingTalk group robots."),
    )
    wecom_userid = models.CharField(
        _("WeCom account"),
        max_length=64,
        blank=True,
        validators=[validate_wecom_userid],
        help_text=_(
            "The person's account (userid) in WeCom's address book, used only to @ them in "
            "WeCom group robots."
        ),
    )
    # The channels a person chose besides the in-app notice, which is always on (通知设置).
    notify_by_email = models.BooleanField(_("notices by email"), default=True)
    notify_by_robot = models.BooleanField(_("notices in group robots"), default=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        # One person per handle: nobody can have a robot @ someone else on their notices by
        # typing that person's number or account (or two people share one by mistake).
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=~models.Q(mobile=""),
                name="user_mobile_unique",
                violation_error_message=HANDLE_TAKEN["mobile"],
            ),
            models.UniqueConstraint(
                fields=["wecom_userid"],
                condition=~models.Q(wecom_userid=""),
                name="user_wecom_userid_unique",
                violation_error_message=HANDLE_TAKEN["wecom_userid"],
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return any(role in self.role_set for role in roles)

    @property
    def has_business_role(self) -> bool:
        return bool(self.role_set & BUSINESS_ROLES)


class UserRole(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="userrole_unique_per_user"),
        ]

    def __str__(self):
        return self.get_role_display()


class Heartbeat(models.Model):
    """When each background process last proved it was alive (shown on /healthz)."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class Channel(models.TextChoices):
    """How a notice leaves the system besides the bell (which is always written)."""

    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class Notification(models.Model):
    """A message to one person, shown in the bell of every page (always) and sent on by the
    channels the person chose: email, and the group robots of their unit and of the campaign
    it concerns (see ``Delivery``)."""

    class Kind(models.TextChoices):
        REQUEST_DECIDED = "request_decided", _("Request decided")
        REQUEST_MADE = "request_made", _("New request")
        INSTRUCTION = "instruction", _("New instruction")
        INSTRUCTION_ANSWERED = "instruction_answered", _("Instruction answered")
        REPORT_CONFIRMED = "report_confirmed", _("Report confirmed")
        REPORT_TO_CONFIRM = "report_to_confirm", _("Report to confirm")
        DIGEST = "digest", _("Weekly dispatch")
        REVIEW = "review", _("Monthly sign-off")
        FOLLOWUP = "followup", _("Follow-up due")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The campaign the notice is about, if any: its robots hear it and its coordinators see
    # the deliveries that failed. accounts points at campaigns here by name only (see README).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title


class RobotWebhook(models.Model):
    """A group chat's robot (企业微信群机器人 / 钉钉自定义机器人). It belongs to a unit (it hears
    the notices of the unit's people) or to a campaign (it hears the notices about the
    campaign), never both."""

    class Platform(models.TextChoices):
        WECOM = Channel.WECOM.value, _("WeCom")
        DINGTALK = Channel.DINGTALK.value, _("DingTalk")

    name = models.CharField(
        _("name"), max_length=100, help_text=_("The group chat the robot posts to.")
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    url = models.URLField(
        _("webhook URL"),
        max_length=500,
        help_text=_("Copied from the robot's settings in the group chat. Keep it private."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only: the secret (SEC...) when the robot's security setting signs."),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="robots",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="robots",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False, campaign__isnull=True)
                | models.Q(unit__isnull=True, campaign__isnull=False),
                name="robotwebhook_unit_xor_campaign",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if (self.unit_id is None) == (self.campaign_id is None):
            raise ValidationError(_("Choose either a unit or a campaign for the robot."))
        if self.secret and self.platform == self.Platform.WECOM:
            raise ValidationError(
                {"secret": _("WeCom group robots do not sign; leave the secret empty.")}
            )


class Delivery(models.Model):
    """One notice on its way out by one channel to one target: an email address, or a group
    robot (one message per robot for everyone a ``notify()`` call concerns, naming them)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    target = models.CharField(
        pgettext_lazy("delivery", "target"), max_length=254
    )  # the address, or "robot:<id>"
    robot = models.ForeignKey(
        RobotWebhook,
        verbose_name=_("group robot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # What the robot needs to name each person, taken when the notice was written (see
    # ``channels.Person``): name, unit, and the mobile (DingTalk) or WeCom account (WeCom).
    # Rows written before mentions hold plain labels ("张三（区大数据局）"); both are read.
    people = models.JSONField(_("people named"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When a pending delivery is due. While a worker sends, it lies a little ahead (a lease):
    # other workers leave the row alone, and the sweep takes it up again if that worker died.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "target"], name="delivery_unique_per_target"
            ),
            models.CheckConstraint(
                condition=models.Q(channel=Channel.EMAIL, robot__isnull=True)
                | (~models.Q(channel=Channel.EMAIL) & models.Q(robot__isnull=False)),
                name="delivery_robot_iff_robot_channel",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.target_label}"

    @property
    def target_label(self) -> str:
        """What a page may show: the address, or the robot's name (never its URL)."""
        return self.robot.name if self.robot_id else self.target

    @property
    def people_named(self) -> list[Person]:
        return [Person.from_json(value) for value in self.people or []]

    @property
    def people_labels(self) -> list[str]:
        """What a page may show of the people a robot named: names and units, never the
        numbers or accounts used to @ them."""
        return [person.label for person in self.people_named]
