"""Each weekly report owed says whether it came (``RoundItem.report_state``), so the draft
ranking counts a column through an index; the rows already there are worked out from the
reports, by the rule of ``cycles.services.owed`` (on time by the due time, late before the
close, counted from the opening). The index follows in 0008, built concurrently."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def report_states(apps, schema_editor):
    RoundItem = apps.get_model("cycles", "RoundItem")
    ProgressReport = apps.get_model("tasks", "ProgressReport")
    reports = ProgressReport.objects.filter(
        task_id=OuterRef("task_id"),
        unit_id=OuterRef("lead_unit_id"),
        submitted_at__gte=OuterRef("round__opens_at"),
    )
    RoundItem.objects.filter(
        Exists(reports.filter(submitted_at__lte=OuterRef("round__due_at")))
    ).update(report_state="on_time")
    RoundItem.objects.filter(
        Exists(reports.filter(submitted_at__lt=OuterRef("round__closes_at"))),
        report_state="missing",
    ).update(report_state="late")


class Migration(migrations.Migration):
    # The column (with its default, instant on PostgreSQL) commits on its own, then each
    # backfill UPDATE: one transaction would hold the table's exclusive lock through the
    # backfill (about 10 s at 100,000 tasks), stalling the serving release's rounds.
    atomic = False

    dependencies = [
        ("cycles", "0006_cockpit_count_indexes"),
        ("tasks", "0011_cockpit_count_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="rounditem",
            name="report_state",
            field=models.CharField(
                choices=[
                    ("on_time", "Reported on time"),
                    ("late", "Reported late"),
                    ("missing", "Not reported"),
                ],
                default="missing",
                max_length=10,
                verbose_name="report",
            ),
        ),
        migrations.RunPython(report_states, migrations.RunPython.noop, elidable=True),
    ]
