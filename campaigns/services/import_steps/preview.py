"""The preview: an ImportPlan → what the preview page shows, stored with the ListImport.

``plan_preview``: the sheets and how their columns are mapped, the unit names and what they
resolve to, the first issues (errors first) and how many there are, as one small JSON
document; ``preview_row_data``: every row and what it becomes (with each changed field before →
after, and its issues), stored one row each (``ListImportRow``, ``storing.py``), so that a
page of the preview reads only its rows whatever the size of the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from campaigns.importing.headers import FIELD_LABELS, IGNORE
from campaigns.importing.rows import ParsedSheet
from campaigns.importing.safety import column_letter
from campaigns.services.import_steps.comparing import ImportPlan, PlannedRow, decimal_json

_CHANGE_LABELS = {
    "title": FIELD_LABELS["title"],
    "content": FIELD_LABELS["content"],
    "source": FIELD_LABELS["source"],
    "category_id": FIELD_LABELS["category"],
    "lead_unit_id": FIELD_LABELS["lead_unit"],
    "supporting_unit_ids": FIELD_LABELS["supporting_units"],
    "principal_owner_name": FIELD_LABELS["principal_owner"],
    "leader_in_charge_name": FIELD_LABELS["leader_in_charge"],
    "specific_owner_name": FIELD_LABELS["specific_owner"],
    "deadline": FIELD_LABELS["deadline"],
    "deadline_text": _lazy("Deadline as written"),
    "ongoing": _lazy("Ongoing"),
    "extra": _lazy("Extra columns"),
    "order": _lazy("Order"),
    "difficulty": FIELD_LABELS["difficulty"],
}


def plan_digest(plan: ImportPlan) -> str:
    """What applying the plan would change, as a fingerprint: each row's action and changes,
    the tasks the file lacks, the units to create. A staged revision keeps the digest of the
    preview the coordinator reviewed; publishing it compares the digest of the list as it
    stands then, and writes nothing different from what was reviewed."""
    content = {
        "list": plan.task_list.pk if plan.task_list else None,
        "rows": [
            [row.draft.code, row.action, sorted((k, repr(v)) for k, v in row.changes.items())]
            for row in plan.rows
        ],
        "missing": sorted(task.code for task in plan.missing),
        "units": sorted((u.name, u.how, u.unit_id or 0) for u in plan.units.values()),
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


#: The issues the preview's document keeps (errors first), shown at the top of the page;
#: every issue tied to a row is also kept with its row, and shown with it.
ISSUES_KEPT = 100


def plan_preview(plan: ImportPlan) -> dict[str, Any]:
    """What the preview page shows besides its rows, as JSON: issues, columns, unit names."""
    issues = sorted(plan.issues, key=lambda issue: issue.level != "error")
    return {
        "list": {
            "name": plan.list_name,
            "kind": plan.list_kind,
            "existing_id": plan.task_list.pk if plan.task_list else None,
        },
        "title": plan.source.title,
        "kind": plan.source.kind,
        "sheets": [_sheet(sheet, plan.source.size(sheet)) for sheet in plan.source.sheets],
        "categories": [{"name": c.name, "code": c.code} for c in plan.drafts.categories],
        "issues": [issue.as_dict() for issue in issues[:ISSUES_KEPT]],
        "issues_count": len(issues),
        "units": _units(plan),
        "missing": [{"code": t.code, "title": t.title} for t in plan.missing[:200]],
        "deadlines": plan.dating.as_json() if plan.dating and plan.dating.early else None,
    }


def preview_row_data(plan: ImportPlan) -> Callable[[PlannedRow], dict[str, Any]]:
    """A row of the plan → its preview row, with its issues (one call a row: the check
    stores a row's preview beside its draft in one loop, ``storing._rows``)."""
    shown = _Shown(plan)
    by_row: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for issue in plan.issues:
        if issue.row is not None:
            by_row.setdefault((issue.sheet or "", issue.row), []).append(issue.as_dict())
    units, names, label, value = plan.units, shown.names, shown.label, shown.value

    def row_data(row: PlannedRow) -> dict[str, Any]:
        draft = row.draft
        lead = units.get(draft.lead) if draft.lead else None
        return {
            "sheet": draft.sheet,
            "row": draft.row,
            "code": draft.code,
            "category": draft.category or "",
            "title": draft.title,
            "lead": draft.lead or "",
            "lead_unit": names.get(lead.unit_id, "") if lead and lead.unit_id else "",
            "lead_how": lead.how if lead else "none",
            "supporting": draft.supporting,
            "deadline": draft.deadline.isoformat() if draft.deadline else None,
            "deadline_text": draft.deadline_text,
            "ongoing": draft.ongoing,
            "targets": len(draft.targets),
            "action": row.action,
            "changes": [
                [label(key), value(key, before), value(key, after)]
                for key, (before, after) in row.changes.items()
            ]
            if row.changes
            else [],
            "issues": by_row.get((draft.sheet or "", draft.row), []),
        }

    return row_data


class _Shown:
    """A changed field's label and values in words: units and categories by name."""

    def __init__(self, plan: ImportPlan):
        self.names = plan.unit_names
        self.categories: dict[int | str, str] = {c.pk: c.name for c in plan.categories.values()}

    def label(self, key: str) -> str:
        if key.startswith("target:"):
            return _("Target “%(metric)s”") % {"metric": key[7:]}
        return str(_CHANGE_LABELS.get(key, key))

    def value(self, key: str, value: Any) -> str:
        if value is None or value == "" or value == {}:
            return "—"
        if key == "lead_unit_id":
            return self.names.get(value, str(value))
        if key == "supporting_unit_ids":
            return "、".join(self.names.get(v, str(v)) for v in value) or "—"
        if key == "category_id":
            return self._category(value)
        if key == "ongoing":
            return str(_("yes") if value else _("no"))
        if key == "extra":
            return "；".join(f"{k}：{v}" for k, v in value.items())
        if key.startswith("target:"):
            return "；".join(f"{k}={decimal_json(v)}" for k, v in value.items() if v is not None)
        return str(decimal_json(value))

    def _category(self, value: int | str) -> str:
        if isinstance(value, str) and value.startswith("new:"):
            return value[4:]
        return self.categories.get(value, str(value))


def _sheet(sheet: ParsedSheet, size: tuple[int, int]) -> dict[str, Any]:
    detected = sheet.detected.fields if sheet.detected else {}
    detected_by_column = {column: fld for fld, column in detected.items()}
    by_column = {column: fld for fld, column in sheet.mapping.fields.items()}
    columns = []
    for index, header in enumerate(sheet.headers):
        if index in by_column:
            current = by_column[index]
        elif index in sheet.mapping.extra:
            current = ""
        else:
            current = IGNORE
        columns.append(
            {
                "index": index,
                "letter": column_letter(index),
                "header": header,
                "field": current,
                "detected": detected_by_column.get(index, ""),
                "samples": sheet.samples.get(index, []),
            }
        )
    return {
        "name": sheet.name,
        "source": sheet.source,
        "header_row": sheet.header_row_index + 1,
        "rows": size[0],
        "categories": size[1],
        "columns": columns,
    }


def _units(plan: ImportPlan) -> list[dict[str, Any]]:
    names = plan.unit_names
    return [
        {
            "name": unit.name,
            "rows": unit.rows,
            "as_lead": unit.as_lead,
            "how": unit.how,
            "unit_id": unit.unit_id,
            "unit_name": names.get(unit.unit_id, "") if unit.unit_id else "",
            "suggestions": unit.suggestions,
        }
        for unit in sorted(plan.units.values(), key=lambda u: (u.how != "none", -u.rows, u.name))
    ]
