"""The rules' reads compiled once per process (``tasks.readers``: ``access_campaign``,
``access_task_list``, ``can_manage_campaign``) answer as the rules' querysets built each time:
for every kind of person, a campaign they coordinate or not, a live list and a draft one."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import Role
from tasks.permissions import (
    access_campaign,
    access_task_list,
    can_manage_campaign,
    visible_campaigns,
    visible_lists_q,
)
from tests.factories import CampaignFactory, TaskListFactory, UserFactory

pytestmark = pytest.mark.django_db


def _or_none(read, *args, **kwargs):
    try:
        return read(*args, **kwargs)
    except Http404:
        return None


@pytest.fixture
def people(world):
    world.quiet = CampaignFactory(slug="quiet", name="无任务行动")  # no task: leaders only
    world.draft = TaskListFactory(campaign=world.campaign, published_at=None)
    inspector = UserFactory(username="inspector", unit=world.office, roles=[Role.INSPECTOR])
    retired = UserFactory(username="retired", unit=world.lead, roles=[Role.LEADER])
    retired.is_active = False
    return [
        world.lead_staff,
        world.lead_head,
        world.support_staff,
        world.other_staff,
        world.coordinator,
        world.other_coordinator,
        world.leader,
        world.auditor,
        inspector,
        retired,
        AnonymousUser(),
    ]


def test_the_compiled_reads_answer_as_the_rules(world, people):
    lists = [world.task_list, world.draft]
    seen = set()
    for user in people:
        for campaign in (world.campaign, world.other_campaign, world.quiet):
            plain = visible_campaigns(user).filter(slug=campaign.slug).first()
            assert _or_none(access_campaign, user, campaign.slug) == plain, (user, campaign)
            seen.add(plain is not None)
            with_related = _or_none(access_campaign, user, campaign.slug, related=("organiser",))
            assert with_related == plain
            if user.is_authenticated:
                managed = campaign.coordinators.filter(pk=user.pk).exists()
                managed = managed and user.has_role(Role.COORDINATOR)
                assert can_manage_campaign(user, campaign) == managed, (user, campaign)
                seen.add(managed)
        for task_list in lists:
            plain_list = (
                type(task_list)
                .objects.filter(visible_lists_q(user), campaign=world.campaign, pk=task_list.pk)
                .first()
            )
            found = _or_none(access_task_list, user, world.campaign, task_list.pk)
            assert found == plain_list, (user, task_list)
            seen.add(found is None)
    assert seen == {True, False}  # both answers were given
