"""Pages of the measures app: a campaign's register (with its proposals, its filters and its
workbook), a campaign's measures (kind and rule), one application and its history, and the
forms that confirm, edit, drop and add. Who may do what is measures.permissions' to say."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns.models import TaskList
from config.errors import RuleViolation
from config.pages import post_only, query_without_page, xlsx_response
from config.replica import read_replica
from measures import exports, selectors, services
from measures.forms import AddForm, MeasureForm, RegisterFilterForm, TargetForm
from measures.models import Application
from measures.permissions import (
    access_application,
    access_application_to_act,
    access_register,
    can_manage_measures,
    sees_every_application,
)
from tasks.models import Task

PAGE_SIZE = 100


@login_required
def register(request, slug: str):
    """The applied measures per unit and person (what, when, why, by whom), filtered; the
    coordinators also see and decide the rules' proposals here, and add measures by hand."""
    campaign = access_register(request.user, slug)
    every = selectors.register(user=request.user, campaign=campaign)
    form = RegisterFilterForm(
        request.GET,
        units=selectors.register_units(applications=every),
        people=selectors.register_people(applications=every),
    )
    applications = selectors.register(user=request.user, campaign=campaign, filters=form.filters())
    if request.GET.get("format") == "xlsx":
        with read_replica():
            data = exports.register_bytes(campaign, applications)
        return xlsx_response(
            data,
            f"{campaign.name}-{_('Measures register')}.xlsx",
            fallback=f"{slug}-measures.xlsx",
        )
    manage = can_manage_measures(request.user, campaign)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    measures = selectors.campaign_measures(campaign=campaign) if manage else []
    return render(
        request,
        "measures/register.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "applications": page.object_list,
            "query": query_without_page(request),
            "counts": selectors.register_counts(applications=applications),
            "can_manage": manage,
            "sees_every": sees_every_application(request.user, campaign),
            "add_form": AddForm(measures=measures) if manage else None,
            "edit_form": TargetForm() if manage else None,
        },
    )


@login_required
def measure_list(request, slug: str):
    """The campaign's measures: kind and rule of each line of its measures lists."""
    campaign = access_register(request.user, slug)
    if not can_manage_measures(request.user, campaign):
        raise PermissionDenied
    rows = [
        (m, MeasureForm(initial={"kind": m.kind, "rule": m.rule, "number": m.number}))
        for m in selectors.campaign_measures(campaign=campaign)
    ]
    return render(request, "measures/measures.html", {"campaign": campaign, "rows": rows})


@login_required
@post_only(lambda request, slug, line: reverse("measures:measures", args=[slug]))
def measure_update(request, slug: str, line: int):
    campaign = access_register(request.user, slug)
    line_task = get_object_or_404(
        Task.objects.select_related("task_list__campaign"),
        pk=line,
        task_list__campaign=campaign,
        task_list__kind=TaskList.Kind.MEASURE,
        task_list__published_at__isnull=False,
    )
    form = MeasureForm(request.POST)
    if not form.is_valid():
        raise RuleViolation(_("Choose a kind and a rule."))
    services.measure_update(
        line=line_task,
        by=request.user,
        kind=form.cleaned_data["kind"],
        rule=form.cleaned_data["rule"] or "",
        number=form.cleaned_data["number"],
    )
    messages.success(request, _("The measure was saved."))
    return redirect("measures:measures", slug=campaign.slug)


@login_required
def application_detail(request, pk: int):
    application = access_application(request.user, pk)
    application = selectors.register(user=request.user, campaign=application.campaign).get(pk=pk)
    return render(
        request,
        "measures/application.html",
        {
            "application": application,
            "history": selectors.application_history(application=application),
            "can_manage": can_manage_measures(request.user, application.campaign),
            "edit_form": TargetForm(
                initial={
                    "grounds": application.grounds,
                    "unit": application.unit_id,
                    "person": application.person_id,
                }
            ),
        },
    )


def _back(application: Application):
    return redirect("measures:application", pk=application.pk)


@login_required
@post_only("measures:application")
def application_confirm(request, pk: int):
    application = access_application_to_act(request.user, pk)
    try:
        services.application_confirm(application=application, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The measure is applied."))
    return _back(application)


@login_required
@post_only("measures:application")
def application_drop(request, pk: int):
    application = access_application_to_act(request.user, pk)
    try:
        services.application_drop(application=application, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The proposal was dropped."))
    return _back(application)


@login_required
@post_only("measures:application")
def application_edit(request, pk: int):
    application = access_application_to_act(request.user, pk)
    form = TargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the grounds."))
        return _back(application)
    try:
        services.application_edit(application=application, by=request.user, **form.cleaned_data)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The proposal was changed."))
    return _back(application)


def _excuse_problem(code: str, found: list) -> str:
    if not found:
        return _("That task has no certified rating in that month.")
    return _(
        "Task number %(code)s names a rated task in more than one list (%(lists)s): write "
        "the list's name before the number, e.g. “%(example)s”."
    ) % {
        "code": code,
        "lists": "、".join(item.task.task_list.name for item in found),
        "example": f"{found[0].task.task_list.name} {found[0].task.code}",
    }


@login_required
@post_only("measures:register")
def application_add(request, slug: str):
    campaign = access_register(request.user, slug)
    if not can_manage_measures(request.user, campaign):
        raise PermissionDenied
    measures = selectors.campaign_measures(campaign=campaign)
    form = AddForm(request.POST, measures=measures)
    if not form.is_valid():
        messages.error(request, _("Check the measure, the target and the grounds."))
        return redirect("measures:register", slug=slug)
    data = form.cleaned_data
    line = next(m.line for m in measures if m.line_id == data["measure"])
    excused = None
    if data["excuse_task"]:
        target = data["unit"] or (data["person"].unit if data["person"] else None)
        found = selectors.ratings_to_excuse(
            campaign=campaign, month=data["month"], code=data["excuse_task"], unit=target
        )
        if len(found) != 1:
            messages.error(request, _excuse_problem(data["excuse_task"], found))
            return redirect("measures:register", slug=slug)
        excused = found[0]
    try:
        application = services.application_add(
            campaign=campaign,
            line=line,
            by=request.user,
            grounds=data["grounds"],
            unit=data["unit"],
            person=data["person"],
            month=data["month"],
            tasks=selectors.tasks_by_codes(campaign=campaign, codes=form.task_codes()),
            excused_item=excused,
        )
    except RuleViolation as error:
        messages.error(request, str(error.message))
        return redirect("measures:register", slug=slug)
    messages.success(request, _("The measure is applied."))
    return _back(application)
