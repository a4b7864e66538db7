"""A coordinator's edit of a task, and the lead unit's 签收 (one task, or all it was shown on
我的任务). Views parse, call one service, and render; tasks.permissions decides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.pages import post_only, save_form
from tasks import permissions, services
from tasks.acknowledgements import awaiting_of_unit
from tasks.models import Task
from tasks.permissions import access_task
from tasks.task_forms import TaskForm


@login_required
def task_edit(request, pk: int):
    """Title, units, owners, deadline, difficulty; refused from a stale page."""
    task = access_task(
        request.user, pk, Task.objects.select_related("task_list__campaign", "lead_unit")
    )
    if not permissions.can_edit_task(request.user, task):
        raise PermissionDenied
    form = TaskForm(request.POST or None, task_list=task.task_list, task=task)
    done = save_form(
        request,
        form,
        lambda: services.task_edit(
            task=task,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            supporting_units=form.cleaned_data["supporting_units"],
            **form.values(),
        ),
        success=_("The task was saved; its history shows the change."),
        then=reverse("tasks:detail", args=[task.pk]),
    )
    return done or render(
        request,
        "tasks/task_form.html",
        {
            "form": form,
            "task": task,
            "task_list": task.task_list,
            "campaign": task.task_list.campaign,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@post_only("tasks:detail", anchor="#acknowledge")
def task_acknowledge(request, pk: int):
    task = access_task(request.user, pk, Task.objects.select_related("task_list__campaign"))
    if services.task_acknowledge(task=task, by=request.user):
        messages.success(request, _("Acknowledged: your unit has received this task."))
    else:
        messages.info(request, _("This task had already been acknowledged."))
    return redirect("tasks:detail", pk=task.pk)


@login_required
@post_only("tasks:mine")
def tasks_acknowledge(request):
    """签收 every task 我的任务 listed as waiting (their ids come with the form)."""
    if not permissions.acknowledges_for_unit(request.user):
        raise PermissionDenied
    ids = [int(pk) for pk in request.POST.getlist("task") if pk.isdigit()][:5000]
    # More than the page named: those handed over up to the newest the page counted.
    until = parse_datetime(request.POST.get("until", ""))
    if until is not None:
        ids += (
            awaiting_of_unit(user=request.user)
            .filter(handed_over_at__lte=until)
            .values_list("pk", flat=True)[:5000]
        )
    count = services.tasks_acknowledge(by=request.user, task_ids=ids)
    messages.success(
        request,
        ngettext(
            "%(n)d task acknowledged.",
            "%(n)d tasks acknowledged.",
            count,
        )
        % {"n": count},
    )
    return redirect("tasks:mine")
