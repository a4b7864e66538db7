"""我的任务's 本周应报送 (``owed_tasks`` with a ``sort``, ``targets=False``), its queries
compiled once per process (``config.prepared``): the current rounds, the rows with their
rounds' counts, their last reports and, where the first rows leave a round out, its counts.
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


def owed_summary(*, unit_id: int, now: datetime.datetime) -> Any:
    """What a unit owes, counted per round, no task read (一表填报's page, which shows the
    counts and the download): the current rounds and their counts, two statements compiled
    once per process, where ``owed_tasks`` built and compiled four and read a row."""
    from reporting.selectors import OwedRound, _listed

    rounds: dict[int, Any] = {}
    for round_ in CURRENT_ROUNDS.objects(now=now):
        rounds.setdefault(round_.campaign_id, round_)
    by_round = {r.pk: OwedRound(round=r) for r in rounds.values()}
    if by_round:
        count_rounds(unit_id, list(by_round), by_round)
    return _listed(by_round, [])
