"""Resolving units: the unit names a file uses → units of the directory, or decisions to make.

A name resolves exactly or by alias; else the coordinator's decision on the page (a unit, a
new unit, or nothing), else the command's options (take the best suggestion, create it);
else it stays unresolved, an error on every row that uses it. On a list of work, a unit whose
kind may not lead (a supervisory body: accounts.permissions.unit_may_lead) is an error on
every row it would lead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from django.utils.translation import gettext as _

from accounts.models import Unit, UnitAlias
from accounts.permissions import LEADING_KINDS
from accounts.services import guess_unit_kind
from accounts.unitnames import lookalike_pairs
from campaigns.importing.drafts import ERROR, WARNING, Drafts, DraftTask, Issue
from campaigns.importing.units import UnitDirectory


class UnitChoice(TypedDict, total=False):
    """A coordinator's decision on a unit name: {"unit": id}, {"create": True} or {"ignore": True}."""

    unit: int
    create: bool
    ignore: bool


class SuggestedUnit(TypedDict):
    id: int
    name: str
    score: float


@dataclass
class UnitName:
    """A unit name the file uses, and what it becomes."""

    name: str
    rows: int = 0
    as_lead: int = 0
    unit_id: int | None = None
    how: str = "none"  # exact, alias, chosen, suggested, create, ignore, none
    suggestions: list[SuggestedUnit] = field(default_factory=list)
    # The kind of the unit it becomes (a new one: the kind its name suggests), when that kind
    # may not lead: the rows it would lead are refused.
    cannot_lead_kind: str = ""

    @property
    def resolved(self) -> bool:
        return self.how not in ("none",)


@dataclass(frozen=True)
class UnitOptions:
    """How names the directory does not know are decided."""

    choices: dict[str, UnitChoice]
    create_units: bool = False  # create them
    accept_suggestions: bool = False  # take the best suggestion (remembered as an alias)


def unit_directory() -> UnitDirectory:
    """The active units and their aliases (two queries)."""
    return UnitDirectory(
        Unit.objects.filter(active=True).values_list("id", "name"),
        UnitAlias.objects.filter(unit__active=True).values_list("alias", "unit_id"),
    )


def resolve_units(
    drafts: Drafts, directory: UnitDirectory, options: UnitOptions, *, work: bool = True
) -> dict[str, UnitName]:
    """Every unit name of the drafts, with how often it is used (and as lead) and its unit.

    ``work``: the lines are work (not questions or measures), so their lead units must be of a
    kind that may lead.
    """
    valid_ids = set(directory.names())
    units: dict[str, UnitName] = {}
    for draft in drafts.tasks:
        for position, name in enumerate([draft.lead, *draft.supporting]):
            if not name:
                continue
            unit = units.get(name)
            if unit is None:
                unit = units[name] = _resolve(name, directory, options, valid_ids)
            unit.rows += 1
            if position == 0:
                unit.as_lead += 1
    if work:
        _mark_units_that_cannot_lead(units)
    return units


def _mark_units_that_cannot_lead(units: dict[str, UnitName]) -> None:
    """Set ``cannot_lead_kind`` on the names used as lead whose unit may not lead (one query)."""
    leads = [unit for unit in units.values() if unit.as_lead]
    ids = {unit.unit_id for unit in leads if unit.unit_id is not None}
    kinds = dict(
        Unit.objects.filter(pk__in=ids).exclude(kind__in=LEADING_KINDS).values_list("pk", "kind")
        if ids
        else []
    )
    for unit in leads:
        if unit.unit_id is not None:
            unit.cannot_lead_kind = kinds.get(unit.unit_id, "")
        elif unit.how == "create" and (kind := guess_unit_kind(unit.name)) not in LEADING_KINDS:
            unit.cannot_lead_kind = kind


def _resolve(
    name: str, directory: UnitDirectory, options: UnitOptions, valid_ids: set[int]
) -> UnitName:
    unit = UnitName(name=name)
    resolution = directory.resolve(name)
    unit.suggestions = [
        {"id": s.unit_id, "name": s.name, "score": s.score} for s in resolution.suggestions
    ]
    choice = options.choices.get(name) or {}
    if resolution.unit_id is not None:
        unit.unit_id, unit.how = resolution.unit_id, resolution.how
    elif choice.get("unit") in valid_ids:
        unit.unit_id, unit.how = int(choice["unit"]), "chosen"
    elif choice.get("create"):
        unit.how = "create"
    elif choice.get("ignore"):
        unit.how = "ignore"
    elif options.accept_suggestions and resolution.suggestions:
        unit.unit_id, unit.how = resolution.suggestions[0].unit_id, "suggested"
    elif options.create_units:
        unit.how = "create"
    return unit


def unit_issues_of(units: dict[str, UnitName]) -> Callable[[DraftTask], list[Issue]]:
    """``unit_issues`` for the rows of one plan: a row that names no unit with a problem (most
    rows) has its empty list at once, without the loop over its names."""
    unknown = {name for name, unit in units.items() if unit.how == "none"}
    no_lead = unknown | {
        name for name, unit in units.items() if unit.how == "ignore" or unit.cannot_lead_kind
    }

    def issues(draft: DraftTask) -> list[Issue]:
        if draft.lead not in no_lead and unknown.isdisjoint(draft.supporting):
            return []
        return unit_issues(draft, units)

    return issues


def unit_issues(draft: DraftTask, units: dict[str, UnitName]) -> list[Issue]:
    """Errors for a row's unit names that are unresolved, or a lead unit set to be ignored."""
    issues = []
    for position, name in enumerate([draft.lead, *draft.supporting]):
        if not name:
            continue
        unit = units[name]
        if unit.how == "none":
            message = _unknown_message(name, unit)
            code = "unit_unknown"
        elif unit.how == "ignore" and position == 0:
            message = _(
                "the lead unit “%(name)s” is set to be ignored, so the task has no lead unit."
            ) % {"name": name}
            code = "lead_ignored"
        elif unit.cannot_lead_kind and position == 0:
            message = _(
                "“%(name)s” is a %(kind)s and cannot lead a task; put the unit that does the "
                "work first or mark it （牵头）, and keep “%(name)s” as a supporting unit."
            ) % {"name": name, "kind": Unit.Kind(unit.cannot_lead_kind).label}
            code = "lead_cannot_lead"
        else:
            continue
        column = draft.columns.get("lead_unit")
        if position > 0 and "supporting_units" in draft.columns and name not in draft.lead_rest:
            column = draft.columns["supporting_units"]
        issues.append(
            Issue(
                ERROR,
                f"{draft.where(column)}：{message}",
                row=draft.row,
                column=column,
                sheet=draft.sheet,
                code=code,
            )
        )
    return issues


def _unknown_message(name: str, unit: UnitName) -> str:
    if unit.suggestions:
        return _(
            "the unit “%(name)s” is not in the unit directory; did you mean "
            "“%(suggestion)s”? Confirm it (or another unit) under Unit names."
        ) % {"name": name, "suggestion": unit.suggestions[0]["name"]}
    return _(
        "the unit “%(name)s” is not in the unit directory. Choose a unit for it, "
        "or have it created, under Unit names."
    ) % {"name": name}


def unit_lookalikes(units: dict[str, UnitName], directory: UnitDirectory) -> list[Issue]:
    """Warnings where the file's units look like other units of the directory (the rule is
    ``accounts.unitnames.units_look_alike``): a unit to be created that the directory seems
    to have already (offered first among its suggestions), and two units of the directory
    that seem to be one body under two names (for the system administrator to merge)."""
    names = directory.names()
    ids = {name: unit_id for unit_id, name in names.items()}
    used = {}
    for unit in units.values():
        if unit.how == "create":
            used[unit.name] = unit
        elif unit.unit_id is not None and unit.unit_id in names:
            used[names[unit.unit_id]] = unit
    issues = []
    for name, other in lookalike_pairs(used, names.values()):
        unit = used[name]
        if unit.how == "create":
            _suggest_first(unit, ids[other], other)
            message = _(
                "“%(name)s” would be created as a new unit, but it looks like “%(other)s” of "
                "the unit directory: if it is the same unit, choose “%(other)s” for it under "
                "Unit names."
            ) % {"name": name, "other": other}
            code = "unit_lookalike_new"
        else:
            message = _(
                "“%(name)s” and “%(other)s” look like one unit under two names. If they are, "
                "ask the system administrator to merge them (Merge units), so that every "
                "list counts them as one."
            ) % {"name": name, "other": other}
            code = "unit_lookalike"
        issues.append(Issue(WARNING, message, code=code))
    return issues


def _suggest_first(unit: UnitName, unit_id: int, name: str) -> None:
    others = [s for s in unit.suggestions if s["id"] != unit_id]
    unit.suggestions = [{"id": unit_id, "name": name, "score": 1.0}, *others]
