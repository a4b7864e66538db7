"""The review page's counts per unit and rating from an index (cycles.selectors.ReviewKeys),
built concurrently on PostgreSQL: review lines grow by a campaign's tasks every month."""

from django.db import migrations, models

INDEX = models.Index(fields=["review", "lead_unit", "rating"], name="reviewitem_unit_rating")


def create(apps, schema_editor):
    item = apps.get_model("cycles", "ReviewItem")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(item, INDEX, concurrently=True)
    else:
        schema_editor.add_index(item, INDEX)


def drop(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("cycles", "ReviewItem"), INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("cycles", "0003_ranking_formula"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="reviewitem", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
