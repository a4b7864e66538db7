"""A list's export built by a job (a list too large to write while the person waits)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ListExport(models.Model):
    """One asked-for export: who asked, which list, with which filters (the list page's query
    string), and, once the job has written it, the file in the storage (S3 or MEDIA_ROOT)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    task_list = models.ForeignKey(
        "campaigns.TaskList", on_delete=models.CASCADE, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_exports"
    )
    query = models.CharField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "task_list", "created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    def lost(self, now: datetime.datetime) -> bool:
        """Still pending long after it was asked for: its job never ran (a broker that was
        down) or died; the person asks again."""
        return self.status == self.Status.PENDING and now - self.created_at > LOST_AFTER


LOST_AFTER = datetime.timedelta(minutes=15)
