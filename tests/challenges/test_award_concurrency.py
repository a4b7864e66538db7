"""An award submitted by several people at once creates one task (PostgreSQL, four threads:
the call's row lock serialises them, and an awarded bid is returned as it is)."""

import pytest

from challenges.models import Bid, Call
from challenges.services import bid_award, bid_submit
from config.errors import RuleViolation
from tasks.models import Task
from tests.challenges.conftest import bid_values
from tests.cycles.test_exactly_once import _in_threads, _postgres

pytestmark = pytest.mark.django_db(transaction=True)


def _values(call):
    return {t.pk: v for t, v in zip(call.targets.all(), (70, 3), strict=True)}


def test_four_awards_of_one_bid_at_once_create_one_task(world, call, after_deadline):
    _postgres()
    bid = bid_submit(call=call, by=world.lead_staff, targets=_values(call), **bid_values(world))

    results = _in_threads(lambda: bid_award(bid=bid, by=world.leader, now=after_deadline).task_id)

    assert Task.objects.filter(claimed=True).count() == 1
    assert set(results) == {Task.objects.get(claimed=True).pk}


def test_two_bids_awarded_at_once_on_a_one_place_call_give_one_task(
    world, call, other_head, after_deadline
):
    _postgres()
    bids = [
        bid_submit(call=call, by=world.lead_staff, targets=_values(call), **bid_values(world)),
        bid_submit(
            call=call,
            by=other_head,
            targets=_values(call),
            **bid_values(world, supporting_units=[]),
        ),
    ]
    turns = iter([*bids, *bids])

    def award():
        try:
            return bid_award(bid=next(turns), by=world.coordinator, now=after_deadline).status
        except RuleViolation:
            return "refused"

    results = _in_threads(award)

    assert Task.objects.filter(claimed=True).count() == 1
    assert Bid.objects.filter(status=Bid.Status.AWARDED).count() == 1
    assert Call.objects.get().status == Call.Status.AWARDED
    assert results.count("refused") == 2
