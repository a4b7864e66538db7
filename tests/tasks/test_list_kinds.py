"""Checklist questions and measures are lines of a list, never work: no light, no weekly
report, no monthly rating, no place in "my tasks" or in any figure that counts tasks."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import TaskList
from cycles.models import DispatchRound, ReviewItem, RoundItem
from cycles.services import cycles_run
from tasks import permissions
from tasks.lights import Light, light_expression
from tasks.models import Task
from tasks.selectors import campaign_summaries, lagging_units, tasks_for_user
from tests.factories import TaskFactory, TaskListFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def lines(world):
    """Beside world.task (a reform task), an overdue question and an overdue measure that the
    same unit leads: were they tasks, both would be red, owe reports and be rated."""
    world.checklist = TaskListFactory(campaign=world.campaign, kind=TaskList.Kind.CHECKLIST)
    world.measures = TaskListFactory(campaign=world.campaign, kind=TaskList.Kind.MEASURE)
    overdue = datetime.date(2026, 1, 31)
    world.question = TaskFactory(task_list=world.checklist, lead_unit=world.lead, deadline=overdue)
    world.measure = TaskFactory(task_list=world.measures, lead_unit=world.lead, deadline=overdue)
    return world


def test_a_question_or_measure_has_no_light_in_python_or_in_sql(lines):
    in_sql = dict(
        Task.objects.annotate(light_value=light_expression(TODAY)).values_list("pk", "light_value")
    )

    for line in (lines.question, lines.measure):
        assert line.light_on(TODAY).light == Light.GREY
        assert line.light_on(TODAY).overdue is False
        assert in_sql[line.pk] == Light.GREY
    assert Task.objects.work().count() == 1


def test_rounds_and_reviews_count_only_work(lines):
    lines.campaign.start_date = datetime.date(2026, 1, 1)
    lines.campaign.save()
    # All three existed all October (a late review leaves out what was created after it).
    Task.objects.update(created_at=datetime.datetime(2026, 1, 2, tzinfo=SH))

    cycles_run(now=datetime.datetime(2026, 11, 2, 9, 5, tzinfo=SH))

    round_ = DispatchRound.objects.get()
    assert list(RoundItem.objects.filter(round=round_).values_list("task_id", flat=True)) == [
        lines.task.pk
    ]
    assert list(ReviewItem.objects.values_list("task_id", flat=True)) == [lines.task.pk]


def test_my_tasks_and_the_campaign_figures_leave_questions_and_measures_out(lines):
    mine = list(tasks_for_user(user=lines.lead_staff, today=TODAY))
    (summary,) = [
        s
        for s in campaign_summaries(user=lines.leader, today=TODAY)
        if s.campaign == lines.campaign
    ]
    per_list = {ls.task_list.pk: ls.counts.total for ls in summary.lists}
    lagging = lagging_units(campaign=lines.campaign, today=TODAY)

    assert mine == [lines.task]
    assert (
        summary.counts.total
        == Task.objects.work().filter(task_list__campaign=lines.campaign).count()
        == 1
    )
    assert summary.counts.red == 0
    assert per_list[lines.checklist.pk] == per_list[lines.measures.pk] == 1
    assert lagging == []


def test_nobody_reports_on_or_asks_to_close_a_question(lines):
    assert permissions.can_report(lines.lead_staff, lines.task)
    assert not permissions.can_report(lines.lead_staff, lines.question)
    assert not permissions.can_request(lines.lead_staff, lines.measure)


def test_the_campaign_page_shows_questions_and_measures_by_count(lines, client):
    client.force_login(lines.leader)

    response = client.get(f"/campaigns/{lines.campaign.slug}/")

    assert response.content.decode().count('data-testid="lines"') == 2
    # The chart of lights per list shows the work lists only.
    assert response.context["chart_data"]["lists"] == [lines.task_list.name]


def test_my_tasks_offers_no_checklist_or_measures_list_to_filter_by(lines, client):
    client.force_login(lines.lead_staff)

    form = client.get("/tasks/mine/").context["form"]

    offered = {str(value) for value, _label in form.fields["task_list"].choices if value}
    assert offered == {str(lines.task_list.pk)}
