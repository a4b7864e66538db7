"""Each preview row's document for the page (``ListImportRow.data``) kept as text, not jsonb,
as its ``draft`` is since 0007: the page reads it whole and the database never looks inside
it, while as jsonb PostgreSQL parsed each one as the check stored it (some 0.05 s of the
server's time per 10,000 rows; ``campaigns.fields.JSONText``).

PostgreSQL rewrites the table (``ALTER COLUMN … TYPE text USING data::text``), holding a lock
on the preview rows alone while it does: imports and preview pages wait, every other page
serves. The release before reads the text column as it read the jsonb one (Django decodes
either from its text) and writes it by COPY's text, so it may keep serving meanwhile.
"""

from django.db import migrations

import campaigns.fields


def _retype(to: str):
    def retype(apps, schema_editor):
        # SQLite keeps JSON as text already; PostgreSQL converts each value (jsonb → text
        # on the way there, text → jsonb back, which Django's AlterField alone cannot cast).
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE campaigns_listimportrow ALTER COLUMN data TYPE {to} USING data::{to}"
            )

    return retype


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_import_row_draft_text"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="listimportrow",
                    name="data",
                    field=campaigns.fields.JSONText(default=dict),
                ),
            ],
            database_operations=[migrations.RunPython(_retype("text"), _retype("jsonb"))],
        ),
    ]
