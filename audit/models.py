"""The security audit trail (安全审计): one append-only, hash-chained table.

Nothing here imports another app of ours: every app records into it through
``audit.services.audit_record``. Rows are never changed or deleted by the application: the
queryset and the model refuse it, and the database refuses it too (a trigger installed by
migration 0002; on PostgreSQL DELETE only of rows older than the minimum retention, for the
prune job). Each row carries the hash of the one before it, so a row changed or removed
behind the application's back breaks the chain (``python manage.py audit_verify``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.history import AppendOnlyQuerySet

# However the retention is configured, rows younger than this are never pruned (等保: ≥ 180 days).
MIN_KEEP_DAYS = 180


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKOUT = "lockout", _("Account or address locked")
        UNLOCK = "unlock", _("Lock released")
        LOGOUT = "logout", _("Logout")
        SESSION_ENDED = "session_ended", _("Session ended (idle, expired or revoked)")
        SECOND_FACTOR = "second_factor", _("Second factor")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password set by an administrator")
        ACCOUNT_CHANGED = "account_changed", _("Account created or changed")
        ROLES_CHANGED = "roles_changed", _("Roles changed")
        UNIT_CHANGED = "unit_changed", _("Unit changed")
        DENIED = "denied", _("Access denied")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export or download")
        RATED = "rated", _("Monthly rating")
        CERTIFIED = "certified", _("Month certified")
        ADMIN_CHANGE = "admin_change", _("Change in the administration site")
        AUDIT_READ = "audit_read", _("Audit trail read")
        PRUNED = "pruned", _("Old audit rows pruned")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    # PROTECT: a person with audit rows can be deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The name as typed at a failed login, or the actor's username when the row was written.
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    target = models.CharField(_("what"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["at"]),
            models.Index(fields=["kind", "at"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.username} {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
