"""Pages of the cycles: rounds and their weekly bulletins, monthly reviews and bulletins, the
dispatch schedule. Who may see and do what is cycles.permissions' to say."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTransform
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.errors import RuleViolation
from config.pages import post_only, query_without_page, two_step_page, xlsx_response
from config.replica import read_replica
from cycles import bulletin_page, bulletin_store, exports, hooks, selectors, services
from cycles.forms import ReviewFilterForm, ScheduleForm
from cycles.models import MonthlyReview, Rating
from cycles.permissions import (
    access_review,
    access_round,
    can_certify,
    can_change_schedule,
    can_rate,
    can_see_draft_ranking,
    can_see_every_rating,
    can_see_unit_score,
)
from cycles.ranking.selectors import review_ranking
from tasks.permissions import access_campaign, visible_tasks


@login_required
def campaign_cycles(request, slug: str):
    """A campaign's rounds and monthly reviews, newest first."""
    campaign = access_campaign(request.user, slug)
    # A round's stored bulletin names every task (megabytes at 100,000 tasks): the page shows
    # its rate alone, read out of it by the database.
    rounds = (
        campaign.rounds.defer("result")
        .annotate(rate=KeyTransform("rate", KeyTransform("totals", "result")))
        .order_by("-week_start")[:30]
    )
    reviews = campaign.reviews.annotate(
        items_count=Count("items"), rated=Count("items", filter=~Q(items__rating=""))
    ).order_by("-month")[:24]
    return render(
        request,
        "cycles/campaign_cycles.html",
        {
            "campaign": campaign,
            "rounds": rounds,
            "reviews": reviews,
            "can_change_schedule": can_change_schedule(request.user, campaign),
        },
    )


@login_required
@read_replica()
def round_bulletin(request, pk: int):
    round_ = access_round(request.user, pk, with_result=False)
    wants_workbook = request.GET.get("format") == "xlsx"
    if round_.summary and not wants_workbook:
        # A closed round: its figures and the first lines of its lists the reader may open.
        result = bulletin_store.stored_result(
            round_, visible=selectors.round_visible_tasks(user=request.user, round_=round_)
        )
    elif not round_.closed_at and not wants_workbook:
        result = bulletin_page.live_page(round_, _until(round_), request.user)
    else:
        result = round_.result or bulletin_page.live_result(round_, _until(round_))
        # Like the monthly bulletin: the figures are everyone's, the titles only of the tasks
        # the person may open (unit staff would otherwise read every unit's red tasks).
        result = selectors.round_result_for(user=request.user, round_=round_, result=result)
    # Parts other apps add about the campaign as it stands (problems: the ledger's counts).
    sections = hooks.campaign_sections(campaign=round_.campaign, user=request.user)
    if wants_workbook:
        round_.result = result
        # Named as people name it (改革攻坚行动-2026年第48周-周通报.xlsx); the slug and date
        # are the name for any client that cannot read a Chinese one.
        return xlsx_response(
            exports.workbook_bytes(exports.round_workbook(round_, sections=sections)),
            f"{round_.campaign.name}-{round_.iso_label}-{_('Weekly bulletin')}.xlsx",
            fallback=f"{round_.campaign.slug}-{round_.week_start}.xlsx",
        )
    return render(
        request,
        "cycles/round_bulletin.html",
        {
            "round": round_,
            "result": bulletin_page.shown(result, round_.campaign, request.user),
            "provisional": not round_.closed_at,
            "sections": sections,
        },
    )


def _until(round_):
    return min(timezone.now(), round_.closes_at)


REVIEW_PAGE_SIZE = 100


@login_required
def review_page(request, pk: int):
    """A review's lines, a page of 100 at a time, filtered by unit, rating and task; the
    coordinator rates the lines shown, confirms every proposal at once, and certifies."""
    review = access_review(request.user, pk)
    # The forms are offered while the month is open; afterwards the services refuse anyway.
    is_open = review.status == MonthlyReview.Status.OPEN
    rate = is_open and can_rate(request.user, review)
    # Unit staff see their own unit's lines only, as on every other page.
    tasks = _visible_lines(request.user, review)
    every = selectors.review_items(review=review, tasks=tasks)
    units = selectors.review_units(items=every)
    form = ReviewFilterForm(request.GET, units=units)
    filters = form.filters()
    items = selectors.review_items(review=review, tasks=tasks, filters=filters)
    page = two_step_page(
        items, request.GET.get("page"), REVIEW_PAGE_SIZE, keys=selectors.ReviewKeys(items, units)
    )
    counts = selectors.rating_counts(items=every)
    certify = is_open and can_certify(request.user, review)
    return render(
        request,
        "cycles/review.html",
        {
            "review": review,
            "form": form,
            "filtered": filters != selectors.ReviewFilters(),
            "page": page,
            "items": page.object_list,
            "query": query_without_page(request),
            "ratings": Rating.choices,
            "can_rate": rate,
            "can_certify": certify,
            "can_see_draft": is_open and can_see_draft_ranking(request.user, review),
            "total": sum(counts.values()),
            "unrated": counts.get("", 0),
            # What the two irreversible buttons will do, with the real numbers, asked in a
            # dialog before the form is sent (data-confirm, static/js/forms.js).
            "confirm_all_question": _confirm_all_question(counts.get("", 0)) if rate else "",
            "certify_question": _certify_question(review, sum(counts.values())) if certify else "",
            "pending_closeouts": selectors.pending_closeouts(campaign=review.campaign)
            if rate
            else [],
        },
    )


def _confirm_all_question(unrated: int) -> str:
    return ngettext(
        "This gives the %(n)s task not rated yet its proposed rating, on every page of the "
        "review, including any the filter hides.",
        "This gives the %(n)s tasks not rated yet their proposed ratings, on every page of "
        "the review, including any the filter hides.",
        unrated,
    ) % {"n": f"{unrated:,}"}


def _certify_question(review: MonthlyReview, tasks: int) -> str:
    reports = selectors.reports_to_lock(review=review).count()
    return _(
        "This certifies %(month)s and locks all %(reports)s reports of that month: nobody can "
        "correct them afterwards. Each unit's score and rank are computed from the ratings of "
        "%(tasks)s tasks. This cannot be undone."
    ) % {"month": review.label, "reports": f"{reports:,}", "tasks": f"{tasks:,}"}


def _back_to_review(request, review: MonthlyReview):
    """Back to the page of the review the form was sent from, with its filters. The query is
    parsed and encoded again, so the redirect can only ever lead to the review page."""
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    if query.get("rating") == selectors.UNRATED:
        # The lines just rated left this list: the same page number would skip the lines
        # that moved up into it.
        query.pop("page", None)
    encoded = query.urlencode()
    url = reverse("cycles:review", args=[review.pk])
    return redirect(f"{url}?{encoded}" if encoded else url)


@login_required
@post_only("cycles:review")
def review_rate(request, pk: int):
    """Ratings of the lines shown on one page (the rest of the review is not touched)."""
    review = access_review(request.user, pk)
    ratings = {
        int(key.removeprefix("rating_")): value
        for key, value in request.POST.items()
        if key.startswith("rating_") and key.removeprefix("rating_").isdigit() and value
    }
    # What each line showed when the page was opened: only lines changed here are saved.
    shown = {
        int(key.removeprefix("shown_")): value
        for key, value in request.POST.items()
        if key.startswith("shown_") and key.removeprefix("shown_").isdigit()
    }
    try:
        changed = services.review_rate(review=review, by=request.user, ratings=ratings, shown=shown)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(n)d ratings saved.") % {"n": changed})
    return _back_to_review(request, review)


@login_required
@post_only("cycles:review")
def review_confirm_all(request, pk: int):
    """Every line not rated yet takes its proposal: on every page, whatever the filter shows."""
    review = access_review(request.user, pk)
    try:
        changed = services.review_confirm_all(review=review, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("%(n)d proposed ratings confirmed, on every page of the review.") % {"n": changed},
        )
    return _back_to_review(request, review)


@login_required
@post_only("cycles:review")
def review_certify(request, pk: int):
    review = access_review(request.user, pk)
    version = request.POST.get("version", "")
    try:
        if not version.isdigit():
            raise RuleViolation(_("This page is out of date: reload it and try again."))
        services.review_certify(review=review, by=request.user, expected_version=int(version))
    except RuleViolation as error:
        messages.error(request, str(error.message))
        return redirect("cycles:review", pk=review.pk)
    messages.success(request, _("%(month)s is certified and locked.") % {"month": review.label})
    return redirect("cycles:review_bulletin", pk=review.pk)


@login_required
@read_replica()
def review_bulletin(request, pk: int):
    review = access_review(request.user, pk)
    if review.status != MonthlyReview.Status.CERTIFIED:
        messages.info(request, _("The monthly bulletin appears once the month is certified."))
        return redirect("cycles:review", pk=review.pk)
    ranking = review_ranking(review=review)
    every = can_see_every_rating(request.user, review.campaign)
    # Parts other apps add: measures (红榜 / 黑榜), problems (the ledger's counts).
    sections = [
        *hooks.bulletin_sections(review=review, user=request.user),
        *hooks.campaign_sections(campaign=review.campaign, user=request.user),
    ]
    if request.GET.get("format") == "xlsx":
        workbook = exports.review_workbook(
            review,
            tasks=_visible_lines(request.user, review),
            attainment=selectors.review_attainment(review=review),
            ranking=ranking,
            detail_unit=None if every else (request.user.unit_id or 0),
            sections=sections,
        )
        return xlsx_response(
            exports.workbook_bytes(workbook),
            f"{review.campaign.name}-{review.label}-{_('Monthly bulletin')}.xlsx",
            fallback=f"{review.campaign.slug}-{review.month:%Y-%m}.xlsx",
        )
    # An excused rating (容错免责) is left out, as it is of the units' figures below.
    totals = {
        r: review.items.filter(rating=r, excused_at__isnull=True).count() for r in Rating.values
    }
    return render(
        request,
        "cycles/review_bulletin.html",
        {
            "review": review,
            "ranking": ranking,
            "why": {
                row.unit_id
                for row in ranking.rows
                if can_see_unit_score(request.user, review, row.unit_id)
            },
            "totals": totals,
            "ratings": dict(Rating.choices),
            "attainment": selectors.review_attainment(review=review),
            "sections": sections,
        },
    )


@login_required
def schedule_edit(request, slug: str):
    campaign = access_campaign(request.user, slug)
    if not can_change_schedule(request.user, campaign):
        raise PermissionDenied
    form = ScheduleForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The dispatch schedule was saved."))
        return redirect("cycles:campaign", slug=campaign.slug)
    return render(
        request,
        "cycles/schedule.html",
        {"campaign": campaign, "form": form},
        status=400 if form.errors else 200,
    )


def _visible_lines(user, review: MonthlyReview):
    """The tasks whose lines ``user`` may see on the review (None: every line)."""
    return None if can_see_every_rating(user, review.campaign) else visible_tasks(user)
