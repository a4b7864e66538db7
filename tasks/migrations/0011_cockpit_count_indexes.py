"""The cockpit's counts read from one covering index (task_counts: a campaign's light counts
from ~1,200 index pages instead of ~9,700 table pages) and the reporting rate's index of
reports by time. Built concurrently on PostgreSQL: tasks and reports keep taking writes while
the release before serves (README, "Upgrades: migrations while serving")."""

from django.db import migrations, models

from config.indexes import add_indexes_concurrently

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


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("tasks", "0010_task_search_trgm"),
    ]

    operations = [add_indexes_concurrently("tasks", ("progressreport", REPORTS), ("task", COUNTS))]
