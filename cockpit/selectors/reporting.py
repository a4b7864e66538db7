"""The reports rounds owed, made and made on time, counted in one grouped query.

A round owes one report per task from the task's lead unit (``RoundItem``). Each item keeps
whether it came (``RoundItem.report_state``, written with the report in its transaction:
``cycles.services.owed``): on time (a report of the lead unit between the opening and the due
time), late (before the close) or missing — the weekly bulletin's rule. So the counts are a
count of that column over the round's items, read from the index ``rounditem_report_state``
(round, lead unit, state) alone; where the first report of each item's unit since the round
opened was worked out from the reports and hash-joined to every item owed (about 55 ms of the
database's CPU for 100,000 items; README "Speed of the pages"). The drill-down's filters
(``cockpit.selectors.figures.round_items``) read the same column, so each figure opens exactly
the tasks it counts; ``tests/cockpit/test_reporting_counts.py`` compares both with a
report-by-report check at each edge of the window.
"""

from collections.abc import Collection

from django.db import connections, router

from accounts.models import Unit
from cycles.models import RoundItem

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
    items = RoundItem._meta.db_table
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
                SUM(CASE WHEN i.report_state <> %s THEN 1 ELSE 0 END) AS reported,
                SUM(CASE WHEN i.report_state = %s THEN 1 ELSE 0 END) AS on_time
            FROM {items} i
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
    states = [RoundItem.ReportState.MISSING.value, RoundItem.ReportState.ON_TIME.value]
    params: list = states + ids + ([lead_unit_id] if lead_unit_id is not None else [])
    connection = connections[router.db_for_read(RoundItem)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(group, len(ids), lead_unit_id is not None), params)
        rows = cursor.fetchall()
    counts = ("owed", "reported", "on_time")
    width = len(group)
    return [
        {
            **dict(zip(group, row[:width], strict=True)),
            **dict(zip(counts, (int(n) for n in row[width:]), strict=True)),
        }
        for row in rows
    ]
