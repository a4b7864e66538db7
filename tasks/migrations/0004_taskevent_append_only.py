from django.db import migrations

from config.history import append_only_triggers, append_only_triggers_drop

TABLE = "tasks_taskevent"


def forwards(apps, schema_editor):
    append_only_triggers(schema_editor, TABLE)


def backwards(apps, schema_editor):
    append_only_triggers_drop(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0003_alter_taskevent_actor_alter_taskevent_task")]

    operations = [migrations.RunPython(forwards, backwards)]
