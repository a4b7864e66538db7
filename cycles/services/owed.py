"""Whether each weekly report owed came (``RoundItem.report_state``): on time (by the due
time), late (before the round closed) or missing, counted from the round's opening, from the
reports of the item's lead unit on its task — the rule ``cycles.ranking.inputs`` applies
report by report.

The state is written in the transaction that writes what changes it, never later: a report
(``owed_reports_record``, which ``tasks`` calls through ``tasks.hooks.reports_written``),
a round opening (``owed_states_refresh`` on its items: reports may be older than its items),
units merged (their reports and items are one unit's); a round closing works its states out
once more. A report's task, unit and time never change once written (a correction changes
its words, certifying locks it) and no service deletes one (a task deleted takes its items
with it), so nothing else moves a state. The draft ranking counts the states; "why this
score" and certifying read the reports themselves, and the tests hold the two equal.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from config.prepared import PreparedUpdate, among
from cycles.models import DispatchRound, RoundItem
from tasks.models import ProgressReport

ON_TIME, LATE, MISSING = RoundItem.ReportState.values


@PreparedUpdate
def _settled(values):
    """The items of ``values["tasks"]`` owed by ``values["unit"]`` in each round whose window
    holds ``values["at"]``, not on time yet: on time by the due time, else late."""
    at = values["at"]
    windows = DispatchRound.objects.filter(opens_at__lte=at).filter(
        Q(due_at__gte=at) | Q(closes_at__gt=at)
    )
    by_due = DispatchRound.objects.filter(pk=OuterRef("round_id"), due_at__gte=at)
    items = RoundItem.objects.filter(
        among("task_id", values["tasks"]),
        lead_unit_id=values["unit"],
        round_id__in=windows.values("pk"),
    ).exclude(report_state=ON_TIME)
    return items, {
        "report_state": Case(When(Exists(by_due), then=Value(ON_TIME)), default=Value(LATE))
    }


def owed_reports_record(reports: Iterable[ProgressReport]) -> int:
    """The items the new ``reports`` settle: of their tasks, owed by the reporting unit, in
    each round whose window holds the report's time — on time by the due time, else late
    (an item on time stays so). One statement per unit and time (a sheet of 一表填报 is one),
    compiled once per process (``config.prepared.PreparedUpdate``)."""
    tasks: dict[tuple[int, datetime.datetime], set[int]] = defaultdict(set)
    for report in reports:
        tasks[(report.unit_id, report.submitted_at)].add(report.task_id)
    return sum(
        _settled.update(tasks=sorted(task_ids), unit=unit_id, at=at)
        for (unit_id, at), task_ids in tasks.items()
    )


def owed_states_refresh(*, items: QuerySet[RoundItem], also_units: Iterable[int] = ()) -> int:
    """Work out ``items``' states again from the reports, writing only the lines whose state
    differs (three statements, none of them writing when all is in step): a round just
    opened, a round closing (what the release before this one wrote while it still served,
    README "Upgrades"), units merged. ``also_units``: reports of these units count as the
    items' lead unit's too (a merge, whichever of the two apps moves its rows first)."""
    units = Q(unit_id=OuterRef("lead_unit_id"))
    if also_units:
        units |= Q(unit_id__in=list(also_units))
    reports = ProgressReport.objects.filter(
        units, task_id=OuterRef("task_id"), submitted_at__gte=OuterRef("round__opens_at")
    )
    on_time = Exists(reports.filter(submitted_at__lte=OuterRef("round__due_at")))
    late = Exists(reports.filter(submitted_at__lt=OuterRef("round__closes_at")))
    return (
        items.filter(on_time).exclude(report_state=ON_TIME).update(report_state=ON_TIME)
        + items.filter(~on_time, late).exclude(report_state=LATE).update(report_state=LATE)
        + items.filter(~on_time, ~late).exclude(report_state=MISSING).update(report_state=MISSING)
    )
