"""The problem ledger (问题台账): obstacles met on the way, raised from a progress report, a
verified 否 of an inspection or an instruction (or by the office itself), and worked by the
campaign's coordinators until solved or referred.

    reported (已申报) ─assign→ coordinating (协调中) ─resolve→ resolved (已解决)
         └──────────────┴─refer→ referred (已移交: to the city, or to 纪委监委) ─answer→ (kept)
    resolved / referred ─reopen→ coordinating (or reported, when no unit was assigned)

A referral hands over the problem, never a task: the task keeps its lead unit.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.history import HistoryEvent


class Problem(models.Model):
    class State(models.TextChoices):
        # "Reported" alone is a progress report's 已报送: a problem is 已申报.
        REPORTED = "reported", pgettext_lazy("problem", "Reported")
        COORDINATING = "coordinating", _("Being coordinated")
        RESOLVED = "resolved", _("Resolved")
        REFERRED = "referred", _("Referred")

    class Source(models.TextChoices):
        REPORT = "report", _("Progress report")
        INSPECTION = "inspection", _("Inspection")
        INSTRUCTION = "instruction", _("Instruction")
        OFFICE = "office", _("Raised by the office")

    class Referral(models.TextChoices):
        CITY = "city", _("City level")
        DISCIPLINE = "discipline", _("Discipline inspection and supervision")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="problems",
    )
    title = models.CharField(_("problem"), max_length=300)
    description = models.TextField(_("details"), blank=True)
    location = models.CharField(_("where"), max_length=200, blank=True)
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    # The unit the problem concerns (the reporting unit, the answering unit, the lead unit).
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="problems"
    )
    source = models.CharField(_("raised from"), max_length=12, choices=Source.choices)
    report = models.ForeignKey(
        "tasks.ProgressReport",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    answer = models.ForeignKey(
        "inspections.Answer",
        verbose_name=_("inspection answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    instruction = models.ForeignKey(
        "tasks.Instruction",
        verbose_name=_("instruction"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)

    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REPORTED
    )
    # Coordination: the unit the office asked to solve it, and by when.
    assigned_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_problems",
    )
    due_date = models.DateField(_("to be solved by"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Referral (移交): to whom, when, and the receiving body's answer.
    referral = models.CharField(
        _("referred to"), max_length=12, choices=Referral.choices, blank=True
    )
    referred_to = models.CharField(_("receiving body"), max_length=100, blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    referral_answer = models.TextField(_("answer of the receiving body"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            models.Index(fields=["unit", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="referred", referral=""),
                name="problem_referred_says_where",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        """Not solved and not handed over: the office still works on it."""
        return self.state in (self.State.REPORTED, self.State.COORDINATING)


class ProblemEvent(HistoryEvent):
    """Append-only history of a problem: every step, who took it and when."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        ASSIGNED = "assigned", _("Assigned")
        RESOLVED = "resolved", _("Resolved")
        REFERRED = "referred", _("Referred")
        ANSWERED = "answered", _("Referral answered")
        REOPENED = "reopened", _("Reopened")

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    class Meta(HistoryEvent.Meta):
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
