"""Reads of the problem ledger: counts by state (for a campaign, a unit, or any set of
problems: the cockpit and the bulletins call ``problem_counts``), the counts per unit, the
list and a problem's history. Each is one aggregate or one joined read."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import Unit
from campaigns.models import Campaign
from problems.models import Problem, ProblemEvent

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
