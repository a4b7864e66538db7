"""The task search's trigram index (tasks.search), on PostgreSQL only (SQLite searches as
before), and the claimed tasks' index (the draft ranking). The trigram index's expression is
the one ``icontains`` on ``tasks.search.SearchText`` compiles to, so that the planner finds
it. Both are built concurrently on PostgreSQL: the task table keeps taking writes while the
release before serves (README, "Upgrades: migrations while serving")."""

from django.db import migrations, models

from config.indexes import add_indexes_concurrently

INDEX = "task_search_trgm"
EXPRESSION = "UPPER((title || ' ' || content || ' ' || specific_owner_name)::text)"
CLAIMED = models.Index(fields=["id"], condition=models.Q(claimed=True), name="task_claimed")


def create_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON tasks_task "
            f"USING gin ({EXPRESSION} gin_trgm_ops)"
        )


def drop_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("tasks", "0009_task_deadline_index"),
    ]

    operations = [
        migrations.RunPython(create_trigram, drop_trigram),
        add_indexes_concurrently("tasks", ("task", CLAIMED)),
    ]
