"""Who may report in bulk (一表填报) and see an upload. Pages and services ask this module.

* Reporting in bulk: unit staff and unit heads of a unit (for the tasks their unit leads; each
  row is then held to ``tasks.permissions.can_report`` by the report service itself).
* An upload: only the person who uploaded it (404 for anyone else).
"""

from django.http import Http404

from accounts.models import User
from accounts.permissions import works_on_tasks
from reporting.models import ReportUpload


def can_report_in_bulk(user: User) -> bool:
    """Unit staff and heads who belong to a unit: they download and upload its owed sheet."""
    return works_on_tasks(user) and user.unit_id is not None


def access_upload(user: User, pk: int, *, rows: bool = True) -> ReportUpload:
    """The upload if ``user`` made it (and may still report in bulk), with its unit and its
    uploader; 404 otherwise. Without its ``rows`` (read when used) for a caller that reads
    them again, under a lock."""
    if not can_report_in_bulk(user):
        raise Http404
    uploads = ReportUpload.objects.filter(pk=pk, uploaded_by=user).select_related("unit")
    upload = (uploads if rows else uploads.defer("rows")).first()
    if upload is None:
        raise Http404
    upload.uploaded_by = user  # who asks is who uploaded it: the page names both, unread again
    return upload
