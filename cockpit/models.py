"""The cockpit's own rows: a campaign's figures week by week (the trend), and the big-screen
links (大屏) with the record of their use. Everything else the cockpit shows is counted live
from the tasks, rounds and reviews."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WeekSnapshot(models.Model):
    """A campaign's figures for one dispatch week, as they stood when its round closed.

    Stored once per campaign and week (a unique constraint) when the round closes, from the
    round's own rows and bulletin; weeks before the cockpit existed are reconstructed from the
    history (``TaskEvent``, ``ProgressReport``) by ``snapshots_backfill`` with the same rules,
    so both give the same numbers. ``as_of`` is the instant they describe."""

    class Source(models.TextChoices):
        ROUND = "round", _("Stored when the round closed")
        HISTORY = "history", _("Reconstructed from the history")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="week_snapshots",
    )
    week_start = models.DateField(_("week of"))
    as_of = models.DateTimeField(_("as of"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    owed = models.PositiveIntegerField(_("reports owed"), default=0)
    reported = models.PositiveIntegerField(_("reports made"), default=0)
    late = models.PositiveIntegerField(_("late reports"), default=0)
    rate = models.DecimalField(_("reporting rate"), max_digits=4, decimal_places=1, default=0)
    red = models.PositiveIntegerField(_("red"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    yellow = models.PositiveIntegerField(_("yellow"), default=0)
    closed = models.PositiveIntegerField(_("closed that week"), default=0)
    progress = models.DecimalField(_("average progress"), max_digits=4, decimal_places=1, default=0)
    # Each lead unit's reporting that week: {"<unit id>": [owed, reported, on time]}, what the
    # unit table (last month) and a unit's page (week by week) read instead of counting every
    # round's reports again.
    units = models.JSONField(_("reporting by unit"), default=dict, blank=True)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    round_id: int | None = None  # its round, when read with ``cockpit.selectors.trend``
    month_units: dict | None = None  # ``units``, when ``trend`` reads a month's weeks with them

    class Meta:
        verbose_name = _("weekly snapshot")
        verbose_name_plural = _("weekly snapshots")
        ordering = ["campaign", "week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "week_start"], name="snapshot_one_per_campaign_week"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} {self.week_start}"

    @property
    def label(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    FIGURES = (
        *("owed", "reported", "late", "rate", "red", "overdue", "yellow", "closed", "progress"),
        "units",
    )

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in self.FIGURES}


class Screen(models.Model):
    """A big-screen link (大屏): a long random token that opens a read-only kiosk view of some
    campaigns. Only the token's SHA-256 is stored; the link is shown once, when it is made."""

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    campaigns = models.ManyToManyField(
        "campaigns.Campaign", verbose_name=_("campaigns"), related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("big-screen link")
        verbose_name_plural = _("big-screen links")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScreenUse(models.Model):
    """Every use of a big-screen link: per day, address and browser, how often, first and last.
    (A wall display reloads every minute; a row per load would grow without end.)"""

    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="uses")
    day = models.DateField(_("day"))
    address = models.CharField(_("address"), max_length=45, blank=True)  # "" rather than NULL
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("times"), default=0)
    first_at = models.DateTimeField(_("first"))
    last_at = models.DateTimeField(_("last"))

    class Meta:
        verbose_name = _("use of a big-screen link")
        verbose_name_plural = _("uses of big-screen links")
        ordering = ["-last_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["screen", "day", "address", "user_agent"], name="screenuse_unique"
            ),
        ]

    def __str__(self):
        return f"{self.screen} {self.day} {self.address}"
