from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from campaigns.selectors import list_export
from config.pages import XLSX, attachment, post_only, xlsx_response
from config.replica import read_replica
from exports.models import ListExport
from exports.permissions import access_export
from exports.services import list_export_request
from tasks.forms import TaskFilterForm
from tasks.permissions import access_campaign, access_task_list
from tasks.selectors import list_filter_choices, tasks_of_list


def _list_and_filters(request, slug: str, pk: int, query):
    campaign = access_campaign(request.user, slug)
    task_list = access_task_list(request.user, campaign, pk)
    choices = list_filter_choices(task_list=task_list)
    form = TaskFilterForm(query, for_unit=False, work=task_list.is_work, **choices)
    return campaign, task_list, form.filters()


@login_required
@require_GET
@read_replica()
def list_export_view(request, slug: str, pk: int):
    """The list as .xlsx in the layout it came in, filtered as on its page: at once for up to
    EXPORT_INLINE_MAX_TASKS tasks; a larger one is written by a job (a page to ask for it)."""
    campaign, task_list, filters = _list_and_filters(request, slug, pk, request.GET)
    count = tasks_of_list(user=request.user, task_list=task_list, filters=filters).count()
    if count <= settings.EXPORT_INLINE_MAX_TASKS:
        data = list_export(user=request.user, task_list=task_list, filters=filters)
        return xlsx_response(data, f"{task_list.name}.xlsx")
    query = request.GET.urlencode()
    return render(
        request,
        "exports/ask.html",
        {"campaign": campaign, "task_list": task_list, "count": count, "query": query},
    )


@login_required
@post_only("campaigns:list_export")
def export_ask(request, slug: str, pk: int):
    """Ask for a large list's export (the filters ride in the address, as on the list page)."""
    _campaign, task_list, _filters = _list_and_filters(request, slug, pk, request.GET)
    export = list_export_request(
        user=request.user, task_list=task_list, query=request.GET.urlencode()
    )
    return redirect("exports:export", pk=export.pk)


@login_required
@require_GET
def export_page(request, pk: int):
    """Being prepared (the page asks again every two seconds), ready to download, or failed."""
    export = access_export(request.user, pk)
    back = reverse(
        "campaigns:list_detail", args=[export.task_list.campaign.slug, export.task_list_id]
    )
    return render(
        request,
        "exports/export.html",
        {
            "export": export,
            "lost": export.lost(timezone.now()),
            "back": f"{back}?{export.query}" if export.query else back,
            "pending": export.status == ListExport.Status.PENDING,
        },
    )


@login_required
@require_GET
def export_download(request, pk: int):
    """The finished file, from the storage (S3 or MEDIA_ROOT), to the person who asked."""
    export = access_export(request.user, pk)
    if export.status != ListExport.Status.DONE or not export.file:
        raise Http404
    response = FileResponse(export.file.open("rb"), content_type=XLSX)
    response["Content-Disposition"] = attachment(export.filename, "export.xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    return response
