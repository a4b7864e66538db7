"""What every append-only history table (task events, application events, the audit trail)
shares: a queryset that refuses bulk changes, and the database triggers that refuse them to
anyone who goes around the application."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: history rows are written once and never changed."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only.")


class HistoryEvent(models.Model):
    """The columns an event table shares: who, when, the values before and after, a note; the
    append-only queryset; oldest first. A subclass adds what the event is of and its kinds."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION qingdan_append_only() RETURNS trigger AS $$
BEGIN
  -- TG_ARGV[0]: rows older than this many days may be deleted (the prune job); 0: never.
  IF TG_OP = 'DELETE' AND TG_ARGV[0]::int > 0
     AND OLD.at < now() - make_interval(days => TG_ARGV[0]::int) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def append_only_triggers(schema_editor, table: str, *, prunable_after_days: int = 0) -> None:
    """Make the database itself refuse UPDATE and DELETE on ``table`` (a migration's RunPython).

    PostgreSQL: a row trigger refusing both, except DELETE of rows older than
    ``prunable_after_days`` (the audit trail's retention job). SQLite: a trigger refusing
    UPDATE; deleting is left to the hash chain to reveal, because Django empties SQLite tables
    with DELETE between transactional tests, and SQLite has no roles to keep the application
    from dropping a trigger anyway.
    """
    vendor = schema_editor.connection.vendor
    name = f"{table}_append_only"
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION qingdan_append_only('{int(prunable_after_days)}')"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: UPDATE refused'); END"
        )


def append_only_triggers_drop(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    name = f"{table}_append_only"
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
