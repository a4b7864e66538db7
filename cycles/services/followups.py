"""Follow-up (跟踪问效): the coordinators are reminded once of each follow-up that fell due."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Notification
from notifications.services import notify
from tasks.models import Followup


def followups_remind(*, now: datetime.datetime) -> int:
    """Remind the coordinators of every follow-up that fell due, once each."""
    today = timezone.localdate(now)
    sent = 0
    ids = list(
        Followup.objects.filter(due_date__lte=today, reminded_at__isnull=True).values_list(
            "pk", flat=True
        )[:500]
    )
    for followup_id in ids:
        with transaction.atomic():
            followup = (
                Followup.objects.select_for_update(of=("self",))
                .select_related("task__task_list__campaign")
                .filter(pk=followup_id, reminded_at__isnull=True)
                .first()
            )
            if followup is None:
                continue
            task = followup.task
            notify(
                recipients=list(task.task_list.campaign.coordinators.filter(is_active=True)),
                kind=Notification.Kind.FOLLOWUP,
                title=_("Follow-up due: check that %(code)s %(title)s still holds")
                % {"code": task.code, "title": task.title[:40]},
                url=reverse("tasks:detail", args=[task.pk]),
                campaign=task.task_list.campaign,
            )
            followup.reminded_at = now
            followup.save(update_fields=["reminded_at"])
            sent += 1
    return sent
