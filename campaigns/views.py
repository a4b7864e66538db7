from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.forms import (
    ColumnMappingForm,
    ImportTargetForm,
    ImportUploadForm,
    UnitChoicesForm,
)
from campaigns.models import Campaign, ListImport, TaskList
from campaigns.selectors import (
    campaign_lists,
    import_preview,
    list_drafts,
    list_import_state,
    list_imports_recent,
    list_page_tasks,
    list_template,
    unit_names,
)
from campaigns.services.drafts import list_import_discard
from campaigns.services.list_import_corrections import (
    list_import_set_columns,
    list_import_set_target,
    list_import_set_units,
)
from campaigns.services.list_imports import list_import_confirm, list_import_create
from config.errors import RuleViolation
from config.pages import post_only, query_without_page, two_step_page, xlsx_response
from tasks.acknowledgements import acknowledgement_counts
from tasks.forms import TaskFilterForm
from tasks.permissions import (
    access_campaign,
    access_list_import,
    access_managed_campaign,
    access_task_list,
    campaign_page_rights,
    can_add_task,
    can_create_campaign,
    can_manage_campaign,
    visible_campaigns,
)
from tasks.selectors import (
    campaign_page_summary,
    campaign_summaries,
    list_filter_choices,
    target_attainments,
    tasks_of_list,
)
from tasks.table_rows import task_table_rows
from tasks.views import PAGE_SIZE


@login_required
def campaign_list(request):
    """The campaigns the user may see; archived ones only on asking (?archived=1)."""
    today = timezone.localdate()
    show_archived = request.GET.get("archived") == "1"
    summaries = campaign_summaries(user=request.user, today=today, archived=show_archived)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "summaries": summaries,
            "today": today,
            "show_archived": show_archived,
            "archived_count": 0
            if show_archived
            else visible_campaigns(request.user).filter(status=Campaign.Status.ARCHIVED).count(),
            "can_create": can_create_campaign(request.user),
        },
    )


@login_required
def campaign_detail(request, slug: str):
    # Its organiser read with it: the page names it.
    campaign = access_campaign(request.user, slug, related=("organiser",))
    today = timezone.localdate()
    rights = campaign_page_rights(request.user, campaign)
    # Which units lag is for the office and the leaders, not for the units themselves: counted
    # with the lists' lights, in one read.
    summary, lagging = campaign_page_summary(
        user=request.user, campaign=campaign, today=today, lagging=rights.unit_figures
    )
    # The targets rolled up three ways from one read (by unit only for those who see units).
    attainment = target_attainments(
        campaign=campaign,
        by=("list", "category", "unit") if rights.unit_figures else ("list", "category"),
    )
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "summary": summary,
            "lagging": lagging,
            "chart_data": _chart_data(summary),
            "attainment": attainment["list"],
            "attainment_by_category": attainment["category"],
            # Like the units that lag: each unit's figures are for the office and the leaders.
            "attainment_by_unit": attainment.get("unit"),
            "today": today,
            "can_manage": rights.manage,
            "acknowledgements": acknowledgement_counts(campaign=campaign)
            if rights.acknowledgements
            else None,
        },
    )


@login_required
def list_detail(request, slug: str, pk: int):
    campaign = access_campaign(request.user, slug)
    task_list = access_task_list(request.user, campaign, pk)
    choices = list_filter_choices(task_list=task_list)
    form = TaskFilterForm(request.GET, for_unit=False, work=task_list.is_work, **choices)
    today = timezone.localdate()
    filters = form.filters()
    if task_list.is_work:
        # Drawn by {% task_rows %} from plain values; the keys chosen without the columns.
        tasks = list_page_tasks(
            user=request.user, task_list=task_list, filters=filters, today=today
        )
        rows = task_table_rows(today)
    else:
        # Questions and measures: drawn by their own template, from the tasks themselves.
        tasks = tasks_of_list(user=request.user, task_list=task_list, filters=filters, today=today)
        rows = None
    page = two_step_page(tasks, request.GET.get("page"), PAGE_SIZE, rows=rows)
    can_manage = can_manage_campaign(request.user, campaign)
    return render(
        request,
        "campaigns/list_detail.html",
        {
            "campaign": campaign,
            "task_list": task_list,
            "form": form,
            "page": page,
            "today": today,
            "query": query_without_page(request),
            "can_manage": can_manage,
            "can_add_task": task_list.is_work and can_add_task(request.user, task_list),
            "drafts": list_drafts(task_list=task_list) if can_manage else [],
        },
    )


def _chart_data(summary) -> dict:
    """Lights per list: the work lists only (questions and measures have no light)."""
    names = {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green"), "grey": _("Not started")}
    work = [ls for ls in summary.lists if ls.task_list.is_work and not ls.task_list.is_draft]
    return {
        "lists": [ls.task_list.name for ls in work],
        "series": [
            {
                "key": key,
                "name": str(name),
                "data": [getattr(ls.counts, key) for ls in work],
            }
            for key, name in names.items()
        ],
    }


# --- Export (anyone who may read the campaign; the tasks they may see) -----------------------


@login_required
@require_GET
def list_template_view(request, slug: str, kind: str):
    """A blank list of one kind, to fill in and import."""
    access_campaign(request.user, slug)
    if kind not in TaskList.Kind.values:
        raise Http404
    label = dict(TaskList.Kind.choices)[kind]
    return xlsx_response(list_template(kind=kind), _("Template – %(kind)s.xlsx") % {"kind": label})


@login_required
@require_GET
def import_start(request, slug: str):
    """Upload a list (or paste a plan) and see the campaign's recent imports."""
    campaign = access_managed_campaign(request.user, slug)
    lists = campaign_lists(campaign=campaign)
    initial = {"task_list": request.GET.get("list", "")}
    form = ImportUploadForm(initial=initial, lists=lists)
    return _start_page(request, campaign, form, lists)


def _start_page(request, campaign, form, lists, status=200):
    return render(
        request,
        "campaigns/import_start.html",
        {
            "campaign": campaign,
            "form": form,
            "imports": list_imports_recent(campaign=campaign),
            "kinds": TaskList.Kind.choices,
            "lists": lists,
        },
        status=status,
    )


@login_required
@post_only("campaigns:import_start")
def import_upload(request, slug: str):
    campaign = access_managed_campaign(request.user, slug)
    lists = campaign_lists(campaign=campaign)
    form = ImportUploadForm(request.POST, request.FILES, lists=lists)
    if not form.is_valid():
        return _start_page(request, campaign, form, lists, status=400)
    filename, data = form.source()
    try:
        list_import = list_import_create(
            campaign=campaign,
            by=request.user,
            filename=filename,
            data=data,
            task_list=form.target(),
            list_name=form.cleaned_data.get("list_name", ""),
            list_kind=form.cleaned_data.get("list_kind", ""),
        )
    except RuleViolation as exc:
        form.add_error("file" if filename else "text", str(exc.message))
        return _start_page(request, campaign, form, lists, status=400)
    return redirect("campaigns:import_detail", slug=campaign.slug, pk=list_import.pk)


@login_required
@require_GET
def import_detail(request, slug: str, pk: int):
    """The preview: every row and what it becomes, every problem; corrections; confirm."""
    list_import = access_list_import(request.user, slug, pk)
    show = request.GET.get("show", "")
    preview = import_preview(list_import=list_import, page=request.GET.get("page"), show=show)
    sheets = [
        ColumnMappingForm(
            initial={"sheet": sheet["name"]}, columns=sheet["columns"], prefix=f"s{index}"
        )
        for index, sheet in enumerate(preview.preview.get("sheets", []))
        if sheet.get("source") == "sheet"
    ]
    target = ImportTargetForm(
        initial={
            "task_list": list_import.task_list_id or "",
            "list_name": list_import.list_name,
            "list_kind": list_import.list_kind or TaskList.Kind.REFORM,
        },
        lists=preview.lists,
    )
    return render(
        request,
        "campaigns/import_detail.html",
        {
            "campaign": list_import.campaign,
            "li": list_import,
            "p": preview,
            "sheet_forms": sheets,
            "target_form": target,
            "query": query_without_page(request),
            # Asked before the upload is thrown away (data-confirm, static/js/forms.js).
            "discard_question": _(
                "This discards the upload “%(name)s” with its %(n)s rows: nothing of it is "
                "imported, and this preview cannot be confirmed any more."
            )
            % {
                "name": list_import.source_name,
                "n": f"{(list_import.summary or {}).get('tasks', 0):,}",
            },
        },
    )


@login_required
@require_GET
def import_status(request, slug: str, pk: int):
    """The progress bar, polled by the page while a job runs; reloads the page when done."""
    list_import = access_list_import(request.user, slug, pk, with_preview=False)
    state = list_import_state(list_import_id=list_import.pk)
    response = render(
        request, "campaigns/_import_progress.html", {"li": state, "campaign": list_import.campaign}
    )
    if not state.is_running:
        response["HX-Refresh"] = "true"
    return response


def _back(list_import: ListImport, anchor: str = ""):
    url = reverse("campaigns:import_detail", args=[list_import.campaign.slug, list_import.pk])
    return redirect(url + anchor)


@login_required
@post_only("campaigns:import_detail")
def import_columns(request, slug: str, pk: int):
    """Correct the column mapping of one sheet; the file is checked again."""
    list_import = access_list_import(request.user, slug, pk)
    prefix = request.POST.get("prefix", "")
    sheets = (list_import.preview or {}).get("sheets", [])
    sheet = next(
        (s for i, s in enumerate(sheets) if f"s{i}" == prefix and s.get("source") == "sheet"), None
    )
    if sheet is None:
        raise RuleViolation(_("That sheet is not in the file."), field="sheet")
    form = ColumnMappingForm(request.POST, columns=sheet["columns"], prefix=prefix)
    if not form.is_valid():
        raise RuleViolation(_("Choose a field (or none) for every column."), field="columns")
    list_import_set_columns(
        list_import=list_import, by=request.user, sheet=sheet["name"], columns=form.mapping()
    )
    messages.success(request, _("The column mapping was changed and the file checked again."))
    return _back(list_import, "#columns")


@login_required
@post_only("campaigns:import_detail")
def import_units(request, slug: str, pk: int):
    """Decide what unit names stand for; the file is checked again."""
    list_import = access_list_import(request.user, slug, pk)
    form = UnitChoicesForm(
        request.POST, units_by_name=unit_names(names=request.POST.getlist("other"))
    )
    if not form.is_valid():
        raise RuleViolation(" ".join(map(str, form.non_field_errors())), field="units")
    list_import_set_units(
        list_import=list_import, by=request.user, choices=form.cleaned_data["choices"]
    )
    messages.success(request, _("The unit names were decided and the file checked again."))
    return _back(list_import, "#units")


@login_required
@post_only("campaigns:import_detail")
def import_target(request, slug: str, pk: int):
    """Choose the list the file goes into."""
    list_import = access_list_import(request.user, slug, pk)
    form = ImportTargetForm(request.POST, lists=campaign_lists(campaign=list_import.campaign))
    if not form.is_valid():
        raise RuleViolation(
            " ".join(map(str, form.non_field_errors())) or _("Choose a list."), field="task_list"
        )
    list_import_set_target(
        list_import=list_import,
        by=request.user,
        list_name=form.cleaned_data.get("list_name", ""),
        list_kind=form.cleaned_data["list_kind"],
        task_list=form.target(),
    )
    return _back(list_import)


@login_required
@post_only("campaigns:import_detail")
def import_confirm(request, slug: str, pk: int):
    """Write the import: everything in one transaction, or nothing."""
    list_import = access_list_import(request.user, slug, pk, with_preview=False)
    list_import = list_import_confirm(list_import=list_import, by=request.user)
    if list_import.status == ListImport.Status.DRAFT:
        messages.success(
            request,
            _(
                "Imported as a draft: %(created)s tasks created, %(updated)s updated. Nobody "
                "else sees it until you publish it."
            )
            % {
                "created": list_import.summary.get("created", 0),
                "updated": list_import.summary.get("updated", 0),
            },
        )
    return redirect("campaigns:import_detail", slug=slug, pk=pk)


@login_required
@post_only("campaigns:import_detail")
def import_discard(request, slug: str, pk: int):
    list_import = access_list_import(request.user, slug, pk, with_preview=False)
    was_draft = list_import.status == ListImport.Status.DRAFT
    list_import_discard(list_import=list_import, by=request.user)
    if was_draft:
        messages.success(request, _("The draft was discarded: everything it imported is gone."))
    else:
        messages.success(request, _("The upload was discarded; nothing was imported."))
    return redirect("campaigns:import_start", slug=slug)
