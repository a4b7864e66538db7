"""我的任务's 本周应报送 (``owed_tasks`` with a ``sort``, ``targets=False``), its queries
compiled once per process (``config.prepared``): the current rounds, the rows with their
rounds' counts, their last reports and, where the first rows leave a round out, its counts;
and the same for 本周应报送's sheet (``owed_tasks(sheet=True)``: ``owed_sheet``).
Building and compiling them each request was a third of the page's CPU. The same
statements but for the unit, the rounds, the reports and the time, which are parameters (a
list as one array); the same rows (tests/reporting/test_owed_values.py compares them with
the models' on PostgreSQL)."""

import datetime
from typing import Any

from django.db.models import Count, Q

from config.prepared import PreparedModels, among, prepared


def _current_rounds(values):
    from reporting.selectors import ROUND_COLUMNS, current_rounds

    return (
        current_rounds(now=values["now"])
        .order_by("campaign_id", "-week_start")
        .only(*ROUND_COLUMNS)
    )


CURRENT_ROUNDS = PreparedModels(_current_rounds, maxsize=1)


@prepared()
def page_rows(sort: str, today: datetime.date, limit: int | None, values):
    """``_page_rows(sort, today)``: the owed items of the unit in the rounds, the first
    ``limit``."""
    from reporting.selectors import _page_rows, owed_where

    rows = _page_rows(sort, today).filter(owed_where(values["unit"], values["rounds"]))
    return rows[:limit] if limit is not None else rows


@prepared(maxsize=1)
def last_reports(values):
    from reporting.selectors import REPORT_COLUMNS
    from tasks.models import ProgressReport

    return ProgressReport.objects.filter(among("pk", values["ids"])).values("pk", *REPORT_COLUMNS)


@prepared(maxsize=1)
def round_counts(values):
    """``_count_rounds``: the owed items and those reported since their round opened."""
    from cycles.models import RoundItem
    from reporting.selectors import _round_reported, owed_where

    return (
        RoundItem.objects.filter(owed_where(values["unit"], values["rounds"]))
        .alias(round_reported=_round_reported())
        .values("round_id")
        .annotate(owed=Count("pk"), reported=Count("pk", filter=Q(round_reported=True)))
        .order_by()
    )


def count_rounds(unit_id: int, round_ids: list[int], by_round: dict[int, Any]) -> None:
    for row in round_counts.rows(unit=unit_id, rounds=round_ids):
        by_round[row["round_id"]].owed = row["owed"]
        by_round[row["round_id"]].reported = row["reported"]


def current_by_round(now: datetime.datetime) -> dict[int, Any]:
    """The current rounds (one a campaign, its newest), each an ``OwedRound`` not counted yet."""
    from reporting.selectors import OwedRound

    rounds: dict[int, Any] = {}
    for round_ in CURRENT_ROUNDS.objects(now=now):
        rounds.setdefault(round_.campaign_id, round_)
    return {r.pk: OwedRound(round=r) for r in rounds.values()}


def _counted_rounds(unit_id: int, now: datetime.datetime) -> dict[int, Any]:
    """The current rounds, each with the unit's owed and reported counts."""
    by_round = current_by_round(now)
    if by_round:
        count_rounds(unit_id, list(by_round), by_round)
    return by_round


def owed_summary(*, unit_id: int, now: datetime.datetime) -> Any:
    """What a unit owes, counted per round, no task read (一表填报's page, which shows the
    counts and the download): the current rounds and their counts, two statements compiled
    once per process, where ``owed_tasks`` built and compiled four and read a row."""
    from reporting.selectors import _listed

    return _listed(_counted_rounds(unit_id, now), [])


@prepared(maxsize=2)
def _sheet_rows(today: datetime.date, values):
    """The sheet's rows: the unit's owed items of the rounds, in the lists' order, with what
    the sheet writes of their tasks."""
    from reporting.selectors import SHEET_COLUMNS, _rows, owed_where

    rows = _rows(None, today, targets=False).filter(owed_where(values["unit"], values["rounds"]))
    return rows.values(*SHEET_COLUMNS)


def owed_sheet(*, unit_id: int, now: datetime.datetime, today: datetime.date) -> Any:
    """``owed_tasks(sheet=True)``: the current rounds and their counts, then the rows (their
    last reports and targets: ``reporting.sheet_rows``), every statement compiled once per
    process; the same rounds, counts and rows (tests/reporting/test_owed_values.py)."""
    from reporting.selectors import _listed, _owed_sheet

    by_round = _counted_rounds(unit_id, now)
    rows = _sheet_rows.rows(today, unit=unit_id, rounds=list(by_round)) if by_round else []
    return _listed(by_round, _owed_sheet(rows, by_round, today))
