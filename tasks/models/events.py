"""TaskEvent: the append-only history of every change to a task."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.history import AppendOnlyQuerySet
from tasks.models.task import Task


class TaskEventQuerySet(AppendOnlyQuerySet):
    pass


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
        INSTRUCTION_URGED = "instruction_urged", _("Instruction urged")
        REPORT_EDITED = "report_edited", _("Report edited")
        RATED = "rated", _("Monthly rating")
        EXCUSED = "excused", _("Rating excused (fault tolerance)")
        FOLLOWUP_RECORDED = "followup_recorded", _("Follow-up recorded")
        IMPORTED = "imported", _("Imported")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the lead unit")
        ACK_REMINDED = "ack_reminded", _("Lead unit reminded to acknowledge")

    # PROTECT both ways: a task with history cannot be deleted (it is closed or archived), and
    # a person who wrote history is deactivated, never deleted; the database also refuses to
    # change or delete these rows (migration 0004).
    # Indexed by (task, -at), which begins with it (tasks migration 0013).
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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
