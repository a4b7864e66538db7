"""Incentive and penalty measures (激励惩戒措施) and their register.

A measures list's lines stay ``tasks.Task`` rows (imported, exported and re-imported like any
list) but are not work. ``Measure`` adds what a line means here: its kind and, optionally, the
rule that proposes it after each certified month. ``Application`` is one application of a
measure to a unit or a person: proposed by a rule or added by hand, then applied or dropped.
``ApplicationEvent`` is its append-only history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.history import AppendOnlyQuerySet


class MeasureKind(models.TextChoices):
    PRAISE = "praise", _("Commendation (表彰/通报表扬)")
    REWARD = "reward", _("Special reward (专项奖励)")
    CRITICISM = "criticism", _("Public criticism (通报批评/黑榜)")
    TALK = "talk", _("Admonitory talk (约谈)")
    ACCOUNTABILITY = "accountability", _("Accountability (问责)")
    TOLERANCE = "tolerance", _("Fault tolerance (容错免责)")
    OTHER = "other", _("Other")


#: 红榜 and 黑榜 of the monthly bulletin.
INCENTIVES = (MeasureKind.PRAISE, MeasureKind.REWARD)
PENALTIES = (MeasureKind.CRITICISM, MeasureKind.TALK, MeasureKind.ACCOUNTABILITY)


class MeasureRule(models.TextChoices):
    NONE = "", _("None (applied by hand)")
    BEHIND_RUNNING = "behind_running", _("Rated behind N months running")
    NOT_COMPLETED = "not_completed", _("Not completed at month end")
    TOP_SCORE = "top_score", _("Among the top N scores")
    LOW_REPORTING = "low_reporting", _("Reporting rate below N % this month")
    RED_BOARD = "red_board", _("On the ranking's 红榜 (by the campaign's ranking formula)")
    BLACK_BOARD = "black_board", _("On the ranking's 黑榜 (by the campaign's ranking formula)")


#: Each rule's number when the coordinator gives none.
RULE_DEFAULTS = {
    MeasureRule.BEHIND_RUNNING: 2,
    MeasureRule.NOT_COMPLETED: 0,
    MeasureRule.TOP_SCORE: 3,
    MeasureRule.LOW_REPORTING: 80,
    MeasureRule.RED_BOARD: 0,
    MeasureRule.BLACK_BOARD: 0,
}


class Measure(models.Model):
    """What a line of a measures list is: its kind and the rule (if any) that proposes it. The
    line belongs to one list of one campaign, so the rule's number is the campaign's own."""

    line = models.OneToOneField(
        "tasks.Task", verbose_name=_("line"), on_delete=models.CASCADE, related_name="measure"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    rule = models.CharField(
        _("rule"), max_length=20, choices=MeasureRule.choices, blank=True, default=""
    )
    number = models.PositiveSmallIntegerField(_("rule's number"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["line__order", "line_id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.line_id}"

    @property
    def rule_number(self) -> int:
        """The rule's number: the coordinator's, else the rule's default."""
        if self.number is not None:
            return self.number
        return RULE_DEFAULTS.get(MeasureRule(self.rule), 0) if self.rule else 0


class Application(models.Model):
    """One application of a measure to a unit, or to a person of a unit (the register's row)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPLIED = "applied", _("Applied")
        DROPPED = "dropped", _("Dropped")

    class Origin(models.TextChoices):
        RULE = "rule", _("Proposed by a rule")
        HAND = "hand", _("Added by hand")

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="applications"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="measure_applications",
    )
    month = models.DateField(_("month"), null=True, blank=True)  # first day; a rule's month
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # "u<unit id>" or "p<person id>": what a rule proposed it to, for the unique constraint
    # (kept as proposed when the coordinator changes the target, so it is not proposed again).
    target_key = models.CharField(max_length=30)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    grounds = models.TextField(_("grounds"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    tasks = models.ManyToManyField(
        "tasks.Task", verbose_name=_("tasks behind it"), blank=True, related_name="+"
    )
    review = models.ForeignKey(
        "cycles.MonthlyReview",
        verbose_name=_("certified month"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 容错免责: the task's rating of a month it excuses (left out of the unit's figures).
    excused_item = models.ForeignKey(
        "cycles.ReviewItem",
        verbose_name=_("excused rating"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("measure application")
        verbose_name_plural = _("measure applications")
        ordering = ["-month", "-created_at", "-id"]
        constraints = [
            # A rule proposes a measure to a target once per month, whatever happens next.
            models.UniqueConstraint(
                fields=["measure", "month", "target_key"],
                condition=Q(origin="rule"),
                name="application_rule_once_per_month_target",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status", "unit"])]

    def __str__(self):
        return f"{self.measure} → {self.target_key} {self.month or ''}"


class ApplicationEvent(models.Model):
    """Append-only: every proposal, addition by hand, edit, confirmation and drop."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ADDED = "added", _("Added by hand")
        EDITED = "edited", _("Edited")
        APPLIED = "applied", _("Applied")
        DROPPED = "dropped", _("Dropped")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # who wrote history is deactivated, never deleted
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Application events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Application events are append-only.")
