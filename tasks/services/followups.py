"""跟踪问效: a follow-up date when a task is closed, and the coordinator's finding."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import RuleViolation
from tasks import permissions
from tasks.models import Followup, Task, TaskEvent
from tasks.services._common import require
from tasks.services.core import event_record


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return datetime.date(year, month, min(day.day, (following - datetime.timedelta(days=1)).day))


def followup_schedule(*, task: Task, closed_on: datetime.date) -> Followup:
    months = task.task_list.campaign.followup_months
    followup, _created = Followup.objects.get_or_create(
        task=task, due_date=add_months(closed_on, months)
    )
    return followup


@transaction.atomic
def followup_record(*, followup: Followup, by: User, finding: str, result_holds: bool) -> Followup:
    followup = (
        Followup.objects.select_for_update(of=("self",)).select_related("task").get(pk=followup.pk)
    )
    require(permissions.can_coordinate(by, followup.task))
    if followup.checked_at is not None:
        raise RuleViolation(_("This follow-up has already been recorded."), code="stale")
    if not finding or not finding.strip():
        raise RuleViolation(_("Write what the follow-up found."), field="finding")
    followup.finding = finding.strip()
    followup.result_holds = result_holds
    followup.checked_by = by
    followup.checked_at = timezone.now()
    followup.save(update_fields=["finding", "result_holds", "checked_by", "checked_at"])
    event_record(
        task=followup.task,
        by=by,
        kind=TaskEvent.Kind.FOLLOWUP_RECORDED,
        after={"followup_id": followup.pk, "result_holds": result_holds},
        note=followup.finding,
    )
    return followup
