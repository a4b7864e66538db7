"""The cycles of a campaign: the weekly dispatch (一周一调度) and the monthly sign-off (一月一认定).

Exactly-once comes from here: one round per campaign and week, one digest per person, round
and kind, one review per campaign and month — unique constraints on rows written before
anything is sent.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cycles.formula_models import (  # noqa: F401  (the formula's models, found by Django here)
    FORMULA_SETTINGS,
    DifficultyMode,
    RankingFormula,
    RankingFormulaEvent,
)


class DispatchRound(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="rounds",
    )
    week_start = models.DateField(_("week of"))  # the Monday of the ISO week, local time
    opens_at = models.DateTimeField(_("opens at"))
    due_at = models.DateTimeField(_("reports due at"))
    reminder_at = models.DateTimeField(_("second reminder at"))
    closes_at = models.DateTimeField(_("closes at"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The weekly bulletin (通报), computed once when the round closes.
    result = models.JSONField(_("bulletin"), default=dict, blank=True)
    # What its page reads (cycles.bulletin_store): kilobytes, the lists as BulletinLine rows.
    summary = models.JSONField(_("bulletin summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("dispatch round")
        verbose_name_plural = _("dispatch rounds")
        ordering = ["-week_start", "campaign_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "week_start"], name="round_one_per_campaign_week"
            ),
        ]

    def __str__(self):
        year, week, _day = self.week_start.isocalendar()
        return f"{self.campaign} {year}-W{week:02d}"

    @property
    def iso_label(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}年第{week}周"


class RoundItem(models.Model):
    """One open task owing one report from its lead unit in a round."""

    class ReportState(models.TextChoices):
        # The values are the ranking's (``cycles.ranking.compute``: ON_TIME, LATE, MISSING).
        ON_TIME = "on_time", _("Reported on time")
        LATE = "late", _("Reported late")
        MISSING = "missing", _("Not reported")

    round = models.ForeignKey(DispatchRound, on_delete=models.CASCADE, related_name="items")
    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="round_items")
    lead_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    # Whether the lead unit's report came: by the due time, before the close, or not (yet).
    # Written with the report, in its transaction (``cycles.services.owed``), and when the
    # round opens: the draft ranking counts it through an index instead of reading the
    # month's reports again; "why this score" and certifying still read the reports.
    report_state = models.CharField(
        _("report"), max_length=10, choices=ReportState.choices, default=ReportState.MISSING
    )

    class Meta:
        verbose_name = _("task owed in a round")
        verbose_name_plural = _("tasks owed in rounds")
        constraints = [
            models.UniqueConstraint(fields=["round", "task"], name="rounditem_unique"),
        ]
        indexes = [
            # A round's reports owed, by lead unit, matched to the reports made: index-only.
            models.Index(fields=["round", "lead_unit", "task"], name="rounditem_round_unit_task"),
            # The draft ranking's weekly reports owed, counted per unit and state: index-only.
            models.Index(
                fields=["round", "lead_unit", "report_state"], name="rounditem_report_state"
            ),
        ]

    def __str__(self):
        return f"{self.round} {self.task_id}"


class BulletinLine(models.Model):
    """One task of one list (red, overdue, late, closed) of a closed round's bulletin, in its
    order; the whole bulletin stays in ``DispatchRound.result`` (the .xlsx, the API)."""

    round = models.ForeignKey(DispatchRound, models.CASCADE, related_name="bulletin_lines")
    section = models.CharField(max_length=10)
    position = models.PositiveIntegerField()
    # The task as it was named; no constraint: a bulletin keeps naming a task deleted since.
    task = models.ForeignKey(
        "tasks.Task", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    row = models.JSONField()

    class Meta:
        verbose_name = _("task in a weekly bulletin")
        verbose_name_plural = _("tasks in weekly bulletins")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "section", "position"], name="bulletinline_unique"
            ),
        ]
        # A unit's reader: the lines of the tasks they may open, found task by task.
        indexes = [models.Index(fields=["round", "task", "section"], name="bulletinline_task")]

    def __str__(self):
        return f"{self.round_id} {self.section} {self.position}"


class Digest(models.Model):
    """One message to one person about all their tasks in a round: written before it is sent."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Round opened")
        REMINDER = "reminder", _("Second reminder")
        ESCALATION = "escalation", _("Overdue and red tasks, to the unit head")

    round = models.ForeignKey(DispatchRound, on_delete=models.CASCADE, related_name="digests")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    task_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "recipient", "kind"], name="digest_one_per_person_round_kind"
            ),
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"


class Rating(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")


class MonthlyReview(models.Model):
    """The sign-off (认定) of one campaign's month. Certified, the month is locked."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CERTIFIED = "certified", _("Certified")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    month = models.DateField(_("month"))  # first day of the month reviewed
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("certified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    # The ranking formula the month was certified with (``RankingFormula.as_json()``, and its
    # version): later changes to the campaign's formula never alter a certified ranking.
    formula = models.JSONField(_("ranking formula used"), default=dict, blank=True)
    formula_version = models.PositiveIntegerField(_("formula version"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly review")
        verbose_name_plural = _("monthly reviews")
        ordering = ["-month", "campaign_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "month"], name="review_one_per_campaign_month"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} {self.month:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"


class ReviewItem(models.Model):
    review = models.ForeignKey(MonthlyReview, on_delete=models.CASCADE, related_name="items")
    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="review_items")
    lead_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    proposed = models.CharField(_("proposed rating"), max_length=20, choices=Rating.choices)
    reason = models.CharField(_("why"), max_length=300)
    reports = models.PositiveSmallIntegerField(_("reports in the month"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress at month end"), default=0)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # 容错免责: an excused line keeps its rating but leaves the unit's figures and rank
    # (``cycles.services.review_item_excuse``); why is in the task's history.
    excused_at = models.DateTimeField(_("excused at"), null=True, blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    excuse_reason = models.CharField(_("why excused"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("task in a review")
        verbose_name_plural = _("tasks in reviews")
        ordering = ["review", "task__task_list__order", "task__order", "task_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "task"], name="reviewitem_unique"),
        ]
        indexes = [
            # The review page's counts per unit and rating, read from the index alone.
            models.Index(fields=["review", "lead_unit", "rating"], name="reviewitem_unit_rating"),
        ]

    def __str__(self):
        return f"{self.review} {self.task_id}"


class UnitMonth(models.Model):
    """A unit's figures for a certified month: the inputs of the unit ranking (赛马)."""

    review = models.ForeignKey(MonthlyReview, on_delete=models.CASCADE, related_name="unit_figures")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    tasks = models.PositiveIntegerField(default=0)
    on_track = models.PositiveIntegerField(default=0)
    behind = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    not_completed = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    score = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(default=0)
    # The score's terms (they add up to it), as the formula of the review computed them.
    term_ratings = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    term_reporting = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    term_punctuality = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    term_targets = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    term_claimed = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    term_penalties = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    supported = models.PositiveIntegerField(_("supported tasks counted"), default=0)
    board = models.CharField(_("board"), max_length=10, blank=True)  # "red", "black" or ""
    # What the score was computed from (``cycles.ranking.UnitInputs.as_json()``): every task
    # behind each term, frozen with the month so "why this score" never changes afterwards.
    inputs = models.JSONField(default=dict, blank=True)

    # What ``cycles.ranking.selectors.review_ranking`` adds for the pages (not columns).
    unit_name: str
    previous_rank: int | None
    change: int | None
    change_label: str

    class Meta:
        verbose_name = _("unit's month")
        verbose_name_plural = _("units' months")
        ordering = ["review", "rank", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "unit"], name="unitmonth_unique"),
        ]

    def __str__(self):
        return f"{self.review} {self.unit}"
