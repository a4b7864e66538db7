"""Import task lists: the pipeline behind the import pages, ``import_tasklist`` and the jobs.

Read top to bottom, an import is:

    import_read     bytes → an ImportSource: the upload judged, read and checked, row by
                    row (import_steps/reading.py → campaigns/importing/, no database)
    import_plan     + the unit directory and the list as it stands → an ImportPlan: what
                    each row becomes, every error and warning (import_steps/resolving.py,
                    comparing.py; reads only, a fixed number of queries)
    import_locked   under lock, the plan made again and, when nothing is wrong, written by
                    import_apply in one transaction (import_steps/locking.py, applying.py):
                    a new list as a draft; a revision of a live list only staged
    plan_preview    an ImportPlan → what the preview page shows (import_steps/preview.py)

``tasklist_import`` runs them in one go (the command line, the demo); ``list_imports.py``
runs them for the pages, keeping the upload and the coordinator's corrections in a
ListImport and handing large files to background jobs (``campaigns.jobs``). Both confirm
through ``import_locked``, and both leave a draft on a ListImport that a coordinator
publishes or discards (``drafts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.models import User
from campaigns.importing.drafts import ERROR, Issue
from campaigns.models import Campaign, ListImport, TaskList
from campaigns.services.drafts import list_import_publish, list_import_record
from campaigns.services.import_steps.applying import ImportResult, import_apply
from campaigns.services.import_steps.collecting import collector_paused
from campaigns.services.import_steps.comparing import ImportPlan, import_plan
from campaigns.services.import_steps.locking import import_locked
from campaigns.services.import_steps.preview import plan_preview
from campaigns.services.import_steps.reading import (
    Columns,
    ImportSource,
    import_inspect,
    import_read,
)
from campaigns.services.import_steps.resolving import UnitChoice
from config.errors import RuleViolation

__all__ = [
    "ImportPlan",
    "ImportReport",
    "ImportResult",
    "ImportSource",
    "import_apply",
    "import_inspect",
    "import_locked",
    "import_plan",
    "import_read",
    "plan_preview",
    "tasklist_import",
]


@dataclass
class ImportReport:
    plan: ImportPlan | None
    result: ImportResult | None
    errors: list[Issue]
    summary: dict[str, Any]
    # The draft the import left (None for a dry run or a refused file): published already
    # when ``tasklist_import(publish=True)``.
    list_import: ListImport | None = None

    def as_json(self) -> dict[str, Any]:
        """{"tasks", "categories", "created", "updated", "units_unresolved", "errors"}."""
        return {
            "tasks": self.summary.get("tasks", 0),
            "categories": self.summary.get("categories", 0),
            "created": self.summary.get("created", 0),
            "updated": self.summary.get("updated", 0),
            "units_unresolved": self.summary.get("units_unresolved", 0),
            "errors": [
                {"row": issue.row, "column": issue.column, "message": issue.message}
                for issue in self.errors
            ],
        }


@collector_paused()
def tasklist_import(
    *,
    campaign: Campaign,
    data: bytes,
    filename: str,
    by: User | None = None,
    task_list: TaskList | None = None,
    list_name: str = "",
    list_kind: str = "",
    columns: Columns | None = None,
    unit_choices: dict[str, UnitChoice] | None = None,
    create_units: bool = False,
    accept_suggestions: bool = False,
    deadlines_in_campaign_year: bool = False,
    dry_run: bool = False,
    publish: bool = False,
) -> ImportReport:
    """Read, check and (unless ``dry_run`` or anything is wrong) write a list in one go.

    What it writes is a draft on a ListImport, as from the pages (a new list unpublished, a
    revision of a live list staged); ``publish`` publishes it at once, as ``by``.
    """
    try:
        source = import_read(data=data, filename=filename, columns=columns)
    except RuleViolation as exc:
        issue = Issue(ERROR, str(exc.message), code="refused")
        return ImportReport(plan=None, result=None, errors=[issue], summary={})
    options: dict[str, Any] = {
        "campaign": campaign,
        "task_list": task_list,
        "list_name": list_name,
        "list_kind": list_kind,
        "unit_choices": unit_choices,
        "create_units": create_units,
        "accept_suggestions": accept_suggestions,
        "deadlines_in_campaign_year": deadlines_in_campaign_year,
    }
    if dry_run:
        plan = import_plan(source=source, **options)
        return ImportReport(plan=plan, result=None, errors=plan.errors, summary=plan.summary())
    # Compared once, under lock: a plan with errors writes nothing (and the transaction
    # that only locked is left), else it is written at once — as a preview then a confirm
    # would, without comparing every row twice.
    with transaction.atomic():
        plan, result = import_locked(source=source, by=by, **options)
        report = ImportReport(plan=plan, result=result, errors=plan.errors, summary=plan.summary())
        if result is None:
            return report
        report.list_import = list_import_record(
            source=source,
            data=data,
            campaign=campaign,
            by=by,
            plan=plan,
            result=result,
            deadlines_in_campaign_year=deadlines_in_campaign_year,
        )
    if publish:
        report.list_import = list_import_publish(list_import=report.list_import, by=by)
        result.task_list.refresh_from_db()
    return report
