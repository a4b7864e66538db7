"""A unit head confirms many reports at once (待我确认 › 全部确认), and staff add evidence to a
report after it was sent (a report made through 一表填报 carries no files)."""

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from config.errors import RuleViolation
from notifications.models import Notification
from notifications.services import notify
from tasks import permissions
from tasks.models import Evidence, ProgressReport, Task, TaskEvent
from tasks.services._common import check_files, require, store_files
from tasks.services.core import event_record, one_transaction
from tasks.services.reports import report_confirm


@transaction.atomic
def reports_confirm_all(*, by: User, report_ids: Iterable[int]) -> int:
    """Confirm every report of ``report_ids`` that still waits, through ``report_confirm`` (so
    each moves its task and leaves its history as one confirmation would). Reports confirmed
    meanwhile, or locked by a certified month, are left alone; a report the head may not
    confirm refuses the whole batch (403). Each submitter is told once. Returns how many were
    confirmed."""
    reports = list(
        ProgressReport.objects.select_for_update(of=("self",))
        .filter(pk__in=list(report_ids))
        .order_by("submitted_at", "id")
    )
    waiting = [r for r in reports if r.confirmed_at is None and r.locked_at is None]
    for report in waiting:
        require(permissions.can_confirm_report(by, report))
    submitters: Counter[int] = Counter()
    people: dict[int, User] = {}
    with one_transaction():  # one refusal undoes them all anyway: no savepoint per report
        for report in waiting:
            report_confirm(report=report, by=by, notify_submitter=False)
            submitters[report.submitted_by_id] += 1
    if submitters:
        people = {u.pk: u for u in User.objects.filter(pk__in=list(submitters))}
    for user_id, n in submitters.items():
        notify(
            recipients=[people[user_id]],
            kind=Notification.Kind.REPORT_CONFIRMED,
            title=ngettext(
                "%(head)s confirmed %(n)d of your reports",
                "%(head)s confirmed %(n)d of your reports",
                n,
            )
            % {"head": str(by), "n": n},
            url=reverse("tasks:mine"),
        )
    return len(waiting)


@transaction.atomic
def report_evidence_add(*, report: ProgressReport, by: User, files: Iterable) -> list[Evidence]:
    """Attach evidence files to a report already sent, under the rules of correcting it (the
    reporting unit's staff, until its month is certified)."""
    report = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("task")
        .get(pk=report.pk)
    )
    if report.locked_at is not None:
        raise RuleViolation(
            _("The month of this report has been certified; it can no longer be changed."),
            code="locked",
        )
    require(permissions.can_edit_report(by, report))
    checked = check_files(files)
    if not checked:
        raise RuleViolation(_("Choose at least one file."), field="files")
    stored = store_files(checked, report=report)
    task = Task.objects.get(pk=report.task_id)
    event_record(
        task=task,
        by=by,
        kind=TaskEvent.Kind.REPORT_EDITED,
        after={"report_id": report.pk, "files": [c.original_name for c in checked]},
        note=_("Evidence added to the report of %(date)s")
        % {"date": report.submitted_at.date().isoformat()},
    )
    return stored
