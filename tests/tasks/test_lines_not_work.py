"""A checklist question and a measure open on the task page as what they are: no light, no
status or progress, no owners or deadline, no reports, and nobody gives an instruction on
them (it would wait for an answer forever)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from campaigns.models import TaskList
from tasks.models import Instruction, TaskEvent
from tasks.services import instruction_give
from tests.factories import TaskFactory, TaskListFactory
from tests.inspections.conftest import with_checklist

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(world):
    with_checklist(world)
    measures = TaskListFactory(campaign=world.campaign, name="激励惩戒措施清单", kind="measure")
    world.measure = TaskFactory(
        task_list=measures, code="7", title="约谈问责", lead_unit=world.office, deadline=None
    )
    return world


def test_a_question_and_a_measure_are_shown_as_what_they_are(lines, client):
    w = lines
    client.force_login(w.coordinator)

    question = client.get(reverse("tasks:detail", args=[w.q1.pk])).content.decode()
    measure = client.get(reverse("tasks:detail", args=[w.measure.pk])).content.decode()
    work = client.get(reverse("tasks:detail", args=[w.task.pk])).content.decode()

    assert "检查问题" in question and reverse("inspections:index") in question
    assert reverse("measures:register", args=[w.campaign.slug]) in measure
    for page in (question, measure):
        assert 'data-testid="not-work"' in page
        assert 'data-testid="task-status"' not in page
        assert 'id="timeline"' not in page  # no progress reports
        assert 'id="instruct"' not in page
        assert "具体责任人" not in page and "完成时限" not in page
    # An ordinary task keeps all of it.
    assert 'data-testid="task-status"' in work and 'id="timeline"' in work
    assert 'id="instruct"' in work and 'data-testid="not-work"' not in work


def test_nobody_gives_an_instruction_on_a_question_or_a_measure(lines, client):
    w = lines
    for line in (w.q1, w.measure):
        for user in (w.coordinator, w.leader):
            with pytest.raises(PermissionDenied):
                instruction_give(task=line, by=user, text="抓紧落实")
        client.force_login(w.leader)
        client.post(reverse("tasks:instruction_give", args=[line.pk]), {"text": "抓紧落实"})
    assert not Instruction.objects.exists()
    assert not TaskEvent.objects.filter(kind=TaskEvent.Kind.INSTRUCTION_GIVEN).exists()
    instruction_give(task=w.task, by=w.leader, text="抓紧落实")  # work still takes them
    assert Instruction.objects.count() == 1
    assert TaskList.objects.get(pk=w.q1.task_list_id).kind == TaskList.Kind.CHECKLIST


def test_the_list_page_of_questions_shows_questions_not_tasks(lines, client):
    w = lines
    client.force_login(w.coordinator)
    url = reverse("campaigns:list_detail", args=[w.campaign.slug, w.checklist.pk])

    response = client.get(url)

    page = response.content.decode()
    assert 'data-testid="lines"' in page and '<th scope="col">检查问题</th>' in page
    for title in (w.q1.title, w.q2.title, w.q3.title):
        assert title in page
    assert "灯色" not in page and "最近报送" not in page and "尚未报送" not in page
    assert {"status", "light", "open_instructions"}.isdisjoint(response.context["form"].fields)
    # A work list keeps its columns and filters.
    work = client.get(reverse("campaigns:list_detail", args=[w.campaign.slug, w.task_list.pk]))
    assert "最近报送" in work.content.decode() and "light" in work.context["form"].fields
