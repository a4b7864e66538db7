"""一表填报: a unit's filled-in sheet of owed reports, kept from its upload to its confirmation.

The rows are stored as checked (what each becomes, and every error by row and column), so the
preview costs nothing to show again; confirming checks them again against the database and
writes every report in one transaction, or none.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportUpload(models.Model):
    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed: reports written")

    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="report_uploads",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    # The file's SHA-256: the same file confirmed twice for a unit writes once (constraint).
    sha256 = models.CharField(_("content hash"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKED
    )
    # One entry per row of the sheet: what it becomes and its errors (reporting.checking).
    rows = models.JSONField(_("rows"), default=list)
    # Column header → its letter in the sheet, for errors found again at confirmation.
    letters = models.JSONField(_("columns"), default=dict)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    written = models.PositiveIntegerField(_("reports written"), default=0)

    class Meta:
        verbose_name = _("bulk report upload")
        verbose_name_plural = _("bulk report uploads")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "sha256"],
                condition=models.Q(status="confirmed"),
                name="reportupload_file_confirmed_once",
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.filename}"

    @property
    def errors(self) -> list[dict]:
        """Every error of every row, in sheet order."""
        return [
            {"row": row["row"], **error} for row in self.rows for error in row.get("errors", [])
        ]

    def _count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.get("action") == action)

    @property
    def count_create(self) -> int:
        """Rows that become a new report."""
        return self._count("create")

    @property
    def count_edit(self) -> int:
        """Rows that correct the unit's report of this round."""
        return self._count("edit")

    @property
    def count_unchanged(self) -> int:
        """Rows that say what the round's report says already."""
        return self._count("unchanged")

    @property
    def count_empty(self) -> int:
        """Rows left empty: not reported this time."""
        return self._count("empty")
