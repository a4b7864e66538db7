"""Notices to people and the ways they leave the system: the bell (``Notification``), email
and group robots (``RobotWebhook``), one ``Delivery`` per message on its way out."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Unit, User
from notifications.channels import Person
from notifications.webhooks import webhook_problem


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
        ACKNOWLEDGE = "acknowledge", _("Tasks to acknowledge")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The campaign the notice is about, if any: its robots hear it and its coordinators see
    # the deliveries that failed.
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
        problem = webhook_problem(self.url or "")
        if problem:
            raise ValidationError({"url": problem})
        if self.secret and self.platform == self.Platform.WECOM:
            raise ValidationError(
                {"secret": _("WeCom group robots do not sign; leave the secret empty.")}
            )


class DeliveryQuerySet(models.QuerySet):
    """The reads every delivery queue makes (see ``notifications.delivery_queue``)."""

    def due(self, now: datetime.datetime) -> "DeliveryQuerySet":
        """Pending and due (or never given a time), the longest waiting first."""
        return (
            self.filter(status=DeliveryBase.Status.PENDING)
            .filter(models.Q(next_attempt_at__lte=now) | models.Q(next_attempt_at__isnull=True))
            .order_by(models.F("next_attempt_at").asc(nulls_first=True), "pk")
        )

    def finished_before(self, cutoff: datetime.datetime) -> "DeliveryQuerySet":
        """Sent or given up, written before ``cutoff`` (pending ones are never among them)."""
        return self.filter(
            status__in=[DeliveryBase.Status.SENT, DeliveryBase.Status.FAILED],
            created_at__lt=cutoff,
        )

    def failed(self) -> "DeliveryQuerySet":
        """Given up, the newest first (发送失败)."""
        return self.filter(status=DeliveryBase.Status.FAILED).order_by("-created_at", "-id")


class DeliveryBase(models.Model):
    """One message on its way out: its state, its attempts and when it is next due. The
    notices' ``Delivery`` and webhooks' ``WebhookDelivery`` add what they carry and to whom;
    ``notifications.delivery_queue`` sends, retries, sweeps and prunes both."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

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

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class Delivery(DeliveryBase):
    """One notice on its way out by one channel to one target: an email address, or a group
    robot (one message per robot for everyone a ``notify()`` call concerns, naming them)."""

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

    class Meta(DeliveryBase.Meta):
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
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

    def __str__(self):
        return f"{self.get_channel_display()} → {self.target_label}"

    @property
    def target_label(self) -> str:
        """What a page may show: the address, or the robot's name (never its URL)."""
        return self.robot.name if self.robot is not None else self.target

    @property
    def people_named(self) -> list[Person]:
        return [Person.from_json(value) for value in self.people or []]

    @property
    def people_labels(self) -> list[str]:
        """What a page may show of the people a robot named: names and units, never the
        numbers or accounts used to @ them."""
        return [person.label for person in self.people_named]
