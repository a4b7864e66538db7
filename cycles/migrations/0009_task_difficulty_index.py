"""The tasks of another difficulty than the default, for the draft ranking
(``cycles.ranking.grouped``): a partial index of the task table (a few rows: each task whose
coordinator set a difficulty), so the ranking finds them without reading the table's 100,000
rows. Built concurrently on PostgreSQL while the last release serves.

The index is the ranking's, on the tasks app's table, written here in SQL: the tasks app's
models do not know it (the ranking's statement alone reads it). Its condition is the one
``Task.objects.exclude(difficulty=DIFFICULTY_DEFAULT)`` writes, with the default (1.0) of this
release: a later default would leave the index unused, never give a wrong answer."""

from django.db import migrations

NAME = "task_difficulty_not_default"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON tasks_task (id) "
            "INCLUDE (difficulty) WHERE NOT (difficulty = 1.0)"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON tasks_task (id, difficulty) "
            "WHERE NOT (difficulty = 1.0)"
        )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("cycles", "0008_round_item_report_state_index"),
        ("tasks", "0012_task_search_trgm_live"),
    ]

    operations = [migrations.RunPython(create, drop)]
