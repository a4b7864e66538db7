"""The task search's trigram index (migration 0010) holds live tasks only, not a draft list's.

An import writes a new list as drafts, and publishing rewrites every task (draft → in
progress), which gives each task a new row version and so new entries in every index. The
trigram index was the costliest of them (about two thirds of the tasks' INSERT: some 63
trigrams a task), and it was paid twice: when the draft was written and again when it was
published. Now it is paid once, on publishing, and never for a draft that is discarded.
The search of a draft list's tasks (its coordinators' review) still finds them: it reads a
draft's few tasks through the index of status (``tasks.search.word_q``).

Built concurrently on PostgreSQL under a new name, the old index dropped concurrently, then
the new one takes the old name: the table keeps taking writes while the release before
serves (README, "Upgrades: migrations while serving"). SQLite has no such index.
"""

from django.db import migrations

INDEX = "task_search_trgm"
BUILDING = "task_search_trgm_live"
EXPRESSION = "UPPER((title || ' ' || content || ' ' || specific_owner_name)::text)"
LIVE = "status <> 'draft'"


def _replace(schema_editor, condition: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    where = f" WHERE {condition}" if condition else ""
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {BUILDING}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {BUILDING} ON tasks_task "
        f"USING gin ({EXPRESSION} gin_trgm_ops){where}"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER INDEX {BUILDING} RENAME TO {INDEX}")


def live_only(apps, schema_editor):
    _replace(schema_editor, LIVE)


def every_task(apps, schema_editor):
    _replace(schema_editor, "")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("tasks", "0011_cockpit_count_indexes"),
    ]

    operations = [
        migrations.RunPython(live_only, every_task),
    ]
