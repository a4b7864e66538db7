"""The review page's counts per unit and rating from an index (cycles.selectors.ReviewKeys),
built concurrently on PostgreSQL: review lines grow by a campaign's tasks every month."""

from django.db import migrations, models

from config.indexes import add_indexes_concurrently

INDEX = models.Index(fields=["review", "lead_unit", "rating"], name="reviewitem_unit_rating")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("cycles", "0003_ranking_formula"),
    ]

    operations = [add_indexes_concurrently("cycles", ("reviewitem", INDEX))]
