import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks import lights

if TYPE_CHECKING:
    from accounts.models import Unit


class Task(models.Model):
    """One line of a list (任务 / 事项)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting sign-off")
        CLOSED = "closed", _("Closed")

    task_list = models.ForeignKey(
        "campaigns.TaskList", verbose_name=_("list"), on_delete=models.CASCADE, related_name="tasks"
    )
    category = models.ForeignKey(
        "campaigns.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    code = models.CharField(_("number"), max_length=30)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("task"), max_length=500)
    content = models.TextField(_("content"), blank=True)
    goal = models.TextField(_("goal"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    supporting_units: "models.ManyToManyField[Unit, TaskSupport]" = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("supporting units"),
        through="TaskSupport",
        blank=True,
        related_name="supported_tasks",
    )

    principal_owner_name = models.CharField(_("principal owner"), max_length=50, blank=True)
    principal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("principal owner (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leader_in_charge_name = models.CharField(_("leader in charge"), max_length=50, blank=True)
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    specific_owner_name = models.CharField(_("specific owner"), max_length=50, blank=True)
    specific_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("specific owner (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tasks",
    )

    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_text = models.CharField(_("deadline as written"), max_length=100, blank=True)
    ongoing = models.BooleanField(_("ongoing"), default=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    progress = models.PositiveSmallIntegerField(
        _("progress %"), default=0, validators=[MaxValueValidator(100)]
    )
    # Columns of the list that have no field of their own (service items' time limits, a
    # policy's document number ...), keyed by the header as printed.
    extra = models.JSONField(_("extra columns"), default=dict, blank=True)
    # Bumped on every write; a save from a stale copy is refused (optimistic locking).
    version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["task_list", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "code"], name="task_code_per_list"),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="task_progress_max_100"
            ),
            models.CheckConstraint(
                condition=~models.Q(ongoing=True, deadline__isnull=False),
                name="task_ongoing_has_no_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def light_on(self, today=None) -> lights.LightResult:
        return lights.task_light(
            deadline=self.deadline,
            ongoing=self.ongoing,
            progress=self.progress,
            status=self.status,
            today=today or timezone.localdate(),
        )

    @property
    def light(self) -> lights.LightResult:
        return self.light_on()


class TaskSupport(models.Model):
    """A supporting unit of a task (配合单位). Never the lead unit: see ``clean``."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="supports")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("supporting unit")
        verbose_name_plural = _("supporting units")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="tasksupport_unique"),
        ]

    def __str__(self):
        return str(self.unit)

    def clean(self):
        if self.task_id and self.unit_id and self.task.lead_unit_id == self.unit_id:
            raise ValidationError(_("The lead unit cannot also be a supporting unit."))


class Milestone(models.Model):
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=300)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateField(_("done on"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["task", "order", "due_date", "id"]

    def __str__(self):
        return self.title


class Target(models.Model):
    """A measurable goal of a task: 零跑动事项可办率 65% target, 55% now."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="targets"
    )
    metric = models.CharField(_("metric"), max_length=200)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=30, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    current_value = models.DecimalField(
        _("current value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["task", "order", "id"]

    def __str__(self):
        return self.metric

    @property
    def achieved(self) -> bool:
        if self.current_value is None:
            return False
        if self.direction == self.Direction.LOWER:
            return self.current_value <= self.target_value
        return self.current_value >= self.target_value

    @property
    def attainment(self) -> int | None:
        """How far from the baseline towards the target the current value has come, 0–100."""
        if self.current_value is None:
            return None
        if self.achieved:
            return 100
        start = self.baseline if self.baseline is not None else 0
        span = self.target_value - start
        if span == 0:
            return 0
        share = (self.current_value - start) / span
        return max(0, min(100, int(share * 100)))


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
        indexes = [models.Index(fields=["task", "-submitted_at"])]
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


class Instruction(models.Model):
    """督办 / 批示: a leader's or the office's directive on a task; the lead unit must answer."""

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


class TaskEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Task events are append-only.")

    def delete(self):
        raise TypeError("Task events are append-only.")


class TaskEvent(models.Model):
    """Append-only record of every change to a task. Services write it; nothing edits it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        STATUS_CHANGED = "status_changed", _("Status changed")
        UNITS_CHANGED = "units_changed", _("Units changed")
        REPORT_SUBMITTED = "report_submitted", _("Report submitted")
        REPORT_CONFIRMED = "report_confirmed", _("Report confirmed")
        REQUEST_MADE = "request_made", _("Request made")
        REQUEST_DECIDED = "request_decided", _("Request decided")
        INSTRUCTION_GIVEN = "instruction_given", _("Instruction given")
        INSTRUCTION_ANSWERED = "instruction_answered", _("Instruction answered")
        REPORT_EDITED = "report_edited", _("Report edited")
        RATED = "rated", _("Monthly rating")
        FOLLOWUP_RECORDED = "followup_recorded", _("Follow-up recorded")
        IMPORTED = "imported", _("Imported")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = TaskEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["task", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Task events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Task events are append-only.")
