"""The weekly dispatch, the monthly sign-off and the follow-ups, run by ``cycles_run`` for a
given instant. One module per cycle:

* ``run``: ``cycles_run``, what is due at an instant (beat's job and ``run_cycles``);
* ``dispatch``: the weekly round (open, second reminder, close);
* ``digests``: writing, queueing and sending the digests of a round;
* ``review``: the monthly review (open with proposals, rate, confirm all, certify);
* ``figures``: the weekly bulletin;
* ``ranking``: the ranking formula's changes, and each unit's monthly figures and rank;
* ``excuse``: 容错免责, a task's rating left out of its unit's figures;
* ``followups``: reminding the coordinators of follow-ups that fell due.

Every action here can run twice, late, or on two machines at once and still act once: each
takes a row lock on what it changes, checks whether it already happened, and writes rows that
carry unique constraints (one round per campaign and week, one digest per person, round and
kind, one review per campaign and month) before anything is sent. Sending happens after
commit, in jobs that lock each digest and skip it if it was already sent.
"""

from cycles.services.digests import DIGEST_CHUNK, REQUEUE_AFTER, digest_send, digests_requeue
from cycles.services.dispatch import round_close, round_open, round_remind
from cycles.services.excuse import figures_recompute, review_item_excuse
from cycles.services.figures import SCORES, round_bulletin
from cycles.services.followups import followups_remind
from cycles.services.ranking import formula_freeze, ranking_formula_update, unit_figures
from cycles.services.review import (
    propose_rating,
    review_certify,
    review_confirm_all,
    review_open,
    review_open_due,
    review_rate,
)
from cycles.services.run import RunSummary, cycles_run

__all__ = [
    "DIGEST_CHUNK",
    "REQUEUE_AFTER",
    "SCORES",
    "RunSummary",
    "cycles_run",
    "digest_send",
    "digests_requeue",
    "figures_recompute",
    "formula_freeze",
    "followups_remind",
    "propose_rating",
    "ranking_formula_update",
    "review_certify",
    "review_confirm_all",
    "review_item_excuse",
    "review_open",
    "review_open_due",
    "review_rate",
    "round_bulletin",
    "round_close",
    "round_open",
    "round_remind",
    "unit_figures",
]
