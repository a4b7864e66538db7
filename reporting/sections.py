"""The top of 我的任务: what the unit owes in the current rounds, with the due time and a count
(registered with ``tasks.hooks`` in ``ReportingConfig.ready()``)."""

import datetime

from reporting import permissions
from reporting.selectors import OwedTask, owed_tasks
from tasks.hooks import Section

# Rows of the owed table on 我的任务; the rest are one click away (the sheet, 一表填报). A
# unit owing hundreds of tasks made 我的任务 a 360 KB page costing 270 ms of CPU, the most
# visited page of a Monday (the load benchmark, README "Load and faults").
OWED_SHOWN = 50
LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2, "grey": 3}
FAR = datetime.date.max


def _sort_key(sort: str):
    def key(item: OwedTask):
        task, last = item.task, item.last_report
        if sort == "deadline":
            rank: tuple = (task.deadline or FAR,)
        elif sort == "light":
            rank = (LIGHT_ORDER.get(item.light.light if item.light else "grey", 3),)
        elif sort == "last_report":
            rank = (last is not None, last.submitted_at.timestamp() if last else 0)
        else:
            rank = ()
        # Not reported yet first; then the order asked for; then the lists' order.
        return (item.reported, *rank)

    return key


def owed_section(user, today: datetime.date, sort: str) -> Section | None:
    """本周应报送 on 我的任务, for unit staff and heads whose unit owes something this round."""
    if not permissions.can_report_in_bulk(user):
        return None
    owed = owed_tasks(unit_id=user.unit_id, today=today)
    if not owed.tasks:
        return None
    items = sorted(owed.tasks, key=_sort_key(sort))  # stable: ties keep the lists' order
    return Section(
        "reporting/_owed_section.html",
        {
            "owed": owed,
            "items": items[:OWED_SHOWN],  # not reported yet first
            "more": max(0, len(items) - OWED_SHOWN),
            "today": today,
        },
    )
