"""The coordinators' pages for running a campaign without the admin: create and edit it, its
lists, add a task by hand, archive and restore, and see who has not acknowledged their tasks.
Views parse, call one service or selector, and render; tasks.permissions decides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import CampaignEvent, TaskList
from campaigns.running_forms import CampaignForm, TaskListForm
from campaigns.services.running import (
    campaign_archive,
    campaign_create,
    campaign_restore,
    campaign_update,
    task_list_create,
    task_list_update,
)
from config.pages import post_only, query_without_page, save_form
from tasks.acknowledgements import acknowledgement_tasks, acknowledgement_units
from tasks.permissions import (
    access_campaign,
    access_managed_campaign,
    can_archive_campaign,
    can_create_campaign,
    can_edit_campaign,
    can_see_acknowledgements,
)
from tasks.services import task_add
from tasks.task_forms import TaskForm

ACK_PAGE_SIZE = 100


@login_required
def campaign_create_view(request):
    """Start a campaign: the person creating it becomes one of its coordinators."""
    if not can_create_campaign(request.user):
        raise Http404
    form = CampaignForm(request.POST or None, initial={"year": timezone.localdate().year})
    done = save_form(
        request,
        form,
        lambda: campaign_create(
            by=request.user,
            slug=form.cleaned_data.get("slug") or "",
            coordinators=form.cleaned_data["coordinators"],
            **form.values(),
        ),
        success=_("The campaign was created. Add its lists next."),
        then=lambda campaign: reverse("campaigns:edit", kwargs={"slug": campaign.slug}),
    )
    status = 400 if form.is_bound else 200
    return done or render(request, "campaigns/campaign_form.html", {"form": form}, status=status)


def _edit_page(request, campaign, *, form=None, list_form=None, status=200):
    editable = can_edit_campaign(request.user, campaign)
    return render(
        request,
        "campaigns/campaign_edit.html",
        {
            "campaign": campaign,
            "form": form or CampaignForm(campaign=campaign),
            "list_form": list_form or TaskListForm(),
            "lists": campaign.lists.order_by("order", "id"),
            "events": CampaignEvent.objects.filter(campaign=campaign)
            .select_related("actor")
            .order_by("-at", "-id")[:50],
            "editable": editable,
            "can_archive": can_archive_campaign(request.user, campaign),
        },
        status=status,
    )


@login_required
def campaign_edit(request, slug: str):
    """Name, year, organiser, dates, coordinators, acknowledgement hours; the lists; history."""
    campaign = access_managed_campaign(request.user, slug)
    if request.method != "POST":
        return _edit_page(request, campaign)
    form = CampaignForm(request.POST, campaign=campaign)
    done = save_form(
        request,
        form,
        lambda: campaign_update(
            campaign=campaign,
            by=request.user,
            coordinators=form.cleaned_data["coordinators"],
            **form.values(),
        ),
        success=_("The campaign was saved."),
        then=lambda _saved: _after_edit(request, campaign),
    )
    return done or _edit_page(request, campaign, form=form, status=400)


def _after_edit(request, campaign) -> str:
    """Back to the campaign's page; to the list of campaigns if they handed it over."""
    if not campaign.coordinators.filter(pk=request.user.pk).exists():
        return reverse("campaigns:list")
    return reverse("campaigns:edit", kwargs={"slug": campaign.slug})


@login_required
@post_only("campaigns:edit", anchor="#archive")
def campaign_archive_view(request, slug: str):
    campaign = access_managed_campaign(request.user, slug)
    campaign_archive(campaign=campaign, by=request.user)
    messages.success(
        request, _("The campaign was archived: it is read-only and runs no more rounds.")
    )
    return redirect("campaigns:edit", slug=slug)


@login_required
@post_only("campaigns:edit", anchor="#archive")
def campaign_restore_view(request, slug: str):
    campaign = access_managed_campaign(request.user, slug)
    campaign_restore(campaign=campaign, by=request.user)
    messages.success(request, _("The campaign was restored."))
    return redirect("campaigns:edit", slug=slug)


@login_required
@post_only("campaigns:edit")
def list_create(request, slug: str):
    campaign = access_managed_campaign(request.user, slug)
    form = TaskListForm(request.POST)
    done = save_form(
        request,
        form,
        lambda: task_list_create(campaign=campaign, by=request.user, **form.values()),
        success=lambda task_list: (
            _("The list %(name)s was added: add its tasks by hand or import them.")
            % {"name": task_list.name}
        ),
        then=lambda task_list: reverse(
            "campaigns:list_detail", kwargs={"slug": slug, "pk": task_list.pk}
        ),
    )
    return done or _edit_page(request, campaign, list_form=form, status=400)


@login_required
def list_edit(request, slug: str, pk: int):
    campaign = access_managed_campaign(request.user, slug)
    task_list = get_object_or_404(TaskList, campaign=campaign, pk=pk)
    form = TaskListForm(request.POST or None, task_list=task_list)
    if request.method == "POST":
        if not can_edit_campaign(request.user, campaign):
            raise PermissionDenied
        done = save_form(
            request,
            form,
            lambda: task_list_update(task_list=task_list, by=request.user, **form.values()),
            success=_("The list was saved."),
            then=reverse("campaigns:edit", kwargs={"slug": slug}),
        )
        if done is not None:
            return done
    return render(
        request,
        "campaigns/list_form.html",
        {"campaign": campaign, "task_list": task_list, "form": form},
        status=400 if form.is_bound else 200,
    )


def _next_code(task_list: TaskList) -> str:
    """The number after the list's highest plain number (the list's own numbers are kept)."""
    numbers = [int(c) for c in task_list.tasks.values_list("code", flat=True) if c.isdigit()]
    return str(max(numbers, default=0) + 1)


@login_required
def task_add_view(request, slug: str, pk: int):
    """Add one task to a list by hand, with its units, owners, deadline and difficulty."""
    campaign = access_managed_campaign(request.user, slug)
    task_list = get_object_or_404(TaskList, campaign=campaign, pk=pk)
    if not can_edit_campaign(request.user, campaign) or not task_list.is_work:
        raise PermissionDenied
    form = TaskForm(
        request.POST or None, task_list=task_list, initial={"code": _next_code(task_list)}
    )
    done = save_form(
        request,
        form,
        lambda: task_add(
            task_list=task_list,
            by=request.user,
            supporting_units=form.cleaned_data["supporting_units"],
            **form.values(),
        ),
        success=lambda task: (
            _("Task %(code)s was added; %(unit)s is asked to acknowledge it.")
            % {"code": task.code, "unit": task.lead_unit.name}
        ),
        then=lambda task: reverse("tasks:detail", args=[task.pk]),
    )
    return done or render(
        request,
        "tasks/task_form.html",
        {"form": form, "campaign": campaign, "task_list": task_list, "task": None},
        status=400 if form.is_bound else 200,
    )


@login_required
def acknowledgements(request, slug: str):
    """Tasks waiting for their lead unit's 签收, per unit and one by one; ?overdue=1 keeps the
    flagged ones (waiting longer than the campaign allows)."""
    campaign = access_campaign(request.user, slug)
    if not can_see_acknowledgements(request.user, campaign):
        raise PermissionDenied
    now = timezone.now()
    overdue_only = request.GET.get("overdue") == "1"
    units = acknowledgement_units(campaign=campaign, now=now)
    unit_id = request.GET.get("unit", "")
    tasks = acknowledgement_tasks(
        campaign=campaign,
        now=now,
        overdue_only=overdue_only,
        unit_id=int(unit_id) if unit_id.isdigit() else None,
    )
    page = Paginator(tasks, ACK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/acknowledgements.html",
        {
            "campaign": campaign,
            "units": units,
            "waiting": sum(u["waiting"] for u in units),
            "overdue": sum(u["overdue"] for u in units),
            "page": page,
            "overdue_only": overdue_only,
            "unit_id": int(unit_id) if unit_id.isdigit() else None,
            "query": query_without_page(request),
        },
    )
