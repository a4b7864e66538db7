"""The reports rounds owed, made and made on time, counted in one grouped query.

A round owes one report per task from the task's lead unit (``RoundItem``). The report is made
when that unit reported within the round's window (opened ≤ submitted < closed) and on time
when by the due time (opened ≤ submitted ≤ due) — as the weekly bulletin counts
(``cockpit.selectors.figures.round_items`` says the same per item, for the drill-down's
filters). Both depend only on the unit's first report since the round opened: made when it
came before the close, on time when by the due time. So the reports since the earliest round
opened are read once (an index range on ``submitted_at``), their first time per round, task
and unit is taken, and the items are joined to those — a hash join, where an EXISTS per item
probed the reports twice for each of 100,000 items (0.8–1.3 s; README "Speed of the pages").
"""

from collections.abc import Collection

from django.db import connections, router

from accounts.models import Unit
from cycles.models import DispatchRound, RoundItem
from tasks.models import ProgressReport

# What the counts may be grouped by: name → column of the grouped items (ids and text only: raw
# SQL gets no conversion of dates on SQLite). The lead unit's name is looked up after the
# counting, for the few groups: joining the units to every item owed cost a hash join over
# 100,000 rows and a wider group key.
GROUPS: dict[str, str] = {
    "round_id": "x.round_id",
    "lead_unit_id": "x.lead_unit_id",
    "lead_unit__name": "u.name",
}


def _sql(groups: tuple[str, ...], ids: int, by_unit: bool) -> str:
    items, rounds = RoundItem._meta.db_table, DispatchRound._meta.db_table
    reports = ProgressReport._meta.db_table
    keys = [g for g in ("round_id", "lead_unit_id") if g in groups]
    named = "lead_unit__name" in groups
    if named and "lead_unit_id" not in keys:
        keys.append("lead_unit_id")
    inner = ", ".join(f"i.{key}" for key in keys)
    marks = ", ".join(["%s"] * ids)
    units = f"JOIN {Unit._meta.db_table} u ON u.id = x.lead_unit_id" if named else ""
    return f"""
        SELECT {", ".join(GROUPS[g] for g in groups)}, x.owed, x.reported, x.on_time
        FROM (
            SELECT {inner}, COUNT(*) AS owed,
                SUM(CASE WHEN f.first_at < d.closes_at THEN 1 ELSE 0 END) AS reported,
                SUM(CASE WHEN f.first_at <= d.due_at THEN 1 ELSE 0 END) AS on_time
            FROM {items} i
            JOIN {rounds} d ON d.id = i.round_id
            LEFT JOIN (
                SELECT r.id AS round_id, p.task_id, p.unit_id, MIN(p.submitted_at) AS first_at
                FROM {reports} p JOIN {rounds} r ON p.submitted_at >= r.opens_at
                WHERE r.id IN ({marks})
                    AND p.submitted_at >= (SELECT MIN(opens_at) FROM {rounds} WHERE id IN ({marks}))
                GROUP BY r.id, p.task_id, p.unit_id
            ) f ON f.round_id = i.round_id AND f.task_id = i.task_id
                AND f.unit_id = i.lead_unit_id
            WHERE i.round_id IN ({marks}) {"AND i.lead_unit_id = %s" if by_unit else ""}
            GROUP BY {inner}
        ) x {units}
    """


def reporting_counts(
    round_ids: Collection[int], *group: str, lead_unit_id: int | None = None
) -> list[dict]:
    """Reports owed, made and made on time in these rounds (only ``lead_unit_id``'s, if
    given), per ``group`` (names of ``GROUPS``): one query; none when there is no round."""
    ids = sorted(set(round_ids))
    if not ids:
        return []
    params: list = ids * 3 + ([lead_unit_id] if lead_unit_id is not None else [])
    connection = connections[router.db_for_read(RoundItem)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(group, len(ids), lead_unit_id is not None), params)
        rows = cursor.fetchall()
    counts = ("owed", "reported", "on_time")
    width = len(group)
    return [
        {
            **dict(zip(group, row[:width], strict=True)),
            **dict(zip(counts, row[width:], strict=True)),
        }
        for row in rows
    ]
