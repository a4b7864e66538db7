"""A closed round's bulletin as its page reads it (cycles.bulletin_store): the summary and
one row per task of its lists; the rounds closed before are split here."""

import django.db.models.deletion
from django.db import migrations, models

from cycles.bulletin_store import split


def split_stored(apps, schema_editor):
    rounds = apps.get_model("cycles", "DispatchRound")
    lines = apps.get_model("cycles", "BulletinLine")
    for round_ in rounds.objects.filter(closed_at__isnull=False).exclude(result={}).iterator():
        summary, rows = split(round_.result)
        round_.summary = summary
        round_.save(update_fields=["summary"])
        lines.objects.bulk_create(
            (
                lines(round=round_, section=key, position=position, task_id=task, row=row)
                for key, position, task, row in rows
            ),
            batch_size=5000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cycles", "0004_review_unit_rating_index"),
        ("tasks", "0009_task_deadline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispatchround",
            name="summary",
            field=models.JSONField(blank=True, default=dict, verbose_name="bulletin summary"),
        ),
        migrations.CreateModel(
            name="BulletinLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("section", models.CharField(max_length=10)),
                ("position", models.PositiveIntegerField()),
                ("row", models.JSONField()),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bulletin_lines",
                        to="cycles.dispatchround",
                    ),
                ),
                (
                    "task",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tasks.task",
                    ),
                ),
            ],
            options={
                "verbose_name": "task in a weekly bulletin",
                "verbose_name_plural": "tasks in weekly bulletins",
                "indexes": [
                    models.Index(fields=["round", "task", "section"], name="bulletinline_task")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("round", "section", "position"), name="bulletinline_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(split_stored, migrations.RunPython.noop),
    ]
