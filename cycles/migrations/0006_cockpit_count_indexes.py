"""The round items of a unit in a round, by task (the cockpit's reporting rate joins them to
the reports), built concurrently on PostgreSQL: rounds grow by a campaign's tasks every week."""

from django.db import migrations, models

INDEX = models.Index(fields=["round", "lead_unit", "task"], name="rounditem_round_unit_task")


def create(apps, schema_editor):
    item = apps.get_model("cycles", "RoundItem")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(item, INDEX, concurrently=True)
    else:
        schema_editor.add_index(item, INDEX)


def drop(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("cycles", "RoundItem"), INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("cycles", "0005_bulletin_lines"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="rounditem", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
