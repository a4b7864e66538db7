"""Fewer indexes for an import and its publish to keep up (issue 16): 18 on tasks_task were.

Every task an import writes and every task a publish rewrites (draft → in progress changes an
indexed column, so no HOT update) gets an entry in every index of tasks_task; its event one
in every index of tasks_taskevent, its supporting units in tasks_tasksupport's. Here:

* dropped, as another index begins with the same column and serves every lookup by it:
  tasks_task (task_list_id): the unique (task_list_id, code) and (task_list_id, status) ...;
  tasks_task (lead_unit_id): (lead_unit_id, status); tasks_taskevent (task_id):
  (task_id, at DESC). Not tasksupport's (task_id): with (task_id, unit_id) alone the API's
  prefetch of 50 tasks' supporting units turned to a scan of the table (0.09 → 0.36 ms at
  5,000 rows), for a saving an import did not show;
* the four keys to people (principal owner, leader in charge, specific owner, acknowledged
  by), empty on every imported task, indexed where set only (``WHERE key IS NOT NULL``): an
  import and its publish no longer touch them, and ``key = x`` (or ``IN``), all a person's
  deletion (SET NULL) or a lookup asks, still reads them.

The plans of the pages and of the Monday mix were compared before and after
(``benchmarks/index_plans.py``; README "Speed" under importing). On PostgreSQL each index is
built concurrently and the old one dropped concurrently once its replacement is there, so
the table keeps taking writes while the release before serves (README, "Upgrades:
migrations while serving"); backwards, the old indexes are built again the same way. On
SQLite the same indexes are dropped and made in place.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

#: (table, the index dropped, its column): another index begins with that column.
PREFIXES = (
    ("tasks_task", "tasks_task_task_list_id_140627d7", "task_list_id"),
    ("tasks_task", "tasks_task_lead_unit_id_850a9799", "lead_unit_id"),
    ("tasks_taskevent", "tasks_taskevent_task_id_bfe419b4", "task_id"),
)
#: (the partial index, the full one it replaces, the column) on tasks_task.
PEOPLE = (
    ("task_principal_owner", "tasks_task_principal_owner_id_98d676f1", "principal_owner_id"),
    ("task_leader_in_charge", "tasks_task_leader_in_charge_id_b7e97bc9", "leader_in_charge_id"),
    ("task_specific_owner", "tasks_task_specific_owner_id_79b1cffc", "specific_owner_id"),
    ("task_acknowledged_by", "tasks_task_acknowledged_by_id_9e601cbb", "acknowledged_by_id"),
)


def _build(schema_editor, name: str, table: str, column: str, partial: bool) -> None:
    """(Re)build one index: a leftover of a failed concurrent build (invalid) is dropped first."""
    quote = schema_editor.quote_name
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    where = f" WHERE {quote(column)} IS NOT NULL" if partial else ""
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {quote(name)}")
    schema_editor.execute(
        f"CREATE INDEX{concurrently} {quote(name)} ON {quote(table)} ({quote(column)}){where}"
    )


def _drop(schema_editor, name: str) -> None:
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def trim(apps, schema_editor):
    for partial, full, column in PEOPLE:
        _build(schema_editor, partial, "tasks_task", column, partial=True)
        _drop(schema_editor, full)
    for _table, index, _column in PREFIXES:
        _drop(schema_editor, index)


def restore(apps, schema_editor):
    for table, index, column in PREFIXES:
        _build(schema_editor, index, table, column, partial=False)
    for partial, full, column in PEOPLE:
        _build(schema_editor, full, "tasks_task", column, partial=False)
        _drop(schema_editor, partial)


def _key(related_name: str, verbose_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name=related_name,
        to=settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
    )


STATE = [
    migrations.AlterField(
        model_name="task", name="acknowledged_by", field=_key("+", "acknowledged by")
    ),
    migrations.AlterField(
        model_name="task",
        name="lead_unit",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="led_tasks",
            to="accounts.unit",
            verbose_name="lead unit",
        ),
    ),
    migrations.AlterField(
        model_name="task", name="leader_in_charge", field=_key("+", "leader in charge (user)")
    ),
    migrations.AlterField(
        model_name="task", name="principal_owner", field=_key("+", "principal owner (user)")
    ),
    migrations.AlterField(
        model_name="task",
        name="specific_owner",
        field=_key("owned_tasks", "specific owner (user)"),
    ),
    migrations.AlterField(
        model_name="task",
        name="task_list",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.CASCADE,
            related_name="tasks",
            to="campaigns.tasklist",
            verbose_name="list",
        ),
    ),
    migrations.AlterField(
        model_name="taskevent",
        name="task",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="events",
            to="tasks.task",
            verbose_name="task",
        ),
    ),
    *(
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q((f"{key}__isnull", False)), fields=[key], name=f"task_{key}"
            ),
        )
        for key in ("principal_owner", "leader_in_charge", "specific_owner", "acknowledged_by")
    ),
]


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("accounts", "0005_merge_20261203_1439"),
        ("campaigns", "0009_import_source_storage_external"),
        ("tasks", "0012_task_search_trgm_live"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=STATE,
            database_operations=[migrations.RunPython(trim, restore)],
        ),
    ]
