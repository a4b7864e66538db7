from django.db import migrations

from config.history import append_only_triggers, append_only_triggers_drop

TABLE = "audit_auditevent"


def forwards(apps, schema_editor):
    append_only_triggers(
        schema_editor, TABLE, prunable_after_days=180
    )  # audit.models.MIN_KEEP_DAYS


def backwards(apps, schema_editor):
    append_only_triggers_drop(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
