"""Pages of the unit ranking (赛马): the campaign's formula (read by all who see the
campaign, changed by its coordinators), a review's ranking (a draft under the current
formula before certifying, the stored one after) and one unit's "why this score"."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.pages import save_form, xlsx_response
from cycles import exports, services
from cycles.forms import RankingFormulaForm
from cycles.models import FORMULA_SETTINGS, MonthlyReview, RankingFormula, Rating
from cycles.permissions import (
    access_review,
    can_change_formula,
    can_see_draft_ranking,
    can_see_every_rating,
    can_see_unit_score,
)
from cycles.ranking.formula import describe, setting_label
from cycles.ranking.selectors import (
    formula_for,
    formula_history,
    review_ranking,
    unit_explanation,
)
from tasks.permissions import access_campaign


@login_required
def formula_edit(request, slug: str):
    """The formula in words and numbers, its history; the form for the coordinators."""
    campaign = access_campaign(request.user, slug)
    may_change = can_change_formula(request.user, campaign)
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    formula = formula_for(campaign=campaign)
    form = None
    if may_change:
        form = RankingFormulaForm(
            request.POST or None, instance=formula, initial={"version": formula.version}
        )
        done = save_form(
            request,
            form,
            lambda: services.ranking_formula_update(
                campaign=campaign,
                by=request.user,
                values=form.values(),
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            ),
            success=_("The ranking formula was saved. Certified months keep the formula they had."),
            then=reverse("cycles:formula", kwargs={"slug": campaign.slug}),
        )
        if done is not None:
            return done
    shown = formula_for(campaign=campaign)
    return render(
        request,
        "cycles/formula.html",
        {
            "campaign": campaign,
            "formula": shown,
            "words": describe(shown),
            "form": form,
            "history": _history_rows(formula_history(campaign=campaign)),
            "open_reviews": campaign.reviews.filter(status=MonthlyReview.Status.OPEN).order_by(
                "-month"
            )
            if can_see_every_rating(request.user, campaign)
            else [],
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def _history_rows(events) -> list[dict]:
    labels = {name: setting_label(name) for name in FORMULA_SETTINGS}
    choices = dict(RankingFormula._meta.get_field("difficulty_mode").choices or [])

    def shown(name, value):
        if value is None:
            return "—"
        return choices.get(value, value) if name == "difficulty_mode" else value

    return [
        {
            "event": event,
            "changes": [
                (labels[name], shown(name, event.before.get(name)), shown(name, value))
                for name, value in event.after.items()
                if name in labels
            ],
        }
        for event in events
    ]


@login_required
def ranking(request, pk: int):
    """The units of a month best first, each term of the score as a column; a draft under
    the current formula while the month is open (coordinators and leaders)."""
    review = access_review(request.user, pk)
    if review.status == MonthlyReview.Status.OPEN and not can_see_draft_ranking(
        request.user, review
    ):
        raise PermissionDenied
    wants_workbook = request.GET.get("format") == "xlsx"
    result = review_ranking(review=review, with_inputs=wants_workbook)
    if wants_workbook:
        workbook = exports.ranking_workbook(result, detail_unit=_detail_unit(request, review))
        suffix = "-draft" if result.draft else ""
        return xlsx_response(
            exports.workbook_bytes(workbook),
            f"{review.campaign.slug}-{review.month:%Y-%m}-ranking{suffix}.xlsx",
        )
    return render(
        request,
        "cycles/ranking.html",
        {
            "review": review,
            "ranking": result,
            "why": _why_links(request.user, review, result.rows),
            "can_change_formula": can_change_formula(request.user, review.campaign),
        },
    )


def _detail_unit(request, review: MonthlyReview) -> int | None:
    """Whose per-task detail a workbook holds: every unit's for those who see every rating
    (None), else only the reader's own unit's."""
    if can_see_every_rating(request.user, review.campaign):
        return None
    return request.user.unit_id or 0


def _why_links(user, review: MonthlyReview, rows) -> set[int]:
    """The units whose "why this score" ``user`` may open (no query: flags in memory)."""
    if can_see_every_rating(user, review.campaign):  # every unit's, as can_see_unit_score says
        return {row.unit_id for row in rows}
    return {row.unit_id for row in rows if can_see_unit_score(user, review, row.unit_id)}


@login_required
def unit_score(request, pk: int, unit: int):
    """Why a unit has its score: each term of the formula with the tasks behind it."""
    review = access_review(request.user, pk)
    if not can_see_unit_score(request.user, review, unit):
        raise PermissionDenied
    explanation = unit_explanation(review=review, unit_id=unit)
    if explanation is None:
        raise Http404
    return render(
        request,
        "cycles/unit_score.html",
        {
            "review": review,
            "x": explanation,
            "row": explanation.row,
            "ratings": Rating.choices,
        },
    )
