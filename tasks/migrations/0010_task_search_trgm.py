"""The task search's trigram index (tasks.search), on PostgreSQL only: SQLite searches as
before; and the claimed tasks' index (the draft ranking). The expression is the one ``icontains`` on ``tasks.search.SearchText`` compiles to,
so that the planner finds the index for it."""

from django.db import migrations, models

INDEX = "task_search_trgm"
EXPRESSION = "UPPER((title || ' ' || content || ' ' || specific_owner_name)::text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON tasks_task USING gin ({EXPRESSION} gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0009_task_deadline_index"),
    ]

    operations = [
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("claimed", True)), fields=["id"], name="task_claimed"
            ),
        ),
    ]
