"""Reads of the problem ledger: counts by state (for a campaign, a unit, or any set of
problems: the cockpit and the bulletins call ``problem_counts``), the counts per unit, the
list and a problem's history. Each is one aggregate or one joined read."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Unit
from campaigns.models import Campaign
from config.prepared import PreparedModels
from cycles.hooks import BulletinSection
from problems.models import Problem, ProblemEvent
from problems.permissions import (
    can_raise_by_hand,
    problems_q_of,
    reader_shape,
    sees_whole_ledger,
)
from tasks.hooks import Section

State = Problem.State


@dataclass(frozen=True)
class LedgerCounts:
    """How many problems were raised, and where they stand: the seed's "8: 2 closed,
    2 transferred, 4 in progress" is total 8, resolved 2, referred 2, coordinating 4."""

    total: int = 0
    reported: int = 0  # not assigned yet
    coordinating: int = 0
    resolved: int = 0
    referred: int = 0
    referred_city: int = 0
    referred_discipline: int = 0

    @property
    def open(self) -> int:
        """Still worked by the office: reported or being coordinated."""
        return self.reported + self.coordinating


def _aggregates(prefix: str = "") -> dict:
    state, referral = f"{prefix}state", f"{prefix}referral"
    key = f"{prefix}pk" if prefix else "pk"
    return {
        "total": Count(key),
        "reported": Count(key, filter=Q(**{state: State.REPORTED})),
        "coordinating": Count(key, filter=Q(**{state: State.COORDINATING})),
        "resolved": Count(key, filter=Q(**{state: State.RESOLVED})),
        "referred": Count(key, filter=Q(**{state: State.REFERRED})),
        "referred_city": Count(
            key, filter=Q(**{state: State.REFERRED, referral: Problem.Referral.CITY})
        ),
        "referred_discipline": Count(
            key, filter=Q(**{state: State.REFERRED, referral: Problem.Referral.DISCIPLINE})
        ),
    }


_COUNTED = tuple(_aggregates())


def ledger_counts(problems: QuerySet[Problem]) -> LedgerCounts:
    """The counts by state of ``problems`` (one query)."""
    return LedgerCounts(**problems.aggregate(**_aggregates()))


def problem_counts(*, campaign: Campaign, unit: Unit | None = None) -> LedgerCounts:
    """The counts of a campaign's problems, or of those concerning one unit of it."""
    problems = Problem.objects.filter(campaign=campaign)
    if unit is not None:
        problems = problems.filter(unit=unit)
    return ledger_counts(problems)


def counts_by_unit(problems: QuerySet[Problem]) -> list[dict]:
    """One row per unit the problems concern (name and the counts by state), most first."""
    rows = (
        problems.order_by()
        .values("unit_id", "unit__name")
        .annotate(**_aggregates())
        .order_by("-total", "unit__name")
    )
    return list(rows)


def campaign_counts(campaign_ids) -> dict[int, LedgerCounts]:
    """The counts by state of each campaign's problems, by campaign id (one query)."""
    rows = (
        Problem.objects.filter(campaign_id__in=campaign_ids)
        .order_by()
        .values("campaign_id")
        .annotate(**_aggregates())
    )
    return {row.pop("campaign_id"): LedgerCounts(**row) for row in rows}


def count_columns(counts) -> list[tuple[str, int, str]]:
    """The counts as the pages show them, each with the ledger's state filter that lists
    exactly those problems: (state, number, label); "" for all of them. ``counts`` is a
    LedgerCounts or a row of ``counts_by_unit``."""

    def get(name: str) -> int:
        return counts[name] if isinstance(counts, dict) else getattr(counts, name)

    return [
        ("", get("total"), _("raised")),
        (State.REPORTED, get("reported"), str(State.REPORTED.label)),
        (State.COORDINATING, get("coordinating"), str(State.COORDINATING.label)),
        (State.RESOLVED, get("resolved"), str(State.RESOLVED.label)),
        (State.REFERRED, get("referred"), str(State.REFERRED.label)),
    ]


def counts_section(
    *, campaign: Campaign, problems: QuerySet[Problem], links: bool, per_unit: bool = True
) -> dict:
    """What ``problems/_counts.html`` shows (cockpit, bulletins): the counts by state, and per
    unit the problems concern, each a link to the ledger when ``links``. One query: with
    ``per_unit``, the counts are the units' added up (every problem is in one unit's row, those
    of no unit in a row of their own), not aggregated again."""
    if per_unit:
        rows = counts_by_unit(problems)
        counts = LedgerCounts(**{name: sum(r[name] for r in rows) for name in _COUNTED})
    else:
        rows, counts = [], ledger_counts(problems)
    return {
        "campaign": campaign,
        "links": links,
        "counts": counts,
        "totals": count_columns(counts),
        "rows": [
            {"unit_id": r["unit_id"], "name": r["unit__name"], "cells": count_columns(r)}
            for r in rows
        ],
    }


def counts_sheet(section: dict) -> tuple[str, list[str], list[list]]:
    """The same counts as a sheet of a bulletin's .xlsx: the campaign's line, then each
    unit's."""
    header = [_("Unit"), *(label for _state, _n, label in section["totals"])]
    lines = [[_("All units"), *(n for _state, n, _label in section["totals"])]]
    lines += [[r["name"], *(n for _state, n, _label in r["cells"])] for r in section["rows"]]
    return _("Problem ledger"), header, lines


def bulletin_section(campaign: Campaign, user):
    """The ledger's counts on a bulletin (``cycles.hooks.campaign_section_register``): the
    whole campaign's by state and by unit, as published (counted live, like the ledger), with
    links for those who see the whole ledger; nothing when the campaign has no problem."""
    problems = Problem.objects.filter(campaign=campaign)
    section = counts_section(
        campaign=campaign, problems=problems, links=sees_whole_ledger(user, campaign)
    )
    if not section["counts"].total:
        return None
    return BulletinSection(
        template="problems/_counts.html", context=section, sheet=counts_sheet(section)
    )


def _task_problems(shape: tuple[bool, bool, bool, bool], values) -> QuerySet[Problem]:
    return (
        Problem.objects.filter(problems_q_of(shape, values), task_id=values["task"])
        .select_related("assigned_unit")
        .order_by("state", "-raised_at", "-id")
    )


# Compiled once per process and shape of person: the task page, a third of the Monday's
# requests, built and compiled this query every time (a sixth of the page's CPU).
_TASK_PROBLEMS = PreparedModels(_task_problems)


def task_section(user, task):
    """The problems raised about ``task`` that ``user`` may read, on the task's page
    (``tasks.hooks.task_page_section_register``), with the way to enter one by hand for the
    campaign's office; nothing for a reader with neither. One query, or two."""
    campaign = task.task_list.campaign
    by_hand = can_raise_by_hand(user, campaign)
    problems = _TASK_PROBLEMS.objects(
        reader_shape(user), user=user.pk, unit=user.unit_id, task=task.pk
    )
    if not problems and not by_hand:
        return None
    return Section(
        template="problems/_task.html",
        context={"campaign": campaign, "task": task, "problems": problems, "by_hand": by_hand},
    )


def ledger_units(problems: QuerySet[Problem]) -> QuerySet[Unit]:
    """The units the problems concern, for the filter."""
    return Unit.objects.filter(pk__in=problems.values("unit_id")).order_by("order", "name")


def ledger_list(problems: QuerySet[Problem], *, state: str = "", unit_id: int | None = None):
    """The ledger's lines, open ones first, each with its unit, assignee and task."""
    if state:
        problems = problems.filter(state=state)
    if unit_id:
        problems = problems.filter(unit_id=unit_id)
    return problems.select_related("unit", "assigned_unit", "task", "raised_by").order_by(
        "state", "-raised_at", "-id"
    )


def problem_history(*, problem: Problem) -> QuerySet[ProblemEvent]:
    return ProblemEvent.objects.filter(problem=problem).select_related("actor").order_by("at", "id")
