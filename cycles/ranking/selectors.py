"""Reads of the unit ranking: the formula a campaign or a review uses, the ranking a page
shows (a draft under the current formula while the month is open, the stored one once it is
certified), each unit's rank change against the previous month, and one unit's "why".

A draft reads the review's inputs (``cycles.ranking.inputs``, at most nine queries) and
computes in Python; a certified ranking is one query of the stored rows. Neither depends on
the number of units or tasks."""

import dataclasses
from decimal import Decimal

from django.utils.translation import gettext as _

from campaigns.models import Campaign
from cycles.models import MonthlyReview, RankingFormula, RankingFormulaEvent, UnitMonth
from cycles.ranking.compute import LEAD, Terms, UnitInputs, ranked, unit_terms
from cycles.ranking.formula import PENALTY_SETTINGS, describe, formula_from_json
from cycles.ranking.grouped import ranking_inputs_grouped
from cycles.ranking.inputs import ranking_inputs
from cycles.schedule import previous_month


def formula_for(*, campaign: Campaign, with_author: bool = True) -> RankingFormula:
    """The campaign's formula as it stands: the saved one, else the defaults (unsaved).
    ``with_author=False``: without who changed it last (what the formula page shows; a
    ranking computed by it needs only its settings)."""
    formulas = RankingFormula.objects.filter(campaign=campaign)
    if with_author:
        formulas = formulas.select_related("updated_by")
    return formulas.first() or RankingFormula(campaign=campaign)


def formula_of(*, review: MonthlyReview) -> RankingFormula:
    """The formula ``review`` is ranked by: the copy stored when it was certified (a month
    certified before formulas existed: the defaults, which is how it was scored), else the
    campaign's current one."""
    if review.status == MonthlyReview.Status.CERTIFIED:
        formula = formula_from_json(review.formula)
        formula.version = review.formula_version or 0
        return formula
    return formula_for(campaign=review.campaign, with_author=False)


def formula_history(*, campaign: Campaign) -> list[RankingFormulaEvent]:
    return list(
        RankingFormulaEvent.objects.filter(formula__campaign=campaign)
        .select_related("actor")
        .order_by("-version")
    )


@dataclasses.dataclass
class Ranking:
    review: MonthlyReview
    formula: RankingFormula
    rows: list[UnitMonth]  # best first; each with unit_name, previous_rank and change
    draft: bool
    previous_label: str  # the month ranks change against ("" when it was not certified)

    @property
    def words(self) -> list[str]:
        return describe(self.formula)

    def row_of(self, unit_id: int) -> UnitMonth | None:
        return next((row for row in self.rows if row.unit_id == unit_id), None)

    @property
    def used(self) -> dict[str, bool]:
        """The terms the formula gives any weight (pages leave the others' columns out)."""
        f = self.formula
        return {
            "supported": bool(f.support_weight),
            "reporting": bool(f.reporting_weight),
            "punctuality": bool(f.punctuality_weight),
            "targets": bool(f.targets_weight),
            "claimed": bool(f.claimed_bonus),
            "penalties": any(getattr(f, name) for name in PENALTY_SETTINGS.values()),
        }

    @property
    def boards(self) -> dict[str, list[str]]:
        return {
            board: [row.unit_name for row in self.rows if row.board == board]
            for board in ("red", "black")
        }


def review_ranking(*, review: MonthlyReview, with_inputs: bool = True) -> Ranking:
    """The units of ``review`` best first: stored if certified, else a draft under the
    campaign's current formula (lines not rated yet count at their proposed rating); each
    with its rank change against the campaign's certified month before (one query).
    ``with_inputs=False``: a draft's rows without their inputs as JSON (the ranking page
    shows none; the workbook and "why this score" read them)."""
    formula = formula_of(review=review)
    if review.status == MonthlyReview.Status.CERTIFIED:
        rows = list(review.unit_figures.select_related("unit").order_by("rank", "unit__name"))
        for row in rows:
            row.unit_name = row.unit.name
        draft = False
    else:
        # The page needs each unit's figures, not its lines: counted in SQL, grouped.
        inputs = (
            ranking_inputs(review=review, formula=formula, draft=True)
            if with_inputs
            else ranking_inputs_grouped(review=review, formula=formula)
        )
        names = {u.unit: u.name for u in inputs}
        rows = ranked(inputs, formula, keep_inputs=with_inputs)
        for row in rows:
            row.review = review
            row.unit_name = names[row.unit_id]
        draft = True
    month = previous_month(review.month)
    before = dict(
        UnitMonth.objects.filter(
            review__campaign_id=review.campaign_id,
            review__month=month,
            review__status=MonthlyReview.Status.CERTIFIED,
        )
        .order_by()  # one review a month (a unit once in it): no join to order the units
        .values_list("unit_id", "rank")
    )
    for row in rows:
        row.previous_rank = before.get(row.unit_id)
        row.change = row.previous_rank - row.rank if row.previous_rank else None
        row.change_label = change_label(row.change, bool(before))
    return Ranking(
        review=review,
        formula=formula,
        rows=rows,
        draft=draft,
        previous_label=MonthlyReview(month=month).label if before else "",
    )


def change_label(change: int | None, had_previous: bool) -> str:
    """↑2, ↓1, – (the same rank) against the month before; "new" for a unit not ranked then;
    nothing when the month before was not certified."""
    if change is None:
        return _("new in the ranking") if had_previous else ""
    if change == 0:
        return "–"
    return f"↑{change}" if change > 0 else f"↓{-change}"


@dataclasses.dataclass
class Explanation:
    """One unit's score term by term, with the tasks behind each term."""

    ranking: Ranking
    row: UnitMonth
    inputs: UnitInputs
    terms: Terms

    @property
    def total(self) -> Decimal:
        return self.terms.score

    @property
    def late(self) -> list[dict]:
        """The weekly reports that did not come by the due time, with their task's number."""
        codes = {line.task: (line.code, line.title) for line in self.inputs.lines}
        return [
            {"task": task, "week": week, "state": state, "code": codes.get(task, ("", ""))[0]}
            for task, week, state in self.terms.rounds
            if state != "on_time"
        ]

    @property
    def silent(self) -> list:
        """The led tasks (not excused) with no report in the month."""
        return [
            line
            for line in self.inputs.lines
            if line.role == LEAD and not line.excused and not line.reports
        ]

    @property
    def target_rows(self) -> list[dict]:
        codes = {line.task: line.code for line in self.inputs.lines}
        return [
            {"task": task, "code": codes.get(task, ""), "metric": metric, "share": share}
            for task, metric, share in self.terms.targets
        ]


def unit_explanation(*, review: MonthlyReview, unit_id: int) -> Explanation | None:
    """Why ``unit_id`` has its score in ``review`` (None: the unit is not in the ranking)."""
    ranking = review_ranking(review=review)
    row = ranking.row_of(unit_id)
    if row is None:
        return None
    inputs = (
        UnitInputs.from_json(row.inputs)
        if row.inputs
        else UnitInputs(unit=row.unit_id, name=row.unit_name)  # certified before the formula
    )
    return Explanation(
        ranking=ranking, row=row, inputs=inputs, terms=unit_terms(inputs, ranking.formula)
    )
