"""The ranking formula of a campaign (赛马): its terms and weights, and the history of every
change to them. Kept beside cycles.models, which imports these so Django finds them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.history import AppendOnlyQuerySet


class DifficultyMode(models.TextChoices):
    NONE = "none", _("Not used")
    WEIGHT = "weight", _("Weighs the task in the average")
    MULTIPLY = "multiply", _("Multiplies the task's points")


def _points(label, default: int, top: int = 200):
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=1,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(top))],
    )


def _threshold(label):
    return models.DecimalField(
        label,
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-1000)), MaxValueValidator(Decimal(1000))],
    )


class RankingFormula(models.Model):
    """How a campaign scores and ranks its units every month (赛马), set by its coordinators.

    A campaign without a row ranks with the defaults (``RankingFormula(campaign=…)`` unsaved),
    which give the score of before the formula existed: the ratings' points (100 / 100 / 60 /
    0) averaged over the unit's tasks. Every change is a ``RankingFormulaEvent``; certifying a
    month stores a copy with the review. The arithmetic is ``cycles.ranking.compute``.
    """

    campaign = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="ranking_formula",
    )
    points_completed = _points(_("points for completed"), 100)
    points_on_track = _points(_("points for on track"), 100)
    points_behind = _points(_("points for behind"), 60)
    points_not_completed = _points(_("points for not completed"), 0)
    difficulty_mode = models.CharField(
        _("difficulty factor"),
        max_length=10,
        choices=DifficultyMode.choices,
        default=DifficultyMode.WEIGHT,
    )
    support_weight = models.DecimalField(
        _("weight of a supported task"),
        max_digits=3,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    reporting_weight = _points(_("points for the reporting rate"), 0, 100)
    punctuality_weight = _points(_("points for punctual reporting"), 0, 100)
    targets_weight = _points(_("points for target attainment"), 0, 100)
    claimed_bonus = _points(_("bonus per claimed task"), 0, 50)
    penalty_criticism = _points(_("deduction per public criticism"), 0, 100)
    penalty_talk = _points(_("deduction per admonitory talk"), 0, 100)
    penalty_accountability = _points(_("deduction per accountability"), 0, 100)
    red_top = models.PositiveSmallIntegerField(
        _("Red board: the top N"), default=3, validators=[MaxValueValidator(50)]
    )
    red_min_score = _threshold(_("Red board: score at least"))
    black_bottom = models.PositiveSmallIntegerField(
        _("Black board: the bottom N"), default=0, validators=[MaxValueValidator(50)]
    )
    black_max_score = _threshold(_("Black board: score below"))
    version = models.PositiveIntegerField(default=0)  # 0: the defaults, never changed
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ranking formula")
        verbose_name_plural = _("ranking formulas")

    def __str__(self):
        return f"{self.campaign} v{self.version}"

    def as_json(self) -> dict:
        """The settings as JSON values (decimals as strings), as stored with a certified
        review and in the history."""
        return {
            name: _json(getattr(self, name), self._meta.get_field(name))
            for name in FORMULA_SETTINGS
        }


#: What a coordinator sets, in the order the page and the bulletin give them.
FORMULA_SETTINGS = (
    "points_completed",
    "points_on_track",
    "points_behind",
    "points_not_completed",
    "difficulty_mode",
    "support_weight",
    "reporting_weight",
    "punctuality_weight",
    "targets_weight",
    "claimed_bonus",
    "penalty_criticism",
    "penalty_talk",
    "penalty_accountability",
    "red_top",
    "red_min_score",
    "black_bottom",
    "black_max_score",
)


def _json(value, model_field):
    """A setting as JSON: a decimal as a string with its field's places ("90.0"), so that
    the same setting always reads the same, however it was typed."""
    if value is None or not isinstance(model_field, models.DecimalField):
        return value
    return str(Decimal(value).quantize(Decimal(1).scaleb(-model_field.decimal_places)))


class RankingFormulaEvent(models.Model):
    """Append-only: each change of a campaign's ranking formula, who made it and when, with
    the settings before and after (only those that changed)."""

    formula = models.ForeignKey(RankingFormula, on_delete=models.CASCADE, related_name="events")
    version = models.PositiveIntegerField(_("version"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("why"), max_length=300, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ranking formula change")
        verbose_name_plural = _("ranking formula changes")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["formula", "version"], name="formula_event_version"),
        ]

    def __str__(self):
        return f"{self.formula} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Ranking formula events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ranking formula events are append-only.")
