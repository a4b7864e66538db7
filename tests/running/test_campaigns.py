"""Coordinators create, edit, archive and restore campaigns and their lists in the app."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from campaigns.models import Campaign, CampaignEvent, TaskList
from campaigns.services.running import (
    campaign_archive,
    campaign_create,
    campaign_restore,
    campaign_update,
    task_list_create,
    task_list_update,
)
from config.errors import RuleViolation
from cycles.services import cycles_run
from tasks import permissions
from tasks.selectors import campaign_summaries, tasks_for_user
from tasks.services import report_submit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A dispatch day: an active campaign opens its weekly round then.
MONDAY_MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _create(world, **fields):
    values = {
        "by": world.coordinator,
        "name": "营商环境攻坚年行动",
        "year": 2026,
        "organiser": world.office,
        "start_date": datetime.date(2026, 3, 1),
        **fields,
    }
    return campaign_create(**values)


def test_a_coordinator_creates_a_campaign_and_coordinates_it(world):
    campaign = _create(world, coordinators=[world.other_coordinator], acknowledge_within_hours=12)

    assert campaign.slug == "2026-1"
    assert set(campaign.coordinators.all()) == {world.coordinator, world.other_coordinator}
    assert campaign.acknowledge_within_hours == 12
    event = campaign.events.get()
    assert event.kind == CampaignEvent.Kind.CREATED and event.actor == world.coordinator
    assert event.after["name"] == "营商环境攻坚年行动"
    assert permissions.can_edit_campaign(world.other_coordinator, campaign)
    assert _create(world, name="第二个").slug == "2026-2"


def test_only_coordinators_create_and_only_coordinators_are_named(world):
    for person in (world.lead_staff, world.leader, world.auditor):
        with pytest.raises(PermissionDenied):
            _create(world, by=person)
    with pytest.raises(RuleViolation) as refused:
        _create(world, coordinators=[world.lead_staff])
    assert refused.value.field == "coordinators"
    assert world.lead_staff.display_name in str(refused.value.message)
    assert not Campaign.objects.filter(name="营商环境攻坚年行动").exists()


def test_a_taken_or_malformed_short_name_is_refused(world):
    for slug in ("reform", "new", "中文", "A"):
        with pytest.raises(RuleViolation) as refused:
            _create(world, slug=slug)
        assert refused.value.field == "slug"


def test_an_edit_records_what_changed_and_only_that(world):
    campaign_update(
        campaign=world.campaign,
        by=world.coordinator,
        name="改革攻坚行动（2026）",
        year=world.campaign.year,
        acknowledge_within_hours=36,
        coordinators=[world.coordinator, world.other_coordinator],
    )

    campaign = Campaign.objects.get(pk=world.campaign.pk)
    assert campaign.name == "改革攻坚行动（2026）" and campaign.acknowledge_within_hours == 36
    event = campaign.events.get()
    assert set(event.after) == {"name", "acknowledge_within_hours", "coordinators"}
    assert event.before["acknowledge_within_hours"] == 24
    assert str(world.other_coordinator) in event.after["coordinators"]


def test_an_edit_keeps_the_rules(world):
    cases = [
        ({"end_date": datetime.date(2025, 1, 1)}, "end_date"),
        ({"acknowledge_within_hours": 0}, "acknowledge_within_hours"),
        ({"name": " "}, "name"),
        ({"coordinators": []}, "coordinators"),
        ({"status": Campaign.Status.ARCHIVED}, "status"),
    ]
    for fields, field in cases:
        with pytest.raises(RuleViolation) as refused:
            campaign_update(campaign=world.campaign, by=world.coordinator, **fields)
        assert refused.value.field == field
    assert not world.campaign.events.exists()


def test_a_coordinator_of_another_campaign_cannot_edit_archive_or_add_lists(world):
    calls = [
        lambda: campaign_update(campaign=world.campaign, by=world.other_coordinator, name="x"),
        lambda: campaign_archive(campaign=world.campaign, by=world.other_coordinator),
        lambda: task_list_create(
            campaign=world.campaign, by=world.other_coordinator, name="x", kind="reform"
        ),
        lambda: task_list_update(task_list=world.task_list, by=world.other_coordinator, name="x"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    assert campaign.status == Campaign.Status.ACTIVE and campaign.name == "改革攻坚行动"
    assert world.campaign.lists.count() == 1 and not CampaignEvent.objects.exists()


def test_lists_are_added_last_renamed_and_keep_their_kind_once_they_have_lines(world):
    added = task_list_create(
        campaign=world.campaign, by=world.coordinator, name="政策清单", kind="policy"
    )
    assert added.order == 1
    task_list_update(task_list=added, by=world.coordinator, kind="service", name="服务事项清单")
    with pytest.raises(RuleViolation) as refused:
        task_list_update(task_list=world.task_list, by=world.coordinator, kind="checklist")
    assert refused.value.field == "kind"
    with pytest.raises(RuleViolation):
        task_list_create(
            campaign=world.campaign, by=world.coordinator, name="服务事项清单", kind="reform"
        )
    added.refresh_from_db()
    assert (added.name, added.kind) == ("服务事项清单", "service")
    kinds = list(world.campaign.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [CampaignEvent.Kind.LIST_CREATED, CampaignEvent.Kind.LIST_UPDATED]


def test_an_archived_campaign_is_read_only_out_of_the_rounds_and_lists_until_restored(world):
    campaign_archive(campaign=world.campaign, by=world.coordinator)
    campaign = Campaign.objects.get(pk=world.campaign.pk)
    task = world.task.__class__.objects.select_related("task_list__campaign").get(pk=world.task.pk)

    assert campaign.is_archived
    assert not permissions.can_report(world.lead_staff, task)
    assert not permissions.can_edit_task(world.coordinator, task)
    assert not permissions.can_coordinate(world.coordinator, task)
    assert not permissions.can_instruct(world.leader, task)
    with pytest.raises(PermissionDenied):
        report_submit(task=task, by=world.lead_staff, text="进展", percent=30)
    with pytest.raises(PermissionDenied):
        campaign_update(campaign=campaign, by=world.coordinator, name="x")
    assert cycles_run(now=MONDAY_MORNING).opened == []
    assert campaign not in [
        s.campaign for s in campaign_summaries(user=world.coordinator, archived=False)
    ]
    assert campaign in [s.campaign for s in campaign_summaries(user=world.coordinator)]
    assert not tasks_for_user(user=world.lead_staff).exists()

    campaign_restore(campaign=campaign, by=world.coordinator)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert cycles_run(now=MONDAY_MORNING).opened != []
    assert tasks_for_user(user=world.lead_staff).exists()
    kinds = list(campaign.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [CampaignEvent.Kind.ARCHIVED, CampaignEvent.Kind.RESTORED]


def test_a_finished_campaign_is_restored_as_finished(world):
    Campaign.objects.filter(pk=world.campaign.pk).update(status=Campaign.Status.FINISHED)
    campaign_archive(campaign=world.campaign, by=world.coordinator)
    restored = campaign_restore(campaign=world.campaign, by=world.coordinator)
    assert restored.status == Campaign.Status.FINISHED


def test_the_coordinator_role_is_what_makes_a_coordinator_candidate(world):
    staff = UserFactory(username="plain", unit=world.office, roles=[Role.STAFF])
    assert world.coordinator in permissions.coordinator_choices()
    assert staff not in permissions.coordinator_choices()
    assert TaskList.objects.count() == 1
