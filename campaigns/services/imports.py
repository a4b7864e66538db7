"""Import task lists: the pipeline behind the import pages, ``import_tasklist`` and the jobs.

Read top to bottom, an import is:

    import_read     bytes → an ImportSource: the upload judged, read and checked, row by
                    row (import_steps/reading.py → campaigns/importing/, no database)
    import_plan     + the unit directory and the list as it stands → an ImportPlan: what
                    each row becomes, every error and warning (import_steps/resolving.py,
                    comparing.py; reads only, a fixed number of queries)
    import_locked   under lock, the plan made again and, when nothing is wrong, written by
                    import_apply in one transaction (import_steps/applying.py)
    plan_preview    an ImportPlan → what the preview page shows (import_steps/preview.py)

``tasklist_import`` runs them in one go (the command line, the demo); ``list_imports.py``
runs them for the pages, keeping the upload and the coordinator's corrections in a
ListImport and handing large files to background jobs (``campaigns.jobs``). Both confirm
through ``import_locked``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.importing.drafts import ERROR, Issue
from campaigns.models import Campaign, TaskList
from campaigns.services.import_steps.applying import ImportResult, import_apply
from campaigns.services.import_steps.comparing import ImportPlan, import_plan
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


@transaction.atomic(savepoint=False)
def import_locked(
    *,
    source: ImportSource,
    campaign: Campaign,
    by: User | None,
    task_list: TaskList | None = None,
    list_name: str = "",
    list_kind: str = "",
    unit_choices: dict[str, UnitChoice] | None = None,
    create_units: bool = False,
    accept_suggestions: bool = False,
) -> tuple[ImportPlan, ImportResult | None]:
    """The confirm: lock the campaign and the list's tasks, compare the file with them once
    more and, if it still fits, write it. Returns the plan and the result (None, with
    nothing written, when the plan has errors: the list or the directory changed).

    Within the caller's transaction, if there is one (the pages lock their ListImport first).
    """
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    plan = import_plan(
        source=source,
        campaign=campaign,
        task_list=task_list,
        list_name=list_name,
        list_kind=list_kind,
        unit_choices=unit_choices,
        create_units=create_units,
        accept_suggestions=accept_suggestions,
        for_update=True,
    )
    if plan.errors:
        return plan, None
    note = _("Imported from %(file)s") % {"file": source.filename}
    return plan, import_apply(plan=plan, by=by, note=note)


@dataclass
class ImportReport:
    plan: ImportPlan | None
    result: ImportResult | None
    errors: list[Issue]
    summary: dict[str, Any]

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
    dry_run: bool = False,
) -> ImportReport:
    """Read, check and (unless ``dry_run`` or anything is wrong) write a list in one go."""
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
    }
    plan = import_plan(source=source, **options)
    if plan.errors or dry_run:
        return ImportReport(plan=plan, result=None, errors=plan.errors, summary=plan.summary())
    plan, result = import_locked(source=source, by=by, **options)
    return ImportReport(plan=plan, result=result, errors=plan.errors, summary=plan.summary())
