"""The top of 我的任务: what the unit owes in the current rounds, with the due time and a count
(registered with ``tasks.hooks`` in ``ReportingConfig.ready()``)."""

import datetime

from reporting import permissions
from reporting.selectors import owed_tasks
from tasks.hooks import Section

#: How many owed tasks 我的任务 lists (the counts cover them all; the sheet and 一表填报 too).
OWED_SHOWN = 50


def owed_section(user, today: datetime.date, sort: str) -> Section | None:
    """本周应报送 on 我的任务, for unit staff and heads whose unit owes something this round:
    the counts of every owed task (in SQL), and the first ``OWED_SHOWN`` of them, not
    reported yet first, then in the order the page asks for."""
    if not permissions.can_report_in_bulk(user):
        return None
    owed = owed_tasks(unit_id=user.unit_id, today=today, limit=OWED_SHOWN, sort=sort, targets=False)
    if not owed.tasks:
        return None
    return Section(
        "reporting/_owed_section.html", {"owed": owed, "items": owed.tasks, "today": today}
    )
