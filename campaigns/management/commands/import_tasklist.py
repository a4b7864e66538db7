"""python manage.py import_tasklist FILE --campaign <id or slug> [--list-name NAME] [--dry-run] [--json]

What it imports lands as a draft, as from the import page (a new list unpublished, a revision
of a live list staged): a coordinator publishes it on the import's page, or ``--publish``
publishes it at once."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import User
from campaigns.models import Campaign, TaskList
from campaigns.services.imports import tasklist_import


class Command(BaseCommand):
    help = (
        "Import a task list (.xlsx, .docx or plan text) into a campaign, with the same checks "
        "as the import page. Nothing is written when the file has any error, or with --dry-run. "
        "The import lands as a draft for the campaign's coordinators to publish, unless "
        "--publish."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .xlsx, .docx or .txt file")
        parser.add_argument("--campaign", required=True, help="the campaign's id or slug")
        parser.add_argument(
            "--list-name", default="", help="the list to import into (default: the file's title)"
        )
        parser.add_argument(
            "--kind",
            default="",
            choices=["", *TaskList.Kind.values],
            help="kind of a new list (default: as the headers suggest)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--create-units", action="store_true", help="create units the directory does not know"
        )
        parser.add_argument(
            "--accept-suggestions",
            action="store_true",
            help="take the best suggestion for unknown unit names (and remember it as an alias)",
        )
        parser.add_argument(
            "--deadlines-in-campaign-year",
            action="store_true",
            help="read deadlines that lie before the campaign's start in the campaign's year",
        )
        parser.add_argument(
            "--publish", action="store_true", help="publish the draft at once (as --by)"
        )
        parser.add_argument("--by", default="", help="username recorded as the importer")

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        campaign = self._campaign(options["campaign"])
        by = None
        if options["by"]:
            by = User.objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"no user {options['by']!r}")
        report = tasklist_import(
            campaign=campaign,
            data=path.read_bytes(),
            filename=path.name,
            by=by,
            list_name=options["list_name"],
            list_kind=options["kind"],
            dry_run=options["dry_run"],
            create_units=options["create_units"],
            accept_suggestions=options["accept_suggestions"],
            deadlines_in_campaign_year=options["deadlines_in_campaign_year"],
            publish=options["publish"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self._human(report, options["dry_run"])
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} error(s): nothing was imported.", returncode=1
            )

    def _campaign(self, key: str) -> Campaign:
        campaign = Campaign.objects.filter(slug=key).first()
        if campaign is None and key.isdigit():
            campaign = Campaign.objects.filter(pk=int(key)).first()
        if campaign is None:
            raise CommandError(f"no campaign {key!r} (give its id or slug)")
        return campaign

    def _human(self, report, dry_run: bool) -> None:
        summary = report.summary
        if report.plan is not None:
            target = report.plan.list_name
            self.stdout.write(
                f"{target}: {summary['tasks']} tasks in {summary['categories']} categories; "
                f"{summary['created']} new, {summary['updated']} changed, "
                f"{summary['unchanged']} unchanged; {summary['units_unresolved']} unit names "
                f"unresolved; {summary['errors']} errors, {summary['warnings']} warnings."
            )
            for issue in report.plan.warnings[:50]:
                self.stdout.write(f"  warning: {issue.message}")
        for issue in report.errors[:200]:
            self.stderr.write(f"  error: {issue.message}")
        if report.list_import is not None and report.list_import.status == "done":
            self.stdout.write(self.style.SUCCESS("Imported and published."))
        elif report.list_import is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported as a draft (import {report.list_import.pk}): the campaign's "
                    "coordinators publish it on its page, or run again with --publish."
                )
            )
        elif dry_run and not report.errors:
            self.stdout.write("Dry run: nothing was written.")
