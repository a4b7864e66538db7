"""The cockpit's counts read from one covering index (task_counts: a campaign's light counts
from ~1,200 index pages instead of ~9,700 table pages) and the reporting rate's index of
reports by time. Built concurrently on PostgreSQL: tasks and reports keep taking writes while
the release before serves (README, "Upgrades: migrations while serving")."""

from django.db import migrations, models

REPORTS = models.Index(
    fields=["submitted_at"], include=("task", "unit"), name="report_submitted_at"
)
COUNTS = models.Index(
    fields=["task_list", "status"],
    include=(
        "lead_unit",
        "category",
        "deadline",
        "ongoing",
        "progress",
        "order",
        "id",
        "handed_over_at",
        "acknowledged_at",
    ),
    name="task_counts",
)
INDEXES = (("progressreport", REPORTS), ("task", COUNTS))


def create(apps, schema_editor):
    concurrently = schema_editor.connection.vendor == "postgresql"
    for model, index in INDEXES:
        model_class = apps.get_model("tasks", model)
        if concurrently:
            schema_editor.add_index(model_class, index, concurrently=True)
        else:
            schema_editor.add_index(model_class, index)


def drop(apps, schema_editor):
    for model, index in INDEXES:
        schema_editor.remove_index(apps.get_model("tasks", model), index)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("tasks", "0010_task_search_trgm"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name=model, index=index) for model, index in INDEXES
            ],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
