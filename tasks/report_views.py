"""Pages on reports beyond the task page: a unit head confirms every report waiting for them
(待我确认), and staff add evidence files to a report already sent."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.errors import RuleViolation
from config.pages import post_only, save_form
from tasks import permissions, services
from tasks.forms import EvidenceForm, ReportForm
from tasks.models import ProgressReport, Target, Task
from tasks.permissions import access_task
from tasks.task_page import VisibleTaskRead
from tasks.views import _task_page

# The report's read of the task, built once per process and cloned for each report: what the
# rules ask before the service reads the task again under its lock (its status, lead unit,
# list and campaign: the service's first check reads them), and whether it has targets, so a
# task without any (most) costs no query for them.
# Compiled once per process and shape of person (``tasks.task_page.VisibleTaskRead``).
REPORT_READ = VisibleTaskRead(
    lambda: Task.objects.select_related("task_list__campaign")
    .only("status", "lead_unit_id", "task_list__kind", "task_list__campaign__status")
    .annotate(has_targets=Exists(Target.objects.filter(task=OuterRef("pk"))))
)


@login_required
@post_only("tasks:detail", anchor="#report")
def report_submit(request, pk: int):
    task = REPORT_READ(request.user, pk)
    lead = permissions.is_lead_member(request.user, task)
    targets = list(task.targets.all()) if lead and task.has_targets else ()  # type: ignore[attr-defined]
    form = ReportForm(request.POST, request.FILES, targets=targets)
    done = save_form(
        request,
        form,
        lambda: services.report_submit(
            task=task,
            by=request.user,
            text=form.cleaned_data["text"],
            percent=form.cleaned_data["percent"],
            obstacles=form.cleaned_data["obstacles"],
            next_steps=form.cleaned_data["next_steps"],
            target_values=form.target_values(),
            files=form.cleaned_data["files"],
            expected_version=form.cleaned_data["version"],
        ),
        success=_("Your report was submitted."),
        then=reverse("tasks:detail", args=[task.pk]),
    )
    return done or _task_page(request, task, forms={"report": form}, status=400)


@login_required
@post_only("tasks:mine")
def reports_confirm_all(request):
    """待我确认 › 全部确认: the reports the page listed (their ids), those still waiting."""
    if not permissions.confirms_reports(request.user):
        raise Http404
    ids = [int(value) for value in request.POST.getlist("report") if value.isdigit()]
    try:
        n = services.reports_confirm_all(by=request.user, report_ids=ids)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        if n:
            messages.success(
                request,
                ngettext("%(n)d report was confirmed.", "%(n)d reports were confirmed.", n)
                % {"n": n},
            )
        else:
            messages.info(request, _("No report was waiting any more: nothing was confirmed."))
    return redirect("tasks:mine")


@login_required
def report_evidence(request, pk: int):
    """Add evidence files to a report already sent (one made through 一表填报 has none)."""
    report = get_object_or_404(ProgressReport.objects.select_related("task", "unit"), pk=pk)
    task = access_task(request.user, report.task_id)
    if not permissions.can_add_evidence(request.user, report):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = EvidenceForm(request.POST, request.FILES)
        done = save_form(
            request,
            form,
            lambda: services.report_evidence_add(
                report=report, by=request.user, files=form.cleaned_data["files"]
            ),
            success=_("The files were added to the report."),
            then=reverse("tasks:detail", args=[task.pk]),
        )
        if done is not None:
            return done
        status = 400
    else:
        form = EvidenceForm()
    return render(
        request,
        "tasks/report_evidence.html",
        {"form": form, "report": report, "task": task, "evidence": report.evidence.all()},
        status=status,
    )
