"""Indexes added while the release before serves (README, "Upgrades: migrations while
serving"): ``CREATE INDEX CONCURRENTLY`` on PostgreSQL, so the table keeps taking writes while
it is built; a plain ``CREATE INDEX`` elsewhere. A migration using it sets ``atomic = False``
(PostgreSQL builds such an index outside a transaction)."""

from django.db import migrations, models


def add_indexes_concurrently(
    app_label: str, *indexes: tuple[str, models.Index]
) -> migrations.SeparateDatabaseAndState:
    """One operation adding each ``(model name, index)``: ``AddIndex`` to the migration state,
    the index built concurrently on PostgreSQL (dropped plainly when unapplied)."""

    def create(apps, schema_editor):
        concurrently = schema_editor.connection.vendor == "postgresql"
        for model, index in indexes:
            model_class = apps.get_model(app_label, model)
            if concurrently:
                schema_editor.add_index(model_class, index, concurrently=True)
            else:
                schema_editor.add_index(model_class, index)

    def drop(apps, schema_editor):
        for model, index in indexes:
            schema_editor.remove_index(apps.get_model(app_label, model), index)

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AddIndex(model_name=m, index=i) for m, i in indexes],
        database_operations=[migrations.RunPython(create, drop)],
    )
