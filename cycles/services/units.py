"""What merging two units (``accounts.merging``) does to the cycles: the rounds' and
reviews' lines of the merged unit are the surviving unit's, and each certified month in
which the merged unit had figures has them computed again (``unit_figures``, as after an
excuse), so the two count as the one body they were."""

from accounts.merging import MergeContext
from cycles.models import MonthlyReview, ReviewItem, RoundItem, UnitMonth
from cycles.services.excuse import figures_recompute
from cycles.services.owed import owed_states_refresh


def cycles_units_merge(ctx: MergeContext) -> dict[str, int]:
    merged, into = ctx.merged.pk, ctx.into.pk
    reviews = list(
        MonthlyReview.objects.filter(
            pk__in=UnitMonth.objects.filter(unit_id=merged).values("review_id")
        ).select_for_update(of=("self",))
    )
    rounds = RoundItem.objects.filter(lead_unit_id=merged).update(lead_unit_id=into)
    items = ReviewItem.objects.filter(lead_unit_id=merged).update(lead_unit_id=into)
    # The merged unit's reports are the surviving unit's (moved before or after this).
    owed_states_refresh(items=RoundItem.objects.filter(lead_unit_id=into), also_units=[merged])
    # The stored inputs name the merged unit: the month is ranked afresh from its lines,
    # which now name the surviving unit, with the formula it was certified with.
    UnitMonth.objects.filter(review__in=reviews).update(inputs={})
    for review in reviews:
        figures_recompute(review=review)
    return {
        "cycles.RoundItem.lead_unit": rounds,
        "cycles.ReviewItem.lead_unit": items,
        "cycles.UnitMonth.unit": len(reviews),
    }
