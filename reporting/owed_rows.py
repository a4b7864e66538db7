"""An owed task as 我的任务's 本周应报送 draws it (``{% owed_rows %}``), read as plain values
(``reporting.selectors.PAGE_COLUMNS``): 50 rows as models were 200 objects (round item, task,
list, campaign) and 50 reports, of which the rows read a dozen values."""

import datetime

from campaigns.models import WORK_KINDS
from tasks.lights import LightResult, task_light
from tasks.table_rows import Named


class OwedRow:
    """The task of an owed round item under ``Task``'s names: number, title, deadline,
    status, progress, and its list with its campaign (``Named``: their names); ``work``: its
    list's lines are work (``TaskList.is_work``), for its light."""

    __slots__ = (
        "pk",
        "code",
        "title",
        "deadline",
        "deadline_text",
        "ongoing",
        "status",
        "progress",
        "task_list",
        "work",
    )

    def __init__(self, values: dict, lists: dict):
        self.pk = values["task_id"]
        self.code = values["task__code"]
        self.title = values["task__title"]
        self.deadline = values["task__deadline"]
        self.deadline_text = values["task__deadline_text"]
        self.ongoing = values["task__ongoing"]
        self.status = values["task__status"]
        self.progress = values["task__progress"]
        list_id = values["task__task_list_id"]
        task_list = lists.get(list_id)
        if task_list is None:
            campaign = Named(
                values["task__task_list__campaign_id"], values["task__task_list__campaign__name"]
            )
            task_list = lists[list_id] = Named(
                list_id, values["task__task_list__name"], campaign=campaign
            )
        self.task_list = task_list
        self.work = values["task__task_list__kind"] in WORK_KINDS

    def light_on(self, today: datetime.date) -> LightResult:
        """``Task.light_on``: the same rule, from the same values."""
        return task_light(
            work=self.work,
            deadline=self.deadline,
            ongoing=self.ongoing,
            progress=self.progress,
            status=self.status,
            today=today,
        )


class ReportValues:
    """A last report as the rows read it (``REPORT_COLUMNS``): when, how far, whether it
    waits for the head's confirmation."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
