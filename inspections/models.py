"""Inspection rounds (督查轮次) of a 是否 checklist: the units' answers, their verification by
the inspection group (督查组), and the rectification tasks (整改任务) a verified 否 creates.

A checklist's questions are ``tasks.Task`` rows of a list of kind CHECKLIST (so import,
export and re-import by number work as for any list), but they are never work: they are
answered here, round after round.
"""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.history import HistoryEvent

if TYPE_CHECKING:
    from accounts.models import Unit


class Value(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NA = "na", _("Not applicable")


class InspectionRound(models.Model):
    """One inspection of a checklist: a set of units answers its questions by a due date."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="inspection_rounds",
    )
    checklist = models.ForeignKey(
        "campaigns.TaskList",
        verbose_name=_("checklist"),
        on_delete=models.CASCADE,
        related_name="inspection_rounds",
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("answers due"))
    units: "models.ManyToManyField[Unit, RoundUnit]" = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("units"),
        through="RoundUnit",
        related_name="inspection_rounds",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # Once closed, units no longer answer; verification may still go on.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["checklist", "opened_at"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoundUnit(models.Model):
    """A unit asked to answer in a round."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("unit of a round")
        verbose_name_plural = _("units of a round")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="roundunit_unique"),
        ]

    def __str__(self):
        return f"{self.round_id}: {self.unit_id}"


class Answer(models.Model):
    """One unit's answer to one question in one round, and its verification.

    A row exists for every question that names the unit (as lead or supporting unit) from
    the moment the round opens; ``value`` stays empty until the unit answers.
    """

    class Verification(models.TextChoices):
        PENDING = "", _("Not verified")
        CONFIRMED = "confirmed", _("Confirmed")
        OVERTURNED = "overturned", _("Overturned")

    round = models.ForeignKey(
        InspectionRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "tasks.Task", verbose_name=_("question"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.CharField(_("answer"), max_length=3, choices=Value.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    verification = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, blank=True
    )
    verified_value = models.CharField(
        _("verified answer"), max_length=3, choices=Value.choices, blank=True
    )
    verify_reason = models.TextField(_("reason"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # Bumped on every write; an answer or verification from a stale page is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["round", "question__order", "question_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "question", "unit"], name="answer_unique_per_round"
            ),
            models.CheckConstraint(
                condition=models.Q(verification="") | ~models.Q(verified_value=""),
                name="answer_verified_has_value",
            ),
        ]
        indexes = [models.Index(fields=["unit", "round"])]

    def __str__(self):
        return f"{self.round_id}/{self.question_id}/{self.unit_id}"

    @property
    def is_verified(self) -> bool:
        return bool(self.verification)

    @property
    def final_value(self) -> str:
        """What counts: the verified answer once verified, else the unit's own."""
        return self.verified_value if self.verification else self.value

    def get_final_value_display(self) -> str:
        return str(Value(self.final_value).label) if self.final_value else ""


ANSWER_FILES_DIR = "inspections"


def answer_file_path(instance, filename):
    # The server chooses the stored name; the nightly file sweep knows this folder (apps.py).
    return f"{ANSWER_FILES_DIR}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class AnswerFile(models.Model):
    """Evidence for an answer (佐证材料), under the same rules as a report's files."""

    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(_("file"), upload_to=answer_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("answer file")
        verbose_name_plural = _("answer files")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class AnswerEvent(HistoryEvent):
    """Append-only history of an answer: each answer, verification and rectification."""

    class Kind(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        CONFIRMED = "confirmed", _("Verified: confirmed")
        OVERTURNED = "overturned", _("Verified: overturned")
        RECTIFICATION = "rectification", _("Rectification task created")

    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta(HistoryEvent.Meta):
        verbose_name = _("answer event")
        verbose_name_plural = _("answer events")

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Answer events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Answer events are append-only.")


class Rectification(models.Model):
    """The rectification task (整改任务) a verified 否 created: one per answer, that is per
    round, question and unit (the unique answer makes a second submit create nothing)."""

    answer = models.OneToOneField(
        Answer,
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="rectification",
    )
    task = models.OneToOneField(
        "tasks.Task",
        verbose_name=_("rectification task"),
        on_delete=models.CASCADE,
        related_name="rectification",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self):
        return str(self.task)
