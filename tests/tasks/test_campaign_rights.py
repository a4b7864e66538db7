"""A campaign's page asks its three rules at once (``campaign_page_rights``): the same answers
as ``can_manage_campaign``, ``can_see_unit_figures`` and ``can_see_acknowledgements``, for
every role, with the campaign's coordinators asked once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.permissions import (
    campaign_page_rights,
    can_manage_campaign,
    can_see_acknowledgements,
    can_see_unit_figures,
)

pytestmark = pytest.mark.django_db

PEOPLE = (
    "coordinator",
    "other_coordinator",
    "leader",
    "lead_staff",
    "lead_head",
    "support_staff",
    "auditor",
)


@pytest.mark.parametrize("who", PEOPLE)
def test_the_pages_rights_are_the_rules_own(world, who):
    user = getattr(world, who)
    for campaign in (world.campaign, world.other_campaign):
        rights = campaign_page_rights(user, campaign)

        assert (rights.manage, rights.unit_figures, rights.acknowledgements) == (
            can_manage_campaign(user, campaign),
            can_see_unit_figures(user, campaign),
            can_see_acknowledgements(user, campaign),
        )


def test_the_rights_differ_by_role(world):
    seen = {who: campaign_page_rights(getattr(world, who), world.campaign) for who in PEOPLE}
    assert seen["coordinator"].manage and seen["coordinator"].unit_figures
    assert not seen["other_coordinator"].manage and not seen["other_coordinator"].unit_figures
    assert seen["leader"].unit_figures and not seen["leader"].manage
    assert not seen["lead_staff"].unit_figures and not seen["lead_staff"].acknowledgements


def test_a_coordinators_campaign_page_asks_the_coordinators_once(client, world):
    client.force_login(world.coordinator)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("campaigns:detail", args=[world.campaign.slug]))
    asked = [
        q["sql"]
        for q in ctx.captured_queries
        # ``can_manage_campaign``'s question (``tasks.readers.COORDINATES``)
        if q["sql"].startswith('SELECT "campaigns_campaign_coordinators"."id"')
    ]
    assert page.status_code == 200 and 'data-testid="run-campaign"' in page.content.decode()
    assert len(asked) == 1


@pytest.mark.parametrize("who, ceiling", [("coordinator", 9), ("leader", 8)])
def test_the_campaign_page_reads_the_campaign_and_its_organiser_once(client, world, who, ceiling):
    """The campaign the reader may see is read once, with its organiser (the page asked the
    visible campaigns again for its summary, and the organiser by a query of its own)."""
    client.force_login(getattr(world, who))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("campaigns:detail", args=[world.campaign.slug]))
    campaigns = [
        q for q in ctx.captured_queries if q["sql"].startswith('SELECT "campaigns_campaign"."id"')
    ]
    units = [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "accounts_unit"')]
    assert page.status_code == 200 and str(world.campaign.organiser) in page.content.decode()
    assert len(campaigns) == 1 and not units
    # The session is read from the cache with Redis, from the database without it.
    page_reads = [q for q in ctx.captured_queries if '"django_session"' not in q["sql"]]
    assert len(page_reads) <= ceiling


@pytest.mark.parametrize("who", ["coordinator", "leader", "lead_staff"])
def test_the_campaign_pages_one_read_counts_what_the_summary_and_lagging_units_count(world, who):
    """``campaign_page_summary`` counts the lists' lights and, for those who see units, the
    units that lag in one read: the same as ``campaign_summaries`` and ``lagging_units``,
    with a draft list, a checklist and red and yellow work of several units."""
    import datetime

    from django.utils import timezone

    from tasks.selectors import campaign_page_summary, campaign_summaries, lagging_units
    from tests.factories import TaskFactory, TaskListFactory

    today = timezone.localdate()
    draft = TaskListFactory(campaign=world.campaign, published_at=None)
    checklist = TaskListFactory(campaign=world.campaign, kind="checklist")
    for n, (task_list, unit, days) in enumerate(
        [
            (world.task_list, world.other, -3),
            (world.task_list, world.other, 3),
            (world.task_list, world.support, -1),
            (draft, world.other, -5),
            (checklist, world.support, -5),
        ]
    ):
        TaskFactory(
            task_list=task_list,
            lead_unit=unit,
            code=f"x{n}",
            deadline=today + datetime.timedelta(days=days),
        )
    user = getattr(world, who)
    sees_units = who != "lead_staff"

    summary, lagging = campaign_page_summary(
        user=user, campaign=world.campaign, today=today, lagging=sees_units
    )

    [expected] = campaign_summaries(user=user, today=today, campaign=world.campaign)
    assert [(ls.task_list.pk, ls.counts) for ls in summary.lists] == [
        (ls.task_list.pk, ls.counts) for ls in expected.lists
    ]
    assert summary.counts == expected.counts
    if sees_units:
        assert lagging == lagging_units(campaign=world.campaign, today=today)
        assert lagging and any(row["red"] for row in lagging)
    else:
        assert lagging is None
