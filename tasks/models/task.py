"""A task (one line of a list) and what hangs off it as data: units, milestones, targets."""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import WORK_KINDS
from tasks import lights

if TYPE_CHECKING:
    from accounts.models import Unit


DIFFICULTY_MIN = Decimal("0.5")
DIFFICULTY_MAX = Decimal("3.0")
DIFFICULTY_DEFAULT = Decimal("1.0")
# The task's keys to people, each indexed only where set (Task.Meta.indexes).
PEOPLE_KEYS = ("principal_owner", "leader_in_charge", "specific_owner", "acknowledged_by")


class TaskQuerySet(models.QuerySet):
    def work(self) -> "TaskQuerySet":
        """Lines that are work: rounds, reviews, lights, scores and "my tasks" count only these
        (never checklist questions or measures, see ``campaigns.models.WORK_KINDS``; never
        the lines of a draft list an import made and nobody has published yet)."""
        return self.filter(task_list__kind__in=WORK_KINDS, task_list__published_at__isnull=False)

    def awaiting_acknowledgement(self) -> "TaskQuerySet":
        """Open work handed to its lead unit and not acknowledged yet (签收)."""
        return self.work().filter(
            handed_over_at__isnull=False,
            acknowledged_at__isnull=True,
            status__in=(Task.Status.IN_PROGRESS, Task.Status.AWAITING_SIGNOFF),
        )


class Task(models.Model):
    """One line of a list (任务 / 事项)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting sign-off")
        CLOSED = "closed", _("Closed")

    # No index of its own on task_list or lead_unit: (task_list, code), (task_list, status) and
    # (lead_unit, status) begin with them and serve every lookup by either (tasks migration 0013).
    task_list = models.ForeignKey(
        "campaigns.TaskList",
        verbose_name=_("list"),
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,
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
        db_index=False,
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
        db_index=False,  # a partial index in Meta: set ones only
    )
    leader_in_charge_name = models.CharField(_("leader in charge"), max_length=50, blank=True)
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index in Meta: set ones only
    )
    specific_owner_name = models.CharField(_("specific owner"), max_length=50, blank=True)
    specific_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("specific owner (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tasks",
        db_index=False,  # a partial index in Meta: set ones only
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
    # How hard the task is, 0.5–3.0: weighs it in the unit ranking (赛马).
    difficulty = models.DecimalField(
        _("difficulty"),
        max_digits=3,
        decimal_places=1,
        default=DIFFICULTY_DEFAULT,
        validators=[MinValueValidator(DIFFICULTY_MIN), MaxValueValidator(DIFFICULTY_MAX)],
    )
    # 揭榜挂帅: the task was claimed on an open call and awarded to its lead unit's bid (the
    # call and the bid are the challenges app's: ``task.awarded_bid``). The ranking may give
    # claimed tasks a bonus.
    claimed = models.BooleanField(_("claimed on an open call"), default=False)
    # Bumped on every write; a save from a stale copy is refused (optimistic locking).
    version = models.PositiveIntegerField(default=1)

    # 签收: when the task last reached its lead unit (created, imported, transferred), and
    # whether that unit acknowledged it. Never handed over (older tasks, questions, measures):
    # nothing to acknowledge. The reminder goes once per handover (``ack_reminded_at``).
    handed_over_at = models.DateTimeField(_("handed to the lead unit at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index in Meta: set ones only
    )
    ack_reminded_at = models.DateTimeField(_("reminded to acknowledge at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=models.Q(difficulty__gte=DIFFICULTY_MIN, difficulty__lte=DIFFICULTY_MAX),
                name="task_difficulty_range",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["status", "deadline"]),
            # A list page in the list's order, a page of keys at a time (benchmarks/pages.py).
            models.Index(fields=["task_list", "order", "id"], name="task_list_order"),
            # The API's task list by deadline (ORDERINGS in api/views/task_serializers.py):
            # a page read off the index, not a sort of every visible task. Its order by code
            # is (task_list, order, id): the index above.
            models.Index(fields=["deadline", "id"], name="task_deadline_id"),
            # The cockpit's and campaign page's counts (light, overdue, 签收 by list, lead unit
            # and category) read every task of a campaign, and the drill-down and unit page
            # sort a page of their keys: from this index alone (an index-only scan, a tenth of
            # the table's pages), never the wide rows (README "Speed of the pages").
            # PostgreSQL only; elsewhere it is an index on (task_list, status).
            models.Index(
                fields=["task_list", "status"],
                include=[
                    "lead_unit",
                    "category",
                    "deadline",
                    "ongoing",
                    "progress",
                    "order",
                    "id",
                    "handed_over_at",
                    "acknowledged_at",
                ],
                name="task_counts",
            ),
            # The few tasks still waiting for their unit's acknowledgement (签收).
            models.Index(
                fields=["lead_unit", "handed_over_at"],
                condition=models.Q(handed_over_at__isnull=False, acknowledged_at__isnull=True),
                name="task_awaiting_ack",
            ),
            # The few claimed tasks (揭榜挂帅): the draft ranking asks which of a month's are,
            # twice, where it read every task for the flag.
            models.Index(fields=["id"], condition=models.Q(claimed=True), name="task_claimed"),
            # The people's keys are empty on every imported task: indexes of the set ones only
            # cost an import and its publish nothing, and still serve ``key = x`` (a person's
            # deletion setting them to NULL, a lookup by person). Tasks migration 0013.
            *(
                models.Index(
                    fields=[key],
                    condition=models.Q(**{f"{key}__isnull": False}),
                    name=f"task_{key}",
                )
                for key in PEOPLE_KEYS
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_work(self) -> bool:
        """A line of a work list (not a checklist question or a measure): see WORK_KINDS."""
        return self.task_list.is_work

    def light_on(self, today=None) -> lights.LightResult:
        return lights.task_light(
            work=self.is_work,
            deadline=self.deadline,
            ongoing=self.ongoing,
            progress=self.progress,
            status=self.status,
            today=today or timezone.localdate(),
        )

    @property
    def light(self) -> lights.LightResult:
        return self.light_on()

    @property
    def awaiting_acknowledgement(self) -> bool:
        """Handed to its lead unit, which has not acknowledged it yet (签收), and still open."""
        return (
            self.handed_over_at is not None
            and self.acknowledged_at is None
            and self.status in (self.Status.IN_PROGRESS, self.Status.AWAITING_SIGNOFF)
        )

    @property
    def acknowledgement_state(self) -> str:
        """ "" (nothing asked), "pending" (waiting for the lead unit's 签收) or "overdue"
        (waiting longer than the campaign's hours: flagged, and the unit reminded once)."""
        if not self.awaiting_acknowledgement or self.handed_over_at is None:
            return ""
        hours = self.task_list.campaign.acknowledge_within_hours
        if self.handed_over_at <= timezone.now() - datetime.timedelta(hours=hours):
            return "overdue"
        return "pending"


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
