"""Locking: the confirm and the publish of a revision, under lock, in one transaction.

The campaign and the list's tasks are locked, the file is compared with them once more and,
if it still fits, written (a new list, as a draft) or — a revision of a live list — kept for
review instead: nothing of a revision is written until a coordinator publishes it, when this
runs again with ``stage_revision=False``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Campaign, TaskList
from campaigns.services.import_steps.applying import ImportResult, import_apply
from campaigns.services.import_steps.comparing import ImportPlan, import_plan
from campaigns.services.import_steps.preview import plan_digest
from campaigns.services.import_steps.reading import ImportSource
from campaigns.services.import_steps.resolving import UnitChoice


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
    deadlines_in_campaign_year: bool = False,
    stage_revision: bool = True,
    expected_digest: str = "",
) -> tuple[ImportPlan, ImportResult | None]:
    """The confirm: lock the campaign and the list's tasks, compare the file with them once
    more and, if it still fits, write it — or, for a revision of a live list, stage it
    (``result.staged``; nothing written). Returns the plan and the result: None, with nothing
    written, when the plan has errors (the list or the directory changed), or when it no
    longer matches ``expected_digest`` (what the coordinator reviewed).

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
        deadlines_in_campaign_year=deadlines_in_campaign_year,
        for_update=True,
    )
    if plan.errors or (expected_digest and plan_digest(plan) != expected_digest):
        return plan, None
    if stage_revision and plan.task_list is not None:
        return plan, _staged(plan)
    note = _("Imported from %(file)s") % {"file": source.filename}
    return plan, import_apply(plan=plan, by=by, note=note)


def _staged(plan: ImportPlan) -> ImportResult:
    assert plan.task_list is not None
    return ImportResult(
        task_list=plan.task_list,
        created=plan.count("create"),
        updated=plan.count("update"),
        unchanged=plan.count("unchanged"),
        categories=len(plan.drafts.categories),
        units_created=0,
        aliases_created=0,
        staged=True,
    )
