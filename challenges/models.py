"""揭榜挂帅: open calls (发榜) for hard problems, the units' bids (揭榜) with the leader who
takes command (挂帅), their assessment (评榜) and the award, which creates the task.

A call belongs to a campaign and names the list its awarded task goes into. Units bid until
the claim deadline; the campaign's coordinators and the leaders score each bid against the
call's criteria and award one (or, on a split call, as many as it has places). The award
creates the task through ``tasks.services.task_create`` (lead unit, supporting units, owners,
deadline and the bid's committed targets, ``claimed``) and links it here (``Bid.task``).
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.history import HistoryEvent

if TYPE_CHECKING:
    from accounts.models import Unit


class Call(models.Model):
    """A call (榜): a hard problem published for units to claim."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for bids")
        AWARDED = "awarded", _("Awarded")
        CLOSED = "closed", _("Closed without award")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="calls",
    )
    # The list the awarded task is created in (a list of work of the campaign).
    task_list = models.ForeignKey(
        "campaigns.TaskList",
        verbose_name=_("list of the awarded task"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("problem"), max_length=300)
    goal = models.TextField(_("what is to be achieved"))
    conditions = models.TextField(_("conditions"), blank=True)
    claim_deadline = models.DateTimeField(_("bids close at"))
    complete_by = models.DateField(_("to be completed by"), null=True, blank=True)
    open_to_all = models.BooleanField(_("every unit may bid"), default=True)
    eligible_units: "models.ManyToManyField[Unit, CallUnit]" = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("units that may bid"),
        through="CallUnit",
        blank=True,
        related_name="+",
    )
    # How many bids may be awarded: 1, or more for a call split among several units.
    places = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="call_number_per_campaign"),
            models.CheckConstraint(condition=models.Q(places__gte=1), name="call_places_min_1"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def takes_bids(self, now=None) -> bool:
        """Open, and its claim deadline not passed."""
        return self.status == self.Status.OPEN and (now or timezone.now()) < self.claim_deadline


class CallUnit(models.Model):
    """A unit that may bid on a call that is not open to all."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "unit"], name="callunit_unique")]

    def __str__(self):
        return str(self.unit)


class CallTarget(models.Model):
    """A target a bid must commit to: the metric, where it stands, and the least a bid may
    promise (lower is better: the most)."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="targets"
    )
    metric = models.CharField(_("metric"), max_length=200)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=30, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    threshold = models.DecimalField(
        _("least a bid must commit to"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("target of a call")
        verbose_name_plural = _("targets of a call")
        ordering = ["call", "order", "id"]

    def __str__(self):
        return self.metric

    def accepts(self, value: Decimal) -> bool:
        """Whether a committed ``value`` reaches the threshold (any value without one)."""
        if self.threshold is None:
            return True
        if self.direction == self.Direction.LOWER:
            return value <= self.threshold
        return value >= self.threshold


class CallCriterion(models.Model):
    """What bids are assessed on (方案可行性 40 分 …), shown on the call."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("criterion"), max_length=100)
    points = models.PositiveSmallIntegerField(_("points"), validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["call", "order", "id"]

    def __str__(self):
        return f"{self.name}（{self.points}）"


class Bid(models.Model):
    """A unit's bid (揭榜) on a call: one per unit and call, withdrawn and made again in place."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        AWARDED = "awarded", _("Won")
        NOT_AWARDED = "not_awarded", _("Not won")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="bids"
    )
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="bids"
    )
    plan = models.TextField(_("plan"))
    # 挂帅: the leader who takes command (the awarded task's principal owner).
    commander = models.CharField(_("leader in command (挂帅)"), max_length=50)
    leader_in_charge = models.CharField(_("leader in charge"), max_length=50, blank=True)
    specific_owner = models.CharField(_("specific owner"), max_length=50, blank=True)
    supporting_units: "models.ManyToManyField[Unit, BidSupport]" = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("supporting units"),
        through="BidSupport",
        blank=True,
        related_name="+",
    )
    complete_by = models.DateField(_("proposed completion date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    # The task the award created: at most one per bid.
    task = models.OneToOneField(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="awarded_bid",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["call", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "unit"], name="bid_one_per_unit_and_call"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.call}"


class BidSupport(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="supports")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bid", "unit"], name="bidsupport_unique")]

    def __str__(self):
        return str(self.unit)


class BidTarget(models.Model):
    """The value a bid commits to for one of the call's targets."""

    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="targets"
    )
    target = models.ForeignKey(
        CallTarget, verbose_name=_("target"), on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(_("committed value"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("committed target")
        verbose_name_plural = _("committed targets")
        ordering = ["bid", "target__order", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "target"], name="bidtarget_unique"),
        ]

    def __str__(self):
        return f"{self.target}: {self.value.normalize():f}"


class Assessment(models.Model):
    """One assessor's scores of one bid (评榜), per criterion, and a comment; changed in place."""

    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # criterion id (as text) → points given
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=1)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["bid", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "assessor"], name="assessment_one_per_assessor"),
        ]

    def __str__(self):
        return f"{self.assessor}: {self.total.normalize():f}"


class CallEvent(HistoryEvent):
    """Append-only history of a call: published, each bid, withdrawal, assessment, award."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("Published")
        BID = "bid", _("Bid submitted")
        BID_CHANGED = "bid_changed", _("Bid changed")
        WITHDRAWN = "withdrawn", _("Bid withdrawn")
        ASSESSED = "assessed", _("Bid assessed")
        AWARDED = "awarded", _("Bid awarded")
        CLOSED = "closed", _("Call closed")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="events"
    )
    bid = models.ForeignKey(
        Bid,
        verbose_name=_("bid"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta(HistoryEvent.Meta):
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
