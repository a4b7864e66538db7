"""Exports of lists too large to write while the person waits: asked for on the list's export
page, written by a job into the file storage, downloaded from their own page."""

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import TaskList
from exports.models import ListExport

log = logging.getLogger(__name__)


def list_export_request(*, user: User, task_list: TaskList, query: str) -> ListExport:
    """Ask for the export of ``task_list`` filtered by ``query`` (the list page's query
    string). The same person asking again for the same export while one is being prepared,
    or within ``EXPORT_REUSE_SECONDS`` of one being ready, gets that one: a second click
    does not write 10,000 rows again."""
    now = timezone.now()
    query = query[:2000]  # as stored: a longer query string is still found again
    same = ListExport.objects.filter(requested_by=user, task_list=task_list, query=query)
    recent = same.filter(
        status=ListExport.Status.DONE,
        finished_at__gte=now - datetime.timedelta(seconds=settings.EXPORT_REUSE_SECONDS),
    ).first() or next(
        (e for e in same.filter(status=ListExport.Status.PENDING)[:1] if not e.lost(now)), None
    )
    if recent is not None:
        return recent
    export = ListExport.objects.create(
        task_list=task_list,
        requested_by=user,
        query=query,
        filename=f"{task_list.name}.xlsx",
        created_at=now,
    )
    pk = export.pk

    def queue():
        from exports.jobs import list_export_build_job

        list_export_build_job.delay(pk)

    # A broker that is down must not turn the request into an error page: the export stays
    # pending, its page says so after LOST_AFTER, and the person asks again.
    transaction.on_commit(queue, robust=True)
    return export


def list_export_build(*, export_id: int) -> bool:
    """Write the export (the job): the tasks the person may see now, filtered as they asked.
    Acts once: a redelivered job finds the export locked or no longer pending."""
    from campaigns.selectors import list_export
    from tasks.forms import TaskFilterForm
    from tasks.selectors import list_filter_choices

    with transaction.atomic():
        export = (
            ListExport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("task_list", "requested_by")
            .filter(pk=export_id, status=ListExport.Status.PENDING)
            .first()
        )
        if export is None:
            return False
        task_list = export.task_list
        form = TaskFilterForm(
            QueryDict(export.query),
            for_unit=False,
            work=task_list.is_work,
            **list_filter_choices(task_list=task_list),
        )
        data = list_export(user=export.requested_by, task_list=task_list, filters=form.filters())
        export.file.save(f"list-{task_list.pk}-{export.pk}.xlsx", ContentFile(data), save=False)
        export.status = ListExport.Status.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "finished_at"])
    return True


def list_export_failed(*, export_id: int, message: str) -> None:
    ListExport.objects.filter(pk=export_id, status=ListExport.Status.PENDING).update(
        status=ListExport.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


def list_exports_prune(*, now: datetime.datetime, keep_hours: int) -> int:
    """Forget exports older than ``keep_hours``: their files (task content) leave the storage."""
    old = ListExport.objects.filter(created_at__lt=now - datetime.timedelta(hours=keep_hours))
    count = 0
    for export in old.iterator():
        if export.file:
            try:
                export.file.delete(save=False)
            except OSError:
                log.warning("export file %s could not be removed", export.file.name)
                continue
        export.delete()
        count += 1
    return count


def failure_message() -> str:
    return _("Preparing the export failed unexpectedly; ask for it again.")
