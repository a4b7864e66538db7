"""The preview's rows as COPY takes them, each row's two documents written as JSON text.

A stored preview row holds two documents: what the page shows of the row
(``preview.preview_row_data``) and the task as read and checked (``checked.checked_drafts``,
version 3: an array of the task's fields). Made as a dict and a list and then encoded, they
were 45 % of the check's own CPU time after the file is read (per 10,000 rows 0.04 s to
build and 0.075 s to encode): each row's keys escaped again, and the values most rows repeat
(the sheet, category, units, deadline, its text) encoded again on every row. Here each
document is one string formatted from its row, with the JSON text of a repeated value worked
out once (``_Texts``) and a row's title escaped once for both; a value that is rarely there
(changes, issues, extra columns, targets, a sheet's own headers) is encoded as before.

The text is the same, byte for byte, as encoding the documents gives (``tests/campaigns/
test_import_row_texts.py`` compares them on every sample file, a re-import with changes and
awkward values), so the page and the confirm read them as before. If DraftTask's fields are
not those the stored draft's format is written for here (``_DRAFT_FIELDS``), the drafts are
encoded from ``checked_drafts`` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from campaigns.importing.drafts import DraftTask
from campaigns.services.copying import json_text
from campaigns.services.import_steps.checked import FIELDS
from campaigns.services.import_steps.comparing import ImportPlan, PlannedRow
from campaigns.services.import_steps.preview import preview_row_data

#: The fields of a stored draft (version 3) this module writes, in their order.
_DRAFT_FIELDS = (
    "sheet",
    "row",
    "code",
    "order",
    "category",
    "title",
    "content",
    "source",
    "lead",
    "supporting",
    "lead_rest",
    "principal_owner_name",
    "leader_in_charge_name",
    "specific_owner_name",
    "deadline",
    "deadline_text",
    "ongoing",
    "difficulty",
    "extra",
    "targets",
    "has_errors",
    "columns",
)

_BOOL = {True: "true", False: "false"}


class _Texts(dict[Any, str]):
    """A value → its JSON text, worked out once: the values many rows repeat. One per kind
    of value (texts, dates, tuples of names), so that no two keys of different types can be
    equal (True and 1 are)."""

    def __missing__(self, value: Any) -> str:
        text = self[value] = json_text(value)
        return text


class _Names(dict[tuple[str, ...], str]):
    """A sequence of names (as a tuple) → its JSON array."""

    def __missing__(self, names: tuple[str, ...]) -> str:
        text = self[names] = json_text(list(names))
        return text


def preview_texts(
    list_import_id: int,
    plan: ImportPlan,
    checked: dict[str, Any],
    drafts: Iterator[list],
    counts: dict[str, int],
) -> Iterator[tuple]:
    """Each row of the plan as ``storing._COLUMNS`` (its documents as text), counted into
    ``counts`` as it goes; ``checked`` and ``drafts`` are what ``checked_drafts`` gave (the
    drafts are encoded from it only when this module does not know DraftTask's fields)."""
    texts = _row_texts(plan, checked["columns"], drafts)
    actions = {"create": "created", "update": "updated", "unchanged": "unchanged"}
    for position, row in enumerate(plan.rows):
        data, problem, draft = texts(row)
        action = row.action
        counts["tasks"] += 1
        if action in actions:
            counts[actions[action]] += 1
        if problem:
            counts["problems"] += 1
        change = action == "create" or action == "update"
        yield (list_import_id, position, action, problem, change, data, draft)


def _row_texts(
    plan: ImportPlan, headers: dict[str, dict[str, str]], drafts: Iterator[list]
) -> Callable[[PlannedRow], tuple[str, bool, str]]:
    """A row → (its page document, whether it has a problem, its stored draft): the page's
    as ``preview_row_data`` makes it, the draft as ``checked_drafts`` does, as JSON text."""
    texts, names, dates = _Texts({None: "null"}), _Names(), _Texts({None: "null"})
    row_data = preview_row_data(plan)  # a row with changes or issues: as it makes them
    places = {(issue.sheet or "", issue.row) for issue in plan.issues if issue.row is not None}
    by_row = _draft_issues(plan)
    units, unit_names, pop, sheet_headers = plan.units, plan.unit_names, by_row.pop, headers.get
    known = FIELDS == _DRAFT_FIELDS
    encoded = map(json_text, drafts)  # only when not ``known``: a field added since
    leads: dict[str | None, str] = {}

    def lead_text(name: str | None) -> str:
        lead = units.get(name) if name else None
        unit = texts[unit_names.get(lead.unit_id, "") if lead and lead.unit_id else ""]
        how = texts[lead.how if lead else "none"]
        return f'"lead":{texts[name or ""]},"lead_unit":{unit},"lead_how":{how}'

    def row_texts(row: PlannedRow) -> tuple[str, bool, str]:
        task = row.draft
        lead = leads.get(task.lead)
        if lead is None:
            lead = leads[task.lead] = lead_text(task.lead)
        issues = (task.sheet or "", task.row) in places
        if issues or row.changes:
            shown = row_data(row)
            changes, issues_text = json_text(shown["changes"]), json_text(shown["issues"])
        else:
            changes = issues_text = "[]"
        title, supporting = encode_basestring(task.title), names[tuple(task.supporting)]
        sheet, code, deadline = (
            texts[task.sheet],
            encode_basestring(task.code),
            dates[task.deadline],
        )
        deadline_text, ongoing = texts[task.deadline_text], _BOOL[task.ongoing]
        data = (
            f'{{"sheet":{sheet},"row":{task.row},"code":{code},'
            f'"category":{texts[task.category or ""]},"title":{title},{lead},'
            f'"supporting":{supporting},"deadline":{deadline},"deadline_text":{deadline_text},'
            f'"ongoing":{ongoing},"targets":{len(task.targets)},"action":{texts[row.action]},'
            f'"changes":{changes},"issues":{issues_text}}}'
        )
        problem = row.action == "error" or issues
        if not known:
            return data, problem, next(encoded)
        columns = task.columns
        if columns is (shared := sheet_headers(task.sheet)) or columns == shared:
            columns_text = "null"
        else:
            columns_text = json_text(columns)
        draft_issues = pop((task.sheet, task.row), None)
        difficulty = task.difficulty
        # In ``_DRAFT_FIELDS``' order, the row's issues last.
        draft = (
            f"[{sheet},{task.row},{code},{task.order},{texts[task.category]},{title},"
            f"{encode_basestring(task.content)},{texts[task.source]},{texts[task.lead]},"
            f"{supporting},{names[tuple(task.lead_rest)]},"
            f"{encode_basestring(task.principal_owner_name)},"
            f"{encode_basestring(task.leader_in_charge_name)},"
            f"{encode_basestring(task.specific_owner_name)},{deadline},{deadline_text},"
            f"{ongoing},{'null' if difficulty is None else encode_basestring(str(difficulty))},"
            f"{json_text(task.extra) if task.extra else '{}'},"
            f"{_targets(task) if task.targets else '[]'},{_BOOL[task.has_errors]},"
            f"{columns_text},{json_text(draft_issues) if draft_issues else '[]'}]"
        )
        return data, problem, draft

    return row_texts


def _draft_issues(plan: ImportPlan) -> dict[tuple[str, int | None], list[dict]]:
    """The issues each task's stored draft keeps (the checked file's, by row), as
    ``checked_drafts`` gives them."""
    drafts = plan.source.drafts(default_year=plan.campaign.year)
    places = {(task.sheet, task.row) for task in drafts.tasks}
    by_row: dict[tuple[str, int | None], list[dict]] = {}
    for issue in drafts.issues:
        place = (issue.sheet or "", issue.row)
        if place in places:
            by_row.setdefault(place, []).append(issue.as_dict())
    return by_row


def _targets(task: DraftTask) -> str:
    return json_text(
        [
            {key: str(value) if isinstance(value, Decimal) else value for key, value in t.items()}
            for t in task.targets
        ]
    )
