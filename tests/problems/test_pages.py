"""The ledger's pages: raising from a report's obstacle on the task page, working a problem
through its forms (a stale page changes nothing)."""

import pytest
from django.urls import reverse

from problems.models import Problem
from problems.services import problem_raise
from tasks.services import report_submit

pytestmark = pytest.mark.django_db


def test_a_unit_enters_its_reports_obstacle_from_the_task_page(world, client):
    report = report_submit(
        task=world.task, by=world.lead_staff, text="推进中", percent=30, obstacles="缺少市级授权"
    )
    client.force_login(world.lead_staff)
    task_page = client.get(reverse("tasks:detail", args=[world.task.pk])).content.decode()
    raise_url = reverse("problems:raise", args=[world.campaign.slug]) + f"?report={report.pk}"
    assert raise_url.replace("&", "&amp;") in task_page

    form = client.get(raise_url)
    assert form.context["form"].initial["title"] == "缺少市级授权"
    response = client.post(raise_url, {"title": "缺少市级授权", "location": "审批大厅"})

    problem = Problem.objects.get()
    assert response["Location"] == reverse("problems:problem", args=[problem.pk])
    assert (problem.source, problem.report, problem.unit) == ("report", report, world.lead)


def test_another_unit_cannot_raise_from_a_report_it_cannot_see(world, client):
    report = report_submit(
        task=world.task, by=world.lead_staff, text="推进中", percent=30, obstacles="缺少授权"
    )
    client.force_login(world.other_staff)

    url = reverse("problems:raise", args=[world.campaign.slug]) + f"?report={report.pk}"

    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "x"}).status_code == 404
    assert not Problem.objects.exists()


def test_the_office_assigns_through_the_page_and_a_stale_page_changes_nothing(world, client):
    problem = problem_raise(
        campaign=world.campaign, by=world.coordinator, title="接口未开放", unit=world.lead
    )
    client.force_login(world.coordinator)
    url = reverse("problems:assign", args=[problem.pk])

    client.post(url, {"unit": world.other.pk, "version": problem.version})
    stale = client.post(url, {"unit": world.lead.pk, "version": problem.version}, follow=True)

    problem.refresh_from_db()
    assert problem.state == Problem.State.COORDINATING and problem.assigned_unit == world.other
    assert "他人已作修改" in stale.content.decode()
    assert problem.events.count() == 2


def test_the_task_pages_problems_are_those_the_ledgers_rule_lets_each_person_read(world):
    """``task_section`` reads the task's problems by a statement compiled once per shape of
    person (``problems_q_of``): for everyone, the same problems as ``visible_problems_q``,
    the filter every ledger page uses."""
    from problems.permissions import visible_problems_q
    from problems.selectors import task_section
    from problems.services import problem_assign

    world.campaign.coordinators.add(world.coordinator)
    raised = [
        problem_raise(campaign=world.campaign, by=world.coordinator, title="一", unit=world.lead),
        problem_raise(
            campaign=world.campaign,
            by=world.lead_staff,
            title="二",
            report=report_submit(
                task=world.task, by=world.lead_staff, text="推进中", percent=30, obstacles="二"
            ),
        ),
        problem_raise(campaign=world.campaign, by=world.coordinator, title="三", unit=world.other),
    ]
    for problem in raised:
        problem.task = world.task
        problem.save(update_fields=["task"])
    problem_assign(problem=raised[2], by=world.coordinator, unit=world.support, due_date=None)
    inactive = world.other_staff
    people = [
        world.leader,
        world.coordinator,
        world.other_coordinator,
        world.lead_staff,
        world.lead_head,
        world.support_staff,
        world.auditor,
    ]
    for person in [*people, inactive]:
        if person is inactive:
            person.is_active = False
        expected = list(
            Problem.objects.filter(visible_problems_q(person), task=world.task).order_by(
                "state", "-raised_at", "-id"
            )
        )
        section = task_section(person, world.task)
        shown = section.context["problems"] if section else []
        assert shown == expected, person.username
    assert {p.title for p in task_section(world.support_staff, world.task).context["problems"]} == {
        "三"
    }
