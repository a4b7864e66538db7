"""The cockpit's pages: the overview (where leaders land), a campaign's cockpit, the tasks behind
a figure, the red list, and a unit's page. Views parse input, call the selectors and render;
who sees what is ``cockpit.permissions``' to say."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Unit
from campaigns.models import Campaign, Category
from cockpit import permissions
from cockpit.forms import DrillForm
from cockpit.selectors.breakdowns import (
    campaign_breakdown,
    category_breakdown,
    heat_map,
    last_month,
    unit_table,
    work_lists,
)
from cockpit.selectors.drill import DrillFilters, drill_tasks
from cockpit.selectors.figures import campaign_figures, counted_tasks
from cockpit.selectors.redlist import (
    first_red,
    late_instructions,
    red_list,
    with_days_late,
    with_days_overdue,
)
from cockpit.selectors.trend import trend, trend_chart
from cockpit.selectors.units import (
    applied_measures,
    score_series,
    unfiltered_keys,
    unit_campaigns,
    unit_measures,
    unit_punctuality,
    unit_ratings,
    unit_targets,
)
from config.pages import query_without_page, two_step_page
from config.replica import read_replica
from cycles.models import DispatchRound
from problems.models import Problem
from problems.permissions import sees_whole_ledger
from problems.selectors import campaign_counts, count_columns, counts_section
from tasks.forms import InstructionForm
from tasks.selectors import TaskFilters, target_attainments
from tasks.table_rows import task_table_rows
from tasks.views import PAGE_SIZE

RED_ON_OVERVIEW = 20
LATE_ON_COCKPIT = 20  # instructions past their reply deadline shown before "see all"
HEAT_ROWS = 30  # units on a campaign's heat map, and in its unit table, unless all are asked for
UNIT_ROWS = 50


def late_context(campaign_ids, today, *, limit: int | None = LATE_ON_COCKPIT, page=None) -> dict:
    """The instructions past their reply deadline (督办逾期未复) for the red list's second
    table: the first ``limit``, or the page ``page`` of them."""
    late = late_instructions(campaign_ids=campaign_ids, today=today)
    if page is not None:
        shown = Paginator(late, PAGE_SIZE).get_page(page)
        return {
            "late": with_days_late(shown.object_list, today),
            "late_page": shown,
            "late_total": shown.paginator.count,
        }
    rows = with_days_late(late[:limit], today)
    # Fewer than the limit: they are all there is, no need to count them again.
    total = len(rows) if limit is None or len(rows) < limit else late.count()
    return {"late": rows, "late_total": total}


def instruction_fields() -> str:
    """The fields of the task page's instruction form (督办), rendered once for every line of
    the red list: its rows post to the same view and service as the task page."""
    return InstructionForm(auto_id=False).as_div()


@login_required
@require_GET
@read_replica()
def overview(request):
    """Every campaign the person oversees with its headline figures, and the red list across
    them (the longest overdue first)."""
    user = request.user
    permissions.access_cockpit(user)
    today = timezone.localdate()
    # The organiser is shown with each campaign: read with it, not a query per campaign.
    campaigns = list(
        permissions.cockpit_campaigns(user).select_related("organiser").order_by("-year", "name")
    )
    figures = campaign_figures(campaigns=campaigns, today=today)
    ids = {c.pk for c in campaigns}
    problems = campaign_counts(ids)
    return render(
        request,
        "cockpit/overview.html",
        {
            "rows": [
                (c, figures[c.pk], count_columns(problems[c.pk]) if c.pk in problems else [])
                for c in campaigns
            ],
            "red": with_days_overdue(
                first_red(campaign_ids=ids, today=today, limit=RED_ON_OVERVIEW), today
            ),
            "red_total": sum(f.red for f in figures.values()),
            "instructs_in": permissions.instructs_in(user, ids),
            "instruction_fields": instruction_fields(),
            **late_context(ids, today),
            "can_manage_screens": permissions.can_manage_screens(user),
            "today": today,
            "now": timezone.localtime(),
        },
    )


@login_required
@require_GET
@read_replica()
def red_list_page(request):
    """The whole red list, 50 a page."""
    user = request.user
    permissions.access_cockpit(user)
    today = timezone.localdate()
    ids = set(permissions.cockpit_campaigns(user).values_list("pk", flat=True))
    page = two_step_page(
        red_list(campaign_ids=ids, today=today), request.GET.get("page"), PAGE_SIZE
    )
    return render(
        request,
        "cockpit/red_list.html",
        {
            "page": page,
            "red": with_days_overdue(page.object_list, today),
            "instructs_in": permissions.instructs_in(user, ids),
            "instruction_fields": instruction_fields(),
            **late_context(ids, today, page=request.GET.get("ipage") or 1),
            "query": query_without_page(request),
            "today": today,
        },
    )


@login_required
@require_GET
@read_replica()
def campaign_cockpit(request, slug: str):
    """One campaign: figures, trend, heat map, categories, units, targets and measures."""
    campaign = permissions.access_cockpit_campaign(request.user, slug)
    today = timezone.localdate()
    lists = work_lists(campaign)
    breakdown = campaign_breakdown(campaign=campaign, today=today)
    # The trend's weeks, last month's with each unit's reporting, which the unit table adds up.
    weeks = trend(campaign=campaign, units_of=last_month(today))
    units = unit_table(campaign=campaign, today=today, breakdown=breakdown, weeks=weeks)
    every = heat_map(breakdown)
    # The worst units first; the rest one click away (a district has hundreds of units).
    show_all = request.GET.get("all") == "1"
    heat = every if show_all else every[:HEAT_ROWS]
    unit_rows = units.rows if show_all else units.rows[:UNIT_ROWS]
    ledger_links = sees_whole_ledger(request.user, campaign)
    # By list and lead unit, and the headline's targets (of the published work), in one read.
    attainment = target_attainments(campaign=campaign, by=("list", "unit"), published=True)
    [targets] = attainment["published"]
    problems = counts_section(
        campaign=campaign, problems=Problem.objects.filter(campaign=campaign), links=ledger_links
    )
    # The unit table shows each lead unit's problems by state beside its tasks.
    by_unit = {r["unit_id"]: r["cells"] for r in problems["rows"]}
    for row in unit_rows:
        row.problems = by_unit.get(row.unit_id, [])
    return render(
        request,
        "cockpit/campaign.html",
        {
            "campaign": campaign,
            "f": campaign_figures(
                campaigns=[campaign],
                today=today,
                counts=breakdown.total,
                reporting=units.week,
                rounds={campaign.pk: units.round} if units.round else {},
                targets={campaign.pk: (targets.targets, targets.met)},
            )[campaign.pk],
            "weeks": weeks,
            "trend_chart": trend_chart(weeks),
            "lists": lists,
            "heat": heat,
            "heat_chart": heat_chart(heat, lists),
            "categories": category_breakdown(lists=lists, breakdown=breakdown),
            "units": units,
            "unit_rows": unit_rows,
            "hidden": {"heat": len(every) - len(heat), "units": len(units.rows) - len(unit_rows)},
            "attainment": attainment["list"],
            "attainment_by_unit": attainment["unit"],
            "measures": applied_measures(campaigns=[campaign.pk], limit=10),
            "problems": problems,
            "ledger_links": ledger_links,
            "instructs_in": permissions.instructs_in(request.user, {campaign.pk}),
            **late_context({campaign.pk}, today),
            "today": today,
            "now": timezone.localtime(),
        },
    )


def heat_chart(rows, lists) -> dict:
    """The heat map as ECharts draws it: red counts by unit and list (the table shows both
    colours)."""
    return {
        "names": {"red": _("red"), "yellow": _("yellow")},
        "lists": [t.name for t in lists],
        "units": [r.unit for r in rows],
        "cells": [
            [x, y, r.cells.get(t.pk, {}).get("red", 0), r.cells.get(t.pk, {}).get("yellow", 0)]
            for y, r in enumerate(rows)
            for x, t in enumerate(lists)
        ],
    }


@login_required
@require_GET
@read_replica()
def campaign_tasks(request, slug: str):
    """The tasks behind a figure of the cockpit: the campaign's published work through the
    list pages' filters (and the cockpit's own), kept in the query string."""
    campaign = permissions.access_cockpit_campaign(request.user, slug)
    today = timezone.localdate()
    lists = work_lists(campaign)
    counted = counted_tasks().filter(task_list__campaign=campaign)
    form = DrillForm(
        request.GET,
        for_unit=False,
        lists=lists,
        categories=Category.objects.filter(task_list__in=lists).order_by(
            "task_list__order", "order"
        ),
        units=Unit.objects.filter(pk__in=counted.values("lead_unit_id")).order_by("order", "name"),
    )
    drill = form.drill()
    tasks = drill_tasks(base=counted, filters=form.filters(), drill=drill, today=today)
    page = two_step_page(tasks, request.GET.get("page"), PAGE_SIZE, rows=task_table_rows(today))
    round_ = (
        DispatchRound.objects.filter(campaign=campaign, pk=drill.round).first()
        if drill.round
        else None
    )
    return render(
        request,
        "cockpit/tasks.html",
        {
            "campaign": campaign,
            "form": form,
            "drill": drill,
            "round": round_,
            "round_unit": Unit.objects.filter(pk=drill.round_unit).first()
            if drill.round_unit
            else None,
            "week_round": DispatchRound.objects.filter(campaign=campaign, pk=drill.week_of).first()
            if drill.week_of
            else None,
            "page": page,
            "query": query_without_page(request),
            "today": today,
        },
    )


@login_required
@require_GET
@read_replica()
def unit_page(request, pk: int):
    """One unit across campaigns: its tasks (lead and supporting), reporting week by week,
    monthly ratings and ranks, measures applied and targets."""
    user = request.user
    unit = permissions.access_unit_page(user, pk)
    today = timezone.localdate()
    reach = permissions.unit_page_reach(user, unit)
    rows = unit_campaigns(reach=reach, unit_id=unit.pk, user_id=user.pk, today=today)
    form = DrillForm(request.GET, campaigns=[Campaign(pk=r.campaign_id, name=r.name) for r in rows])
    filters, drill = form.filters(), form.drill()
    # Keys first: the unit's tasks are sorted as narrow rows, then 50 are read whole. Nothing
    # filtering them, they are the tasks counted by campaign above.
    keys = table = None
    if filters == TaskFilters() and drill == DrillFilters():
        keys = unfiltered_keys(
            reach=reach, unit_id=unit.pk, user_id=user.pk, today=today, rows=rows
        )
    if keys is None:
        table = drill_tasks(
            base=permissions.unit_page_tasks(user, unit).exclude(status="draft"),
            filters=filters,
            drill=drill,
            today=today,
            unit_id=unit.pk,
        )
    ratings = unit_ratings(reach=reach, unit_id=unit.pk, user_id=user.pk)
    punctuality = unit_punctuality(reach=reach, unit_id=unit.pk, user_id=user.pk, today=today)
    return render(
        request,
        "cockpit/unit.html",
        {
            "unit": unit,
            "rows": rows,
            "form": form,
            "page": two_step_page(
                table, request.GET.get("page"), PAGE_SIZE, keys=keys, rows=task_table_rows(today)
            ),
            "query": query_without_page(request),
            "punctuality": punctuality,
            "punctuality_chart": {
                "weeks": [f"{w.label} {w.campaign[:6]}" for w in punctuality],
                "rate": [w.rate for w in punctuality],
                "on_time": [w.on_time_rate for w in punctuality],
                "names": {"rate": _("reporting rate"), "on_time": _("on-time rate")},
            },
            "ratings": ratings,
            "ratings_chart": score_series(ratings),
            "measures": unit_measures(reach=reach, unit_id=unit.pk, user_id=user.pk),
            "attainment": unit_targets(reach=reach, unit_id=unit.pk, user_id=user.pk),
            "cockpit_links": permissions.sees_every_unit_figure(user),
            "today": today,
        },
    )
