"""The rules propose measures after a month is certified: once, and never again once dropped."""

import pytest
from django.core.exceptions import PermissionDenied

from config.errors import RuleViolation
from cycles import hooks
from cycles.models import Rating
from cycles.services import review_certify
from measures.models import Application, ApplicationEvent, Measure, MeasureKind, MeasureRule
from measures.services import (
    application_confirm,
    application_drop,
    application_edit,
    measure_update,
    measures_propose,
)
from tests.factories import TaskFactory
from tests.measures.conftest import OCTOBER, SEPTEMBER

pytestmark = pytest.mark.django_db


def test_kinds_and_rules_are_guessed_from_the_wording_on_first_use(measures):
    measures_propose(review=_certified_stub(measures))
    saved = {m.line_id: m for m in Measure.objects.all()}

    assert saved[measures.talk.pk].kind == MeasureKind.TALK
    assert (saved[measures.talk.pk].rule, saved[measures.talk.pk].rule_number) == (
        MeasureRule.BEHIND_RUNNING,
        2,
    )
    assert saved[measures.praise.pk].kind == MeasureKind.PRAISE
    assert saved[measures.praise.pk].rule == MeasureRule.NONE
    assert saved[measures.tolerance.pk].kind == MeasureKind.TOLERANCE


def _certified_stub(world):
    from cycles.models import MonthlyReview

    return MonthlyReview(campaign=world.campaign, month=OCTOBER, status="certified")


def test_a_unit_behind_two_months_running_gets_exactly_one_proposed_talk(measures, certify):
    w = measures
    certify(w, SEPTEMBER, {w.task: Rating.BEHIND, w.late: Rating.ON_TRACK})
    assert not Application.objects.exists()  # one month is not "running"

    october = certify(w, OCTOBER, {w.task: Rating.BEHIND, w.late: Rating.BEHIND})

    proposal = Application.objects.get()
    assert proposal.measure.line == w.talk and proposal.measure.kind == MeasureKind.TALK
    assert (proposal.unit, proposal.month, proposal.status) == (
        w.lead,
        OCTOBER,
        Application.Status.PROPOSED,
    )
    assert list(proposal.tasks.all()) == [w.task]
    assert proposal.review == october and "2026年9月" in proposal.grounds
    assert proposal.events.get().kind == ApplicationEvent.Kind.PROPOSED


def test_certifying_twice_proposes_nothing_new(measures, certify):
    w = measures
    certify(w, SEPTEMBER, {w.task: Rating.BEHIND})
    october = certify(w, OCTOBER, {w.task: Rating.BEHIND})

    with pytest.raises(RuleViolation):
        review_certify(review=october, by=w.coordinator)
    hooks.after_certify(october.pk)  # the job delivered again
    assert measures_propose(review=october) == 0

    assert Application.objects.count() == 1


def test_a_dropped_proposal_stays_dropped(measures, certify):
    w = measures
    certify(w, SEPTEMBER, {w.task: Rating.BEHIND})
    october = certify(w, OCTOBER, {w.task: Rating.BEHIND})
    proposal = Application.objects.get()

    application_drop(application=proposal, by=w.coordinator)
    hooks.after_certify(october.pk)

    proposal = Application.objects.get()
    assert proposal.status == Application.Status.DROPPED
    assert [e.kind for e in proposal.events.order_by("id")] == ["proposed", "dropped"]
    with pytest.raises(RuleViolation):
        application_confirm(application=proposal, by=w.coordinator)


def test_the_coordinator_edits_then_confirms_a_proposal_and_units_may_not(measures, certify):
    w = measures
    certify(w, SEPTEMBER, {w.task: Rating.BEHIND})
    certify(w, OCTOBER, {w.task: Rating.BEHIND})
    proposal = Application.objects.get()

    with pytest.raises(PermissionDenied):
        application_confirm(application=proposal, by=w.lead_head)
    with pytest.raises(PermissionDenied):
        application_edit(application=proposal, by=w.leader, grounds="x", unit=w.other, person=None)
    assert Application.objects.get().status == Application.Status.PROPOSED
    assert proposal.events.count() == 1

    application_edit(
        application=proposal,
        by=w.coordinator,
        grounds="连续两月滞后，约谈主要负责人",
        unit=None,
        person=w.lead_head,
    )
    application_confirm(application=proposal, by=w.coordinator)

    proposal.refresh_from_db()
    assert (proposal.status, proposal.person, proposal.unit) == ("applied", w.lead_head, w.lead)
    assert proposal.decided_by == w.coordinator and proposal.grounds.startswith("连续两月")
    assert [e.kind for e in proposal.events.order_by("id")] == ["proposed", "edited", "applied"]


def test_top_score_not_completed_and_low_reporting_rules_use_the_certified_figures(
    measures, certify
):
    w = measures
    measure_update(line=w.praise, by=w.coordinator, kind="praise", rule="top_score", number=1)
    measure_update(line=w.talk, by=w.coordinator, kind="talk", rule="low_reporting", number=50)
    black = TaskFactory(task_list=w.measures, code="4", title="月度“黑榜”通报批评")
    measure_update(
        line=black, by=w.coordinator, kind="criticism", rule="not_completed", number=None
    )
    w.late.specific_owner = w.other_staff
    w.late.save()

    october = certify(
        w,
        OCTOBER,
        {w.task: Rating.ON_TRACK, w.late: Rating.NOT_COMPLETED, w.done: Rating.COMPLETED},
        reports={w.task: 2, w.late: 0, w.done: 0},
    )

    praise = Application.objects.get(measure__line=w.praise)
    assert praise.unit == w.lead and praise.figures["rank"] == 1
    assert "排名第1" in praise.grounds
    named = Application.objects.get(measure__line=black)
    assert (named.person, named.unit, named.target_key) == (
        w.other_staff,
        w.other,
        f"p{w.other_staff.pk}",
    )
    assert list(named.tasks.all()) == [w.late]
    low = Application.objects.get(measure__line=w.talk)
    assert low.unit == w.other and low.figures == {"rate": "0.0", "reported": 0, "tasks": 2}
    assert {t.pk for t in low.tasks.all()} == {w.late.pk, w.done.pk}
    assert october.unit_figures.get(unit=w.lead).rank == 1
