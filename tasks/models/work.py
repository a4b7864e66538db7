"""The work on a task: progress reports, requests, instructions, evidence, follow-ups."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.models.task import Target, Task


class ProgressReport(models.Model):
    """What a unit did on a task in a period (进展 / 反馈)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports"
    )
    period_start = models.DateField(_("week of"))
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MaxValueValidator(100)]
    )
    obstacles = models.TextField(_("obstacles"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # Where the campaign asks for it, the unit head confirms a report before it counts.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Set when the monthly sign-off of the report's month is certified: no more edits.
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["task", "-submitted_at"]),
            # The reports certifying a month will lock (the review page counts them): only the
            # unlocked ones, so the index holds the open months, not the whole history.
            models.Index(
                fields=["submitted_at"],
                include=["task"],
                condition=models.Q(locked_at__isnull=True),
                name="report_unlocked_at",
            ),
            # Who reported in a round's window (the cockpit's reporting rate): the reports
            # since the round opened, read from the index alone.
            models.Index(
                fields=["submitted_at"], include=["task", "unit"], name="report_submitted_at"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="report_percent_max_100"
            ),
        ]

    def __str__(self):
        return f"{self.task.code} {self.period_start}"

    @property
    def is_contribution(self) -> bool:
        """A supporting unit's report: seen by the lead unit, not the task's own report."""
        return self.unit_id != self.task.lead_unit_id

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ReportTargetValue(models.Model):
    """The value of one of the task's targets as a report gave it."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="target_values"
    )
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("target value in a report")
        verbose_name_plural = _("target values in reports")
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="reporttarget_unique"),
        ]

    def __str__(self):
        return f"{self.target}: {self.value}"


class TaskRequest(models.Model):
    """A lead unit asks the coordinators: close the task out, move its deadline, or hand it on."""

    class Kind(models.TextChoices):
        CLOSEOUT = "closeout", _("Close-out")
        EXTENSION = "extension", _("Extension")
        TRANSFER = "transfer", _("Transfer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="requests"
    )
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"))
    proposed_deadline = models.DateField(_("proposed deadline"), null=True, blank=True)
    proposed_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("proposed lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="task_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request of each kind per task: a second click cannot queue a duplicate.
            models.UniqueConstraint(
                fields=["task", "kind"],
                condition=models.Q(status="pending"),
                name="taskrequest_one_pending_per_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="extension") | models.Q(proposed_deadline__isnull=False),
                name="taskrequest_extension_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="transfer") | models.Q(proposed_unit__isnull=False),
                name="taskrequest_transfer_has_unit",
            ),
        ]
        indexes = [models.Index(fields=["status", "-requested_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.task.code}"


class InstructionQuerySet(models.QuerySet):
    def open(self) -> "InstructionQuerySet":
        return self.filter(answered_at__isnull=True)

    def overdue(self, today) -> "InstructionQuerySet":
        """Not answered, past their reply deadline (``reply_by`` is the last day to answer),
        on a task still being worked on: a closed task's instruction has nothing left to do."""
        return self.open().filter(
            reply_by__lt=today,
            task__status__in=[Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF],
        )


class Instruction(models.Model):
    """督办 / 批示: a leader's or the office's directive on a task; the lead unit must answer,
    by ``reply_by`` when one is given; until then it can be urged (催办)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="instructions"
    )
    text = models.TextField(_("instruction"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    reply_by = models.DateField(_("answer by"), null=True, blank=True)
    urged_at = models.DateTimeField(_("last urged at"), null=True, blank=True)
    urge_count = models.PositiveSmallIntegerField(_("times urged"), default=0)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = InstructionQuerySet.as_manager()

    class Meta:
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["task", "answered_at"])]

    def __str__(self):
        return self.text[:40]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def days_overdue(self, today) -> int:
        """Days past the reply deadline while unanswered (0: not overdue, or no deadline)."""
        if not self.is_open or self.reply_by is None or today <= self.reply_by:
            return 0
        return (today - self.reply_by).days


def evidence_path(instance, filename):
    # The server chooses the stored name; the user's file name is kept only as data.

    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file backing a report (佐证材料)."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    request = models.ForeignKey(
        "TaskRequest",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False, request__isnull=True)
                | models.Q(report__isnull=True, request__isnull=False),
                name="evidence_belongs_to_report_or_request",
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def task_id(self) -> int:
        owner = self.report or self.request
        assert owner is not None, "a check constraint ties evidence to a report or a request"
        return owner.task_id


class Followup(models.Model):
    """跟踪问效: some months after close-out the coordinator checks that the result lasts."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="followups"
    )
    due_date = models.DateField(_("follow-up on"))
    reminded_at = models.DateTimeField(_("coordinator reminded at"), null=True, blank=True)
    finding = models.TextField(_("finding"), blank=True)
    result_holds = models.BooleanField(_("the result lasts"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "due_date"], name="followup_unique"),
        ]
        indexes = [models.Index(fields=["due_date", "reminded_at"])]

    def __str__(self):
        return f"{self.task_id} {self.due_date}"
