"""The draft ranking's weekly reports owed, counted per round, unit and state from the index
alone, built concurrently on PostgreSQL: rounds grow by a campaign's tasks every week."""

from django.db import migrations, models

from config.indexes import add_indexes_concurrently

INDEX = models.Index(fields=["round", "lead_unit", "report_state"], name="rounditem_report_state")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("cycles", "0007_round_item_report_state"),
    ]

    operations = [add_indexes_concurrently("cycles", ("rounditem", INDEX))]
