"""一表填报 pages: download the week's owed sheet, upload it filled in, check the preview,
confirm. Views parse input and call one selector or service."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.errors import RuleViolation
from config.pages import post_only, xlsx_response
from reporting import permissions, services
from reporting.checking import rows_that_say_something
from reporting.models import ReportUpload
from reporting.page_reads import owed_summary
from reporting.selectors import owed_tasks
from reporting.workbook import owed_workbook


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in sheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


def _week_label(owed) -> str:
    labels = list(dict.fromkeys(r.round.iso_label for r in owed.rounds))
    return "、".join(labels) or timezone.localdate().strftime("%Y-%m-%d")


def _start_page(request, form, status=200):
    # The page shows the counts per round (counted in SQL), not the tasks (reading all 280
    # of a busy unit was most of its CPU).
    owed = owed_summary(unit_id=request.user.unit_id, now=timezone.now())
    uploads = ReportUpload.objects.filter(uploaded_by=request.user).defer("rows")[:5]
    return render(
        request,
        "reporting/start.html",
        {"form": form, "owed": owed, "uploads": uploads},
        status=status,
    )


@login_required
def start(request):
    """What the unit owes this week, the sheet to download, and the upload form."""
    if not permissions.can_report_in_bulk(request.user):
        raise Http404
    return _start_page(request, UploadForm())


@login_required
def owed_download(request):
    """本周应报送 as .xlsx: the unit's owed tasks with their last report, progress, targets."""
    if not permissions.can_report_in_bulk(request.user):
        raise Http404
    owed = owed_tasks(unit_id=request.user.unit_id, sheet=True)
    label = _week_label(owed)
    data = owed_workbook(unit_name=request.user.unit.name, owed=owed, week_label=label)
    return xlsx_response(data, f"本周应报送-{request.user.unit.name}-{label}.xlsx")


@login_required
@post_only("reporting:start")
def upload(request):
    if not permissions.can_report_in_bulk(request.user):
        raise Http404
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            result = services.upload_check(by=request.user, filename=file.name, data=file.read())
        except RuleViolation as error:
            error.add_to(form)
        else:
            if not result.already:
                return redirect("reporting:upload_detail", pk=result.upload.pk)
            done = result.upload
            messages.info(
                request,
                _(
                    "This very file was confirmed by %(who)s on %(when)s: its reports are "
                    "written already, and nothing is written twice."
                )
                % {
                    "who": str(done.uploaded_by),
                    "when": timezone.localtime(done.confirmed_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            if done.uploaded_by_id == request.user.pk:
                return redirect("reporting:upload_detail", pk=done.pk)
            return redirect("reporting:start")
    return _start_page(request, form, status=400)


@login_required
def upload_detail(request, pk: int):
    """The preview (each row's report and every error by row and column), or once confirmed
    what was written, with a link to each task for its evidence. Rows unchanged or left
    empty are counted, and listed when asked (``?rows=all``): a busy unit's sheet lists
    every task it owes, 300 rows of which a person fills a few."""
    upload = permissions.access_upload(request.user, pk)
    everything = request.GET.get("rows") == "all"
    rows = upload.rows if everything else rows_that_say_something(upload)
    unlisted = len(upload.rows) - len(rows)
    context = {"upload": upload, "rows": rows, "everything": everything, "unlisted": unlisted}
    return render(request, "reporting/upload.html", context)


@login_required
@post_only("reporting:upload_detail")
def upload_confirm(request, pk: int):
    # Its rows (a busy unit's sheet: 300 of them) are read once, by the service, under a lock.
    upload = permissions.access_upload(request.user, pk, rows=False)
    try:
        written = services.upload_confirm(upload=upload, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
        return redirect("reporting:upload_detail", pk=upload.pk)
    upload.refresh_from_db(fields=["status"])
    if upload.status == ReportUpload.Status.CONFIRMED:
        if written:
            messages.success(
                request,
                ngettext("%(n)d report was written.", "%(n)d reports were written.", written)
                % {"n": written},
            )
    else:
        messages.error(
            request,
            _("Nothing was written: the rows below were refused. Correct them and upload again."),
        )
    return redirect("reporting:upload_detail", pk=upload.pk)
