"""揭榜挂帅 end to end: a call, two bids, one withdrawn, assessment, the award creating
exactly one claimed task with the bid's targets; and the rules around it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Unit
from challenges.models import Assessment, Bid, Call, CallEvent
from challenges.services import (
    bid_assess,
    bid_award,
    bid_submit,
    bid_withdraw,
    call_close,
    call_publish,
)
from config.errors import RuleViolation
from notifications.models import Notification
from tasks.models import Task, TaskEvent
from tasks.selectors import tasks_for_user
from tests.challenges.conftest import CRITERIA, bid_values
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _targets(call, *values):
    return {t.pk: v for t, v in zip(call.targets.all(), values, strict=True)}


def _scores(call, *points):
    return {c.pk: p for c, p in zip(call.criteria.all(), points, strict=True)}


def test_a_call_end_to_end_two_bids_one_withdrawn_assessed_awarded_once(
    world, call, other_head, after_deadline
):
    # Two units bid; the other unit withdraws before bids close.
    ours = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )
    theirs = bid_submit(
        call=call,
        by=other_head,
        targets=_targets(call, 66, 5),
        **bid_values(world, commander="赵主任", supporting_units=[]),
    )
    bid_withdraw(bid=theirs, by=other_head)
    # Bids close; the leader and the coordinator assess ours.
    bid_assess(
        bid=ours,
        by=world.leader,
        scores=_scores(call, 35, 50),
        comment="方案扎实",
        now=after_deadline,
    )
    bid_assess(bid=ours, by=world.coordinator, scores=_scores(call, 30, 55), now=after_deadline)

    bid_award(bid=ours, by=world.leader, now=after_deadline)
    bid_award(bid=ours, by=world.leader, now=after_deadline)  # submitted twice

    tasks = Task.objects.filter(claimed=True)
    assert tasks.count() == 1
    task = tasks.get()
    ours.refresh_from_db()
    assert ours.status == Bid.Status.AWARDED and ours.task == task
    assert task.task_list == world.task_list and task.title == call.title
    assert task.lead_unit == world.lead
    assert list(task.supports.values_list("unit", flat=True)) == [world.support.pk]
    assert (task.principal_owner_name, task.leader_in_charge_name) == ("李局长", "王副局长")
    assert task.deadline == datetime.date(2031, 6, 30)
    assert [(t.metric, t.target_value, t.baseline, t.direction) for t in task.targets.all()] == [
        ("零跑动事项可办率", Decimal(70), Decimal(55), "higher"),
        ("平均办理时限", Decimal(3), Decimal(10), "lower"),
    ]
    # It reaches the unit like any task handed to it: 签收 asked, in 我的任务.
    assert task.handed_over_at is not None and task.acknowledged_at is None
    assert task in tasks_for_user(user=world.lead_staff)
    assert TaskEvent.objects.get(task=task).after["claimed"] is True
    # One place: the call is settled; the withdrawn bid stays withdrawn.
    call.refresh_from_db()
    assert call.status == Call.Status.AWARDED
    theirs.refresh_from_db()
    assert theirs.status == Bid.Status.WITHDRAWN
    assert CallEvent.objects.filter(call=call, kind=CallEvent.Kind.AWARDED).count() == 1
    # The unit is told where its task is.
    assert Notification.objects.filter(
        recipient=world.lead_staff, url=reverse("tasks:detail", args=[task.pk])
    ).exists()


def test_the_other_bidders_are_told_when_the_call_is_settled(
    world, call, other_head, after_deadline
):
    ours = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )
    bid_submit(call=call, by=other_head, targets=_targets(call, 66, 5), **bid_values(world))
    told = Notification.objects.filter(recipient=other_head).count()

    bid_award(bid=ours, by=world.coordinator, now=after_deadline)

    assert Bid.objects.get(unit=world.other).status == Bid.Status.NOT_AWARDED
    assert Notification.objects.filter(recipient=other_head).count() == told + 1


def test_one_bid_per_unit_changed_in_place_and_made_again_after_withdrawing(world, call):
    first = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )
    bid_submit(
        call=call,
        by=world.lead_head,
        targets=_targets(call, 80, 2),
        **bid_values(world, plan="新方案"),
    )
    bid_withdraw(bid=first, by=world.lead_staff)
    again = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 75, 3), **bid_values(world)
    )

    assert Bid.objects.filter(call=call).count() == 1
    assert again.pk == first.pk and again.status == Bid.Status.SUBMITTED
    assert [t.value for t in again.targets.all()] == [Decimal(75), Decimal(3)]
    kinds = list(CallEvent.objects.filter(bid=first).values_list("kind", flat=True))
    assert kinds == ["bid", "bid_changed", "withdrawn", "bid"]


def test_a_bid_must_reach_the_calls_targets_and_say_who_takes_command(world, call):
    with pytest.raises(RuleViolation) as low:
        bid_submit(
            call=call, by=world.lead_staff, targets=_targets(call, 60, 3), **bid_values(world)
        )
    with pytest.raises(RuleViolation) as slow:
        bid_submit(
            call=call, by=world.lead_staff, targets=_targets(call, 70, 6), **bid_values(world)
        )
    with pytest.raises(RuleViolation) as nobody:
        bid_submit(
            call=call,
            by=world.lead_staff,
            targets=_targets(call, 70, 3),
            **bid_values(world, commander=" "),
        )

    assert "65" in low.value.message and "5" in slow.value.message
    assert nobody.value.field == "commander"
    assert not Bid.objects.exists()


def test_no_bid_after_bids_close_and_no_withdrawal_either(world, call, after_deadline):
    bid = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )

    with pytest.raises(RuleViolation):
        bid_submit(
            call=call,
            by=world.lead_staff,
            targets=_targets(call, 90, 1),
            now=after_deadline,
            **bid_values(world),
        )
    with pytest.raises(RuleViolation):
        bid_withdraw(bid=bid, by=world.lead_staff, now=after_deadline)

    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED and bid.version == 1


def test_bids_are_assessed_and_awarded_only_once_they_close(world, call, now):
    bid = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )

    with pytest.raises(RuleViolation):
        bid_assess(bid=bid, by=world.leader, scores=_scores(call, 30, 30), now=now)
    with pytest.raises(RuleViolation):
        bid_award(bid=bid, by=world.leader, now=now)

    assert not Assessment.objects.exists() and not Task.objects.filter(claimed=True).exists()


def test_a_score_beyond_a_criterions_points_is_refused_and_assessing_again_replaces(
    world, call, after_deadline
):
    bid = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )

    with pytest.raises(RuleViolation) as refusal:
        bid_assess(bid=bid, by=world.leader, scores=_scores(call, 41, 10), now=after_deadline)
    bid_assess(bid=bid, by=world.leader, scores=_scores(call, 30, 40), now=after_deadline)
    bid_assess(bid=bid, by=world.leader, scores=_scores(call, 20, 40), now=after_deadline)

    assert refusal.value.field.startswith("score_")
    assessment = Assessment.objects.get()
    assert assessment.total == Decimal(60)
    assert sum(Decimal(v) for v in assessment.scores.values()) == assessment.total
    assert len(CRITERIA) == len(assessment.scores)


def test_who_may_bid_assess_and_award(world, call, after_deadline):
    discipline = UnitFactory(name="区纪委监委", kind=Unit.Kind.SUPERVISION)
    inspector = UserFactory(username="jw", unit=discipline)
    bid = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )

    for refused in (
        lambda: bid_submit(
            call=call, by=inspector, targets=_targets(call, 70, 3), **bid_values(world)
        ),
        lambda: bid_submit(
            call=call, by=world.coordinator, targets=_targets(call, 70, 3), **bid_values(world)
        ),
        lambda: bid_withdraw(bid=bid, by=world.support_staff),
        lambda: bid_assess(
            bid=bid, by=world.lead_head, scores=_scores(call, 1, 1), now=after_deadline
        ),
        lambda: bid_award(bid=bid, by=world.other_coordinator, now=after_deadline),
        lambda: bid_award(bid=bid, by=world.lead_staff, now=after_deadline),
    ):
        with pytest.raises(PermissionDenied):
            refused()

    assert Bid.objects.count() == 1 and not Assessment.objects.exists()
    assert not Task.objects.filter(claimed=True).exists()


def test_a_call_for_some_units_takes_bids_from_those_only(world, deadline):
    call = call_publish(
        campaign=world.campaign,
        by=world.coordinator,
        task_list=world.task_list,
        title="数据共享攻坚",
        goal="打通十个部门数据",
        claim_deadline=deadline,
        criteria=CRITERIA,
        units=[world.support],
    )

    with pytest.raises(PermissionDenied):
        bid_submit(call=call, by=world.lead_staff, **bid_values(world, supporting_units=[]))
    bid_submit(call=call, by=world.support_staff, **bid_values(world, supporting_units=[]))

    assert list(Bid.objects.values_list("unit", flat=True)) == [world.support.pk]


def test_a_supervisory_body_cannot_be_named_to_bid(world, deadline):
    discipline = UnitFactory(name="区纪委监委", kind=Unit.Kind.SUPERVISION)

    with pytest.raises(RuleViolation) as refusal:
        call_publish(
            campaign=world.campaign,
            by=world.coordinator,
            task_list=world.task_list,
            title="x",
            goal="y",
            claim_deadline=deadline,
            criteria=CRITERIA,
            units=[discipline],
        )

    assert refusal.value.field == "units"
    assert not Call.objects.exists()


def test_a_split_call_awards_as_many_bids_as_it_has_places(
    world, other_head, deadline, after_deadline
):
    call = call_publish(
        campaign=world.campaign,
        by=world.coordinator,
        task_list=world.task_list,
        title="分片区推进老旧小区改造",
        goal="两个片区同步推进",
        claim_deadline=deadline,
        criteria=CRITERIA,
        places=2,
    )
    ours = bid_submit(call=call, by=world.lead_staff, **bid_values(world))
    theirs = bid_submit(call=call, by=other_head, **bid_values(world, supporting_units=[]))

    bid_award(bid=ours, by=world.coordinator, now=after_deadline)
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    bid_award(bid=theirs, by=world.coordinator, now=after_deadline)

    call.refresh_from_db()
    assert call.status == Call.Status.AWARDED
    codes = sorted(Task.objects.filter(claimed=True).values_list("code", flat=True))
    assert len(codes) == 2 and len(set(codes)) == 2


def test_closing_a_call_without_award_settles_its_bids(world, call, after_deadline):
    bid = bid_submit(
        call=call, by=world.lead_staff, targets=_targets(call, 70, 3), **bid_values(world)
    )

    call_close(call=call, by=world.coordinator, now=after_deadline)

    call.refresh_from_db()
    bid.refresh_from_db()
    assert call.status == Call.Status.CLOSED and bid.status == Bid.Status.NOT_AWARDED
    with pytest.raises(RuleViolation):
        bid_award(bid=bid, by=world.coordinator, now=after_deadline)
    assert not Task.objects.filter(claimed=True).exists()
