"""Instructions (督办) left unanswered past their reply deadline on the cockpit's red list
(overview, the whole red list and a campaign's cockpit), whatever the light of their task:
the lines equal a plain count, the longest overdue first, each with its 催办 button."""

import datetime
import re

import pytest
from django.urls import reverse

from tasks.models import Instruction
from tasks.services import instruction_answer, instruction_give
from tests.cockpit.conftest import days

pytestmark = pytest.mark.django_db

LINE = re.compile(r'<tr data-instruction="(\d+)">')


@pytest.fixture
def late(scene):
    w = scene
    tomorrow = days(1)

    def give(task, *, late_by: int | None):
        ins = instruction_give(task=task, by=w.leader, text="请尽快推进", reply_by=tomorrow)
        if late_by is not None:  # the deadline has passed since
            Instruction.objects.filter(pk=ins.pk).update(reply_by=days(-late_by))
        return ins

    w.late_green = give(w.green, late_by=2)  # a green task: still on the list
    w.late_red = give(w.red1, late_by=9)
    w.in_time = give(w.yellow1, late_by=None)
    answered = give(w.red2, late_by=4)
    instruction_answer(instruction=answered, by=w.other_staff, answer="已推进")
    w.foreign = give(w.foreign_red, late_by=1)
    return w


def lines(html: str) -> list[int]:
    section = html.split('data-testid="late-instructions"', 1)[1].split("</section>", 1)[0]
    return [int(pk) for pk in LINE.findall(section)]


def plain(campaigns) -> list[int]:
    rows = Instruction.objects.filter(
        answered_at__isnull=True,
        reply_by__lt=datetime.date.today(),
        task__status="in_progress",
        task__task_list__campaign__in=campaigns,
    ).order_by("reply_by")
    return list(rows.values_list("pk", flat=True))


def test_the_campaign_cockpit_lists_its_late_instructions_longest_overdue_first(client, late):
    client.force_login(late.coordinator)

    html = client.get(reverse("cockpit:campaign", args=[late.campaign.slug])).content.decode()

    assert lines(html) == plain([late.campaign]) == [late.late_red.pk, late.late_green.pk]
    assert f'action="/tasks/instructions/{late.late_red.pk}/urge/"' in html
    assert 'data-count="2"' in html.split('data-testid="late-instructions"', 1)[1]


def test_the_overview_and_the_red_list_cover_every_campaign_the_leader_oversees(client, late):
    client.force_login(late.leader)
    every = plain([late.campaign, late.other_campaign])

    for url in (reverse("cockpit:overview"), reverse("cockpit:red_list")):
        html = client.get(url).content.decode()
        assert lines(html) == every, url
    assert late.foreign.pk in every and late.in_time.pk not in every


def test_urging_from_the_red_list_reminds_the_unit(client, late):
    client.force_login(late.leader)
    html = client.get(reverse("cockpit:overview")).content.decode()
    assert f'action="/tasks/instructions/{late.late_green.pk}/urge/"' in html

    client.post(reverse("tasks:instruction_urge", args=[late.late_green.pk]))

    assert Instruction.objects.get(pk=late.late_green.pk).urge_count == 1
