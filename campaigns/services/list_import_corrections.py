"""Corrections to an upload before it is confirmed: column mapping, unit names, deadlines,
the target list. Each locks the import, stores the correction and checks the file again
(now, or in a background job for a large file; ``list_imports.list_import_check``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from campaigns.importing.headers import FIELD_LABELS, IGNORE
from campaigns.models import ListImport, TaskList
from campaigns.services.import_steps.sizing import in_background
from campaigns.services.list_imports import list_import_check, queue_check
from config.errors import RuleViolation


def _recheck(list_import: ListImport) -> ListImport:
    if in_background(list_import):
        list_import.status = ListImport.Status.CHECKING
        list_import.stage, list_import.progress = _("Waiting to be checked"), 0
        list_import.save(update_fields=["status", "stage", "progress"])
        queue_check(list_import)
        return list_import
    return list_import_check(list_import=list_import)


def _editable(list_import: ListImport) -> ListImport:
    """Lock the import; only a checked, not yet imported one can be changed."""
    locked = ListImport.objects.select_for_update().get(pk=list_import.pk)
    if locked.status not in (ListImport.Status.READY, ListImport.Status.REFUSED):
        raise RuleViolation(
            _("This import is %(status)s and can no longer be changed.")
            % {"status": locked.get_status_display()},
            code="stale",
        )
    return locked


@transaction.atomic
def list_import_set_columns(
    *, list_import: ListImport, by: User, sheet: str, columns: dict[int, str]
) -> ListImport:
    """Correct the column mapping of one sheet (column → field, "" extra, "-" ignore)."""
    locked = _editable(list_import)
    sheets = {s["name"]: s for s in (locked.preview or {}).get("sheets", [])}
    if sheet not in sheets:
        raise RuleViolation(
            _("The file has no sheet “%(sheet)s”.") % {"sheet": sheet}, field="sheet"
        )
    allowed = set(FIELD_LABELS) | {"", IGNORE}
    width = len(sheets[sheet]["columns"])
    clean = {}
    for column, fld in columns.items():
        if fld not in allowed or not 0 <= int(column) < width:
            raise RuleViolation(_("That is not a column the list can have."), field="columns")
        clean[str(int(column))] = fld
    chosen = [fld for fld in clean.values() if fld not in ("", IGNORE)]
    duplicate = next((fld for fld in chosen if chosen.count(fld) > 1), None)
    if duplicate:
        raise RuleViolation(
            _("Only one column can be “%(field)s”.") % {"field": FIELD_LABELS[duplicate]},
            field="columns",
        )
    locked.columns = {**(locked.columns or {}), sheet: clean}
    locked.save(update_fields=["columns"])
    return _recheck(locked)


@transaction.atomic
def list_import_set_units(
    *, list_import: ListImport, by: User, choices: dict[str, dict]
) -> ListImport:
    """Decide what unit names of the file stand for: a unit, a new unit, or nothing.

    A name given an existing unit is remembered as that unit's alias when the import is
    confirmed, so the next list that uses it needs no decision.
    """
    locked = _editable(list_import)
    ids = [int(choice["unit"]) for choice in choices.values() if choice.get("unit")]
    known = set(Unit.objects.filter(pk__in=ids, active=True).values_list("pk", flat=True))
    decided = dict(locked.unit_choices or {})
    for name, choice in choices.items():
        if choice.get("unit"):
            if int(choice["unit"]) not in known:
                raise RuleViolation(_("That unit does not exist."), field="units")
            decided[name] = {"unit": int(choice["unit"])}
        elif choice.get("create"):
            decided[name] = {"create": True}
        elif choice.get("ignore"):
            decided[name] = {"ignore": True}
        else:
            decided.pop(name, None)
    locked.unit_choices = decided
    locked.save(update_fields=["unit_choices"])
    return _recheck(locked)


@transaction.atomic
def list_import_set_deadlines(
    *, list_import: ListImport, by: User, in_campaign_year: bool
) -> ListImport:
    """Keep deadlines that lie before the campaign's start as written, or read them in the
    campaign's year (month and day kept)."""
    locked = _editable(list_import)
    locked.deadlines_in_campaign_year = in_campaign_year
    locked.save(update_fields=["deadlines_in_campaign_year"])
    return _recheck(locked)


@transaction.atomic
def list_import_set_target(
    *, list_import: ListImport, by: User, list_name: str, list_kind: str, task_list: TaskList | None
) -> ListImport:
    """Choose the list the file goes into: an existing one (a re-import) or a new one."""
    locked = _editable(list_import)
    if task_list is not None and task_list.campaign_id != locked.campaign_id:
        raise RuleViolation(_("That list belongs to another campaign."), field="task_list")
    locked.task_list = task_list
    locked.list_name = (task_list.name if task_list else list_name.strip())[:200]
    locked.list_kind = task_list.kind if task_list else list_kind
    locked.save(update_fields=["task_list", "list_name", "list_kind"])
    return _recheck(locked)
