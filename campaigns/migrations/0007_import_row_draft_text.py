"""Each preview row's checked task (``ListImportRow.draft``) kept as text, not jsonb: the
database never looks inside it, and parsing it in and writing it out again cost the server
some 0.1 s per 10,000 rows of every import through the pages (``campaigns.fields.JSONText``).

PostgreSQL rewrites the table (``ALTER COLUMN … TYPE text USING draft::text``), holding a lock
on the preview rows alone while it does: imports wait, every other page serves. The release
before reads and writes the text column as it did the jsonb one (COPY's text, a cast to text),
so it may keep serving meanwhile.
"""

from django.db import migrations

import campaigns.fields


def _retype(to: str):
    def retype(apps, schema_editor):
        # SQLite keeps JSON as text already; PostgreSQL converts each value (jsonb → text
        # on the way there, text → jsonb back, which Django's AlterField alone cannot cast).
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "ALTER TABLE campaigns_listimportrow "
                f"ALTER COLUMN draft TYPE {to} USING draft::{to}"
            )

    return retype


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_import_row_change"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="listimportrow",
                    name="draft",
                    field=campaigns.fields.JSONText(blank=True, null=True),
                ),
            ],
            database_operations=[migrations.RunPython(_retype("text"), _retype("jsonb"))],
        ),
    ]
