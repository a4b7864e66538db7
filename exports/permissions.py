from django.http import Http404

from accounts.models import User
from exports.models import ListExport
from tasks.permissions import visible_lists_q


def access_export(user: User, pk: int) -> ListExport:
    """An export the person asked for, of a list they may still read; 404 otherwise (a file
    of task content is never handed to someone else, nor after the list was hidden)."""
    if not user.is_authenticated:
        raise Http404
    export = (
        ListExport.objects.select_related("task_list__campaign")
        .filter(pk=pk, requested_by=user)
        .first()
    )
    if export is None or not _list_visible(user, export):
        raise Http404
    return export


def _list_visible(user: User, export: ListExport) -> bool:
    from campaigns.models import TaskList
    from tasks.permissions import visible_campaigns

    return (
        visible_campaigns(user).filter(pk=export.task_list.campaign_id).exists()
        and TaskList.objects.filter(visible_lists_q(user), pk=export.task_list_id).exists()
    )
