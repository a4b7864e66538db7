"""The ranking formula's writes: a coordinator changes the campaign's formula (checked, from
an up-to-date page, recorded with before and after), and a certified month's unit figures
are computed with the formula and stored with a copy of it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from campaigns.models import Campaign
from config.errors import RuleViolation
from cycles import permissions
from cycles.models import (
    FORMULA_SETTINGS,
    MonthlyReview,
    RankingFormula,
    RankingFormulaEvent,
    UnitMonth,
)
from cycles.ranking.compute import ranked
from cycles.ranking.formula import formula_problems
from cycles.ranking.inputs import ranking_inputs, ranking_inputs_frozen
from cycles.ranking.selectors import formula_of


@transaction.atomic
def ranking_formula_update(
    *,
    campaign: Campaign,
    by: User,
    values: dict,
    expected_version: int,
    note: str = "",
) -> RankingFormula:
    """Set the campaign's ranking formula to ``values`` (settings by name; those left out keep
    theirs). Refused from a page opened before someone else changed it, and when a setting is
    out of range or the settings contradict each other (naming the setting); nothing changes
    then. A change is a ``RankingFormulaEvent`` with the settings before and after; saving
    the same settings again records nothing. Certified months keep the formula they were
    certified with."""
    Campaign.objects.select_for_update(of=("self",)).filter(pk=campaign.pk).first()
    if not permissions.can_change_formula(by, campaign):
        raise PermissionDenied
    formula = RankingFormula.objects.filter(campaign=campaign).first() or RankingFormula(
        campaign=campaign
    )
    if formula.version != expected_version:
        raise RuleViolation(
            _(
                "Someone else changed the formula after you opened this page. Nothing was "
                "saved: reload the page to see their change, then make yours again."
            ),
            code="stale",
        )
    before = formula.as_json()
    for name in FORMULA_SETTINGS:
        if name in values:
            setattr(formula, name, values[name])
    problems = formula_problems(formula)
    if problems:
        field, message = next(iter(problems.items()))
        raise RuleViolation(message, field=field)
    after = formula.as_json()
    changed = [name for name in FORMULA_SETTINGS if before[name] != after[name]]
    if not changed:
        return formula
    formula.version += 1
    formula.updated_at, formula.updated_by = timezone.now(), by
    formula.save()
    RankingFormulaEvent.objects.create(
        formula=formula,
        version=formula.version,
        actor=by,
        at=formula.updated_at,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        note=note.strip()[:300],
    )
    return formula


def unit_figures(
    *, review: MonthlyReview, formula: RankingFormula | None = None
) -> list[UnitMonth]:
    """Each unit's figures for a fully rated review (not saved), best first, under the
    formula it is ranked by (``formula_of``): tasks, ratings, reports, each term of the
    score, the score, the rank (equal scores share a rank), the board, and the inputs behind
    them. A certified month is computed again from its stored inputs (after a rating was
    excused: 容错免责), so nothing that changed since can move it. An excused line counts
    nowhere."""
    formula = formula or formula_of(review=review)
    inputs = None
    if review.status == MonthlyReview.Status.CERTIFIED:
        inputs = ranking_inputs_frozen(review=review)
    if inputs is None:
        inputs = ranking_inputs(review=review, formula=formula)
    rows = ranked(inputs, formula)
    for row in rows:
        row.review = review
    return rows


def formula_freeze(*, review: MonthlyReview) -> RankingFormula:
    """Store the formula a month is being certified with on its review (not saved)."""
    formula = formula_of(review=review)
    review.formula, review.formula_version = formula.as_json(), formula.version
    return formula
