"""The problem ledger: raised from a report, a verified 否 or an instruction; worked through
its states by the office; counted by state per campaign and unit; referred (to the city or
to 纪委监委) without touching the task's lead unit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Unit
from config.errors import RuleViolation
from inspections.models import Answer
from inspections.services import answer_submit, answer_verify
from notifications.models import Notification
from problems.models import Problem, ProblemEvent
from problems.selectors import counts_by_unit, ledger_counts, problem_counts
from problems.services import (
    problem_answer,
    problem_assign,
    problem_raise,
    problem_refer,
    problem_reopen,
    problem_resolve,
)
from tasks.services import instruction_give, report_submit
from tests.factories import UnitFactory
from tests.inspections.conftest import (
    checklist,  # noqa: F401  (fixture)
    inspection,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

LATER = datetime.date.today() + datetime.timedelta(days=20)


def _office_problem(world, title="审批系统与市级平台未打通", unit=None):
    return problem_raise(
        campaign=world.campaign, by=world.coordinator, title=title, unit=unit or world.lead
    )


def test_a_reports_obstacle_becomes_a_problem_of_the_reporting_unit_and_the_office_is_told(world):
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="推进中",
        percent=30,
        obstacles="市级系统未开放接口",
    )
    told = Notification.objects.filter(recipient=world.coordinator).count()

    problem = problem_raise(
        campaign=world.campaign,
        by=world.lead_staff,
        title=report.obstacles,
        location="政务服务大厅",
        report=report,
    )

    assert (problem.state, problem.source) == (Problem.State.REPORTED, Problem.Source.REPORT)
    assert (problem.task, problem.unit, problem.raised_by) == (
        world.task,
        world.lead,
        world.lead_staff,
    )
    assert list(problem.events.values_list("kind", flat=True)) == ["raised"]
    assert Notification.objects.filter(recipient=world.coordinator).count() == told + 1


def test_an_instruction_and_a_verified_no_raise_problems_too(world, inspection):  # noqa: F811
    instruction = instruction_give(task=world.task, by=world.leader, text="请协调市级部门")
    answer = Answer.objects.get(question=world.q2, unit=world.lead)
    answer_submit(answer=answer, by=world.lead_staff, value="no")
    unverified = Answer.objects.get(pk=answer.pk)
    with pytest.raises(RuleViolation):
        problem_raise(campaign=world.campaign, by=world.inspector, title="x", answer=unverified)
    answer_verify(answer=Answer.objects.get(pk=answer.pk), by=world.inspector)

    from_instruction = problem_raise(
        campaign=world.campaign, by=world.leader, title=instruction.text, instruction=instruction
    )
    from_answer = problem_raise(
        campaign=world.campaign,
        by=world.inspector,
        title="容缺受理未落实",
        answer=Answer.objects.get(pk=answer.pk),
    )

    assert (from_instruction.source, from_instruction.unit) == ("instruction", world.lead)
    assert (from_answer.source, from_answer.unit) == ("inspection", world.lead)
    # The verified 否's rectification task is the problem's task.
    assert from_answer.task == answer.rectification.task


def test_the_seeds_eight_problems_two_resolved_two_referred_four_in_coordination(world):
    problems = [
        _office_problem(world, f"问题{i}", unit=(world.lead, world.other)[i % 2]) for i in range(8)
    ]
    for problem in problems[:6]:
        problem_assign(problem=problem, by=world.coordinator, unit=world.lead, due_date=LATER)
    for problem in problems[:2]:
        problem_resolve(problem=problem, by=world.coordinator, resolution="已协调解决")
    for problem in problems[6:]:
        problem_refer(
            problem=problem, by=world.coordinator, referral="city", referred_to="市营商环境局"
        )

    counts = problem_counts(campaign=world.campaign)

    assert (counts.total, counts.resolved, counts.referred, counts.coordinating) == (8, 2, 2, 4)
    assert (counts.referred_city, counts.referred_discipline, counts.reported) == (2, 0, 0)
    assert counts.total == Problem.objects.filter(campaign=world.campaign).count()
    assert counts.coordinating == Problem.objects.filter(state="coordinating").count()
    lead = problem_counts(campaign=world.campaign, unit=world.lead)
    assert lead.total == Problem.objects.filter(unit=world.lead).count() == 4
    rows = {row["unit__name"]: row for row in counts_by_unit(Problem.objects.all())}
    assert {name: row["total"] for name, row in rows.items()} == {
        world.lead.name: 4,
        world.other.name: 4,
    }
    assert sum(row["resolved"] for row in rows.values()) == 2


def test_the_ledger_page_shows_the_counts_a_plain_count_gives(world, client):
    for i in range(3):
        problem = _office_problem(world, f"问题{i}")
        if i:
            problem_assign(problem=problem, by=world.coordinator, unit=world.other, due_date=None)
    problem_refer(problem=problem, by=world.coordinator, referral="city", referred_to="市政数局")
    client.force_login(world.leader)

    page = client.get(reverse("problems:ledger", args=[world.campaign.slug]))

    assert page.status_code == 200
    counts = page.context["counts"]
    assert counts == ledger_counts(Problem.objects.filter(campaign=world.campaign))
    html = page.content.decode()
    assert f'data-testid="count-total">{Problem.objects.count()}<' in html
    assert (
        f'data-testid="count-referred">{Problem.objects.filter(state="referred").count()}<' in html
    )
    assert (
        'data-testid="count-coordinating">1<' in html and 'data-testid="count-reported">1<' in html
    )


def test_a_referral_to_the_discipline_body_and_its_answer_leave_the_tasks_lead_alone(world):
    UnitFactory(name="区纪委监委", kind=Unit.Kind.SUPERVISION)
    problem = problem_raise(
        campaign=world.campaign,
        by=world.coordinator,
        title="窗口人员推诿扯皮",
        unit=world.lead,
        task=world.task,
    )

    problem_refer(
        problem=problem,
        by=world.coordinator,
        referral="discipline",
        referred_on=datetime.date(2026, 3, 2),
        note="涉及作风问题",
    )
    problem_answer(
        problem=problem,
        by=world.coordinator,
        answer="已立案调查，约谈相关人员",
        answered_on=datetime.date(2026, 3, 20),
    )

    problem.refresh_from_db()
    assert problem.state == Problem.State.REFERRED
    assert (problem.referral, problem.referred_to) == ("discipline", "区纪委监委")
    assert problem.referral_answer == "已立案调查，约谈相关人员"
    assert problem.answered_on == datetime.date(2026, 3, 20)
    world.task.refresh_from_db()
    assert world.task.lead_unit == world.lead
    # Reopened: coordinated again; the referral stays in the history.
    problem_reopen(problem=problem, by=world.coordinator, reason="整改不到位，问题反弹")
    problem.refresh_from_db()
    assert problem.state == Problem.State.REPORTED and problem.referral == ""
    kinds = list(ProblemEvent.objects.filter(problem=problem).values_list("kind", flat=True))
    assert kinds == ["raised", "referred", "answered", "reopened"]
    referred = ProblemEvent.objects.get(problem=problem, kind="referred")
    assert referred.after["referred_to"] == "区纪委监委" and referred.note == "涉及作风问题"
    with pytest.raises(TypeError):
        ProblemEvent.objects.filter(problem=problem).delete()


def test_steps_apply_only_from_their_states_and_not_from_a_stale_page(world):
    problem = _office_problem(world)

    with pytest.raises(RuleViolation):
        problem_answer(problem=problem, by=world.coordinator, answer="x")
    with pytest.raises(RuleViolation):
        problem_reopen(problem=problem, by=world.coordinator, reason="x")
    problem_resolve(problem=problem, by=world.coordinator, resolution="已解决")
    with pytest.raises(RuleViolation):
        problem_refer(problem=problem, by=world.coordinator, referral="city", referred_to="市里")
    with pytest.raises(RuleViolation) as stale:
        problem_reopen(problem=problem, by=world.coordinator, reason="反弹", expected_version=1)

    assert stale.value.code == "stale"
    problem.refresh_from_db()
    assert problem.state == Problem.State.RESOLVED
    assert problem.events.count() == 2


def test_only_the_campaigns_coordinators_work_the_ledger(world):
    problem = _office_problem(world)

    for who in (world.lead_staff, world.lead_head, world.leader, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            problem_assign(problem=problem, by=who, unit=world.lead, due_date=None)
    with pytest.raises(PermissionDenied):
        problem_raise(campaign=world.campaign, by=world.lead_staff, title="x", unit=world.lead)

    problem.refresh_from_db()
    assert problem.state == Problem.State.REPORTED and problem.events.count() == 1


def test_a_unit_sees_its_own_problems_only(world, client):
    ours = _office_problem(world, "本单位问题", unit=world.lead)
    theirs = _office_problem(world, "其他单位问题", unit=world.other)
    client.force_login(world.lead_staff)

    page = client.get(reverse("problems:ledger", args=[world.campaign.slug]))

    assert [p.pk for p in page.context["problems"]] == [ours.pk]
    assert page.context["by_unit"] is None
    assert client.get(reverse("problems:problem", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("problems:problem", args=[ours.pk])).status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_the_ledger_page_costs_the_same_queries_at_any_size(
    world, client, django_assert_max_num_queries, size
):
    units = [UnitFactory(name=f"区单位{i}") for i in range(5)]
    for i in range(size):
        problem = _office_problem(world, f"问题{i}", unit=units[i % 5])
        if i % 3:
            problem_assign(problem=problem, by=world.coordinator, unit=units[0], due_date=None)
    client.force_login(world.coordinator)

    with django_assert_max_num_queries(15):
        page = client.get(reverse("problems:ledger", args=[world.campaign.slug]))

    assert page.status_code == 200
    assert len(page.context["problems"]) == size
