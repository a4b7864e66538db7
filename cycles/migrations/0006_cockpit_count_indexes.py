"""The round items of a unit in a round, by task (the cockpit's reporting rate joins them to
the reports), built concurrently on PostgreSQL: rounds grow by a campaign's tasks every week."""

from django.db import migrations, models

from config.indexes import add_indexes_concurrently

INDEX = models.Index(fields=["round", "lead_unit", "task"], name="rounditem_round_unit_task")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("cycles", "0005_bulletin_lines"),
    ]

    operations = [add_indexes_concurrently("cycles", ("rounditem", INDEX))]
