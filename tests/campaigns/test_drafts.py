"""Imports land as drafts: nobody but the campaign's coordinators sees a draft, nothing counts
it, publishing makes it live exactly once, discarding removes every row it made; a revision
of a live list changes nothing until it is published."""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Unit, UnitAlias
from campaigns.models import CampaignEvent, ListImport, TaskList
from campaigns.services.drafts import list_import_discard, list_import_publish, task_list_publish
from campaigns.services.imports import tasklist_import
from config.errors import RuleViolation
from cycles.models import RoundItem
from cycles.schedule import round_times
from cycles.selectors import tasks_at_month_end
from cycles.services import round_open
from tasks.models import Task, TaskEvent
from tasks.permissions import can_instruct
from tasks.selectors import campaign_summaries, lagging_units, tasks_for_user
from tasks.services import task_update
from tests.campaigns.conftest import counts, xlsx
from tests.factories import CampaignFactory, TaskFactory, TaskListFactory, UserFactory

HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]


def draft_file(*rows) -> bytes:
    return xlsx([["草稿清单"], HEADER, *rows], merges=("A1:E1",))


ROWS = (
    [1, "推行容缺受理", "区行政审批服务局", "区大数据局", "2030年6月底前"],
    [2, "推进区域评估", "区发展改革局", None, "2020年6月底前"],  # overdue: red if it were live
)


@pytest.fixture
def people(directory, campaign, coordinator):
    """Someone in every position around the draft's tasks, and a live task of the campaign."""
    live = TaskListFactory(campaign=campaign, name="已发布清单")
    TaskFactory(task_list=live, lead_unit=directory["区行政审批服务局"], title="已发布的任务")
    other_campaign = CampaignFactory(slug="other", organiser=campaign.organiser)
    return {
        "coord": coordinator,
        "lead": UserFactory(
            username="lead", unit=directory["区行政审批服务局"], roles=[Role.STAFF]
        ),
        "head": UserFactory(username="head", unit=directory["区行政审批服务局"], roles=[Role.HEAD]),
        "support": UserFactory(
            username="support", unit=directory["区大数据局"], roles=[Role.STAFF]
        ),
        "leader": UserFactory(username="leader", unit=campaign.organiser, roles=[Role.LEADER]),
        "other_coord": _coordinator_of(other_campaign),
    }


def _coordinator_of(campaign):
    user = UserFactory(username="other_coord", unit=campaign.organiser, roles=[Role.COORDINATOR])
    campaign.coordinators.add(user)
    return user


@pytest.fixture
def draft(campaign, coordinator, people):
    report = tasklist_import(
        campaign=campaign, data=draft_file(*ROWS), filename="draft.xlsx", by=coordinator
    )
    assert report.errors == [] and report.list_import.status == ListImport.Status.DRAFT
    return report.list_import


def _sees(client, user, draft) -> dict[str, bool]:
    """What of the draft ``user`` sees: on each page and in the API."""
    client.force_login(user)
    campaign = draft.campaign
    task = draft.task_list.tasks.get(code="1")
    list_page = client.get(
        reverse("campaigns:list_detail", args=[campaign.slug, draft.task_list_id])
    )
    campaign_page = client.get(reverse("campaigns:detail", args=[campaign.slug]))
    campaigns_page = client.get(reverse("campaigns:list"))
    api_tasks = client.get(reverse("task-list")).json()
    api_campaign = client.get(reverse("campaign-detail", args=[campaign.slug]))
    mine = client.get(reverse("tasks:mine"))
    return {
        "list page": list_page.status_code == 200,
        "task page": client.get(reverse("tasks:detail", args=[task.pk])).status_code == 200,
        "export": client.get(
            reverse("campaigns:list_export", args=[campaign.slug, draft.task_list_id])
        ).status_code
        == 200,
        "campaign page": "草稿清单" in campaign_page.content.decode(),
        "campaigns page": "草稿清单" in campaigns_page.content.decode(),
        "api tasks": any(t["title"] == "推行容缺受理" for t in api_tasks["results"]),
        "api lists": api_campaign.status_code == 200
        and any(ls["name"] == "草稿清单" for ls in api_campaign.json()["lists"]),
        "my tasks": "推行容缺受理" in mine.content.decode(),
    }


NOTHING = dict.fromkeys(
    [
        "list page",
        "task page",
        "export",
        "campaign page",
        "campaigns page",
        "api tasks",
        "api lists",
        "my tasks",
    ],
    False,
)


@pytest.mark.parametrize("role", ["lead", "head", "support", "leader", "other_coord"])
def test_nobody_but_the_coordinators_sees_a_draft_list(client, draft, people, role):
    assert _sees(client, people[role], draft) == NOTHING
    # What they may see of the campaign is still there.
    if role in ("lead", "head", "leader"):
        page = client.get(reverse("campaigns:detail", args=[draft.campaign.slug]))
        assert page.status_code == 200 and "已发布清单" in page.content.decode()


def test_the_coordinators_see_the_draft_and_review_it(client, draft, people):
    seen = _sees(client, people["coord"], draft)

    assert seen == {**NOTHING, **dict.fromkeys(NOTHING, True), "my tasks": False}
    page = client.get(
        reverse("campaigns:list_detail", args=[draft.campaign.slug, draft.task_list_id])
    ).content.decode()
    assert "草稿，未发布" in page and "发布清单" in page and "放弃草稿" in page


def test_once_published_the_units_see_it(client, draft, people):
    list_import_publish(list_import=draft, by=people["coord"])

    assert _sees(client, people["lead"], draft) == {
        **dict.fromkeys(NOTHING, True),
        "api lists": True,
    }
    assert _sees(client, people["other_coord"], draft) == NOTHING  # another campaign's office


def test_rounds_reviews_lights_and_figures_ignore_a_draft(campaign, draft, people):
    today = datetime.date(2026, 11, 23)
    coordinator = people["coord"]
    draft_ids = set(draft.task_list.tasks.values_list("pk", flat=True))

    round_ = round_open(campaign=campaign, times=round_times(campaign, today), now=timezone.now())
    summary = campaign_summaries(user=coordinator, today=today)[0]
    end = timezone.now() + datetime.timedelta(days=1)
    reviewed = tasks_at_month_end(
        campaign=campaign, start=end - datetime.timedelta(days=30), end=end
    )

    assert draft_ids and not RoundItem.objects.filter(round=round_, task_id__in=draft_ids).exists()
    assert not Task.objects.filter(pk__in=draft_ids, handed_over_at__isnull=False).exists()
    assert RoundItem.objects.filter(round=round_).count() == 1  # the live task
    assert summary.counts.total == 1 and summary.counts.red == 0
    draft_row = next(ls for ls in summary.lists if ls.task_list.pk == draft.task_list_id)
    assert draft_row.counts.total == 2  # shown on its own row, for its coordinators
    assert not draft_ids & {task.pk for task, _state in reviewed}
    assert lagging_units(campaign=campaign, today=today) == []
    assert not tasks_for_user(user=people["lead"]).filter(pk__in=draft_ids).exists()
    assert not Task.objects.work().filter(pk__in=draft_ids).exists()
    assert not can_instruct(people["leader"], Task.objects.get(pk=min(draft_ids)))


def test_publishing_makes_it_live_exactly_once(campaign, draft, people):
    coordinator = people["coord"]
    events = TaskEvent.objects.count()

    published = list_import_publish(list_import=draft, by=coordinator)

    assert published.status == ListImport.Status.DONE
    assert published.published_by == coordinator
    task_list = TaskList.objects.get(pk=draft.task_list_id)
    assert task_list.published_at is not None and task_list.published_by == coordinator
    assert set(task_list.tasks.values_list("status", flat=True)) == {Task.Status.IN_PROGRESS}
    assert TaskEvent.objects.count() == events + 2
    event = TaskEvent.objects.filter(task__task_list=task_list).order_by("-id").first()
    assert (event.kind, event.before, event.after) == (
        TaskEvent.Kind.STATUS_CHANGED,
        {"status": "draft"},
        {"status": "in_progress"},
    )
    summary = campaign_summaries(user=coordinator, today=datetime.date(2026, 11, 23))[0]
    assert (summary.counts.total, summary.counts.red) == (3, 1)
    # The list reaches its units now (签收 starts), and the campaign's history says so.
    assert task_list.tasks.filter(handed_over_at__isnull=False).count() == 2
    assert Task.objects.awaiting_acknowledgement().filter(task_list=task_list).count() == 2
    event = CampaignEvent.objects.filter(campaign=campaign).latest("id")
    assert (event.kind, event.actor, event.after) == (
        CampaignEvent.Kind.LIST_PUBLISHED,
        coordinator,
        {"list": task_list.name, "tasks": 2},
    )

    for again in (
        lambda: list_import_publish(list_import=draft, by=coordinator),
        lambda: task_list_publish(task_list=task_list, by=coordinator),
    ):
        with pytest.raises(RuleViolation):
            again()
    assert TaskEvent.objects.count() == events + 2
    with pytest.raises(RuleViolation):  # nor can a published list be discarded
        list_import_discard(list_import=draft, by=coordinator)
    assert task_list.tasks.count() == 2


def test_the_publish_page_publishes_once_and_refuses_the_second(client, draft, people):
    client.force_login(people["coord"])
    url = reverse("campaigns:import_publish", args=[draft.campaign.slug, draft.pk])

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 302
    assert second.status_code == 400 and "已发布" in second.content.decode()
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.STATUS_CHANGED).count() == 2


def test_discarding_a_draft_removes_every_row_it_made(client, campaign, coordinator, people):
    before = counts()
    data = draft_file(
        [1, "推行容缺受理", "区行政审批服务局", "区大数据局", "6月底前"],
        [2, "新设单位牵头的任务", "区新设局", "区审批服务中心", "年底前"],
    )
    report = tasklist_import(
        campaign=campaign,
        data=data,
        filename="d.xlsx",
        by=coordinator,
        unit_choices={
            "区新设局": {"create": True},
            "区审批服务中心": {"unit": Unit.objects.get(name="区行政审批服务局").pk},
        },
    )
    made = report.list_import
    assert made.made["units"] and made.made["aliases"]
    assert counts() != before
    client.force_login(coordinator)

    response = client.post(reverse("campaigns:import_discard", args=[campaign.slug, made.pk]))

    assert response.status_code == 302
    after = counts()
    assert after.pop("ListImport") == before.pop("ListImport") + 1  # the record stays
    assert after == before
    made.refresh_from_db()
    assert made.status == ListImport.Status.DISCARDED
    assert made.discarded_by == coordinator and made.summary["removed"]["tasks"] == 2
    event = CampaignEvent.objects.filter(campaign=campaign).latest("id")
    assert event.kind == CampaignEvent.Kind.DRAFT_DISCARDED and event.after["tasks"] == 2
    assert not UnitAlias.objects.filter(alias="区审批服务中心").exists()
    page = client.get(reverse("campaigns:import_detail", args=[campaign.slug, made.pk]))
    assert "2项任务" in page.content.decode()


def test_a_unit_a_draft_created_stays_if_something_else_uses_it_by_then(campaign, coordinator):
    data = draft_file([1, "新设单位牵头的任务", "区新设局", None, "年底前"])
    report = tasklist_import(
        campaign=campaign,
        data=data,
        filename="d.xlsx",
        by=coordinator,
        unit_choices={"区新设局": {"create": True}},
    )
    unit = Unit.objects.get(name="区新设局")
    UserFactory(username="new_staff", unit=unit)

    list_import_discard(list_import=report.list_import, by=coordinator)

    assert Unit.objects.filter(pk=unit.pk).exists()
    assert not Task.objects.filter(lead_unit=unit).exists()


def _published_list(campaign, coordinator) -> TaskList:
    report = tasklist_import(
        campaign=campaign,
        data=draft_file(*ROWS),
        filename="v1.xlsx",
        by=coordinator,
        publish=True,
    )
    return report.result.task_list


REVISED = (
    [1, "全面推行容缺受理", "区行政审批服务局", "区大数据局", "2030年6月底前"],
    [2, "推进区域评估", "区发展改革局", None, "2020年6月底前"],
    [3, "新增的任务", "区财政局", None, "2030年12月底前"],
)


def test_a_revision_changes_nothing_until_it_is_published(client, campaign, people):
    coordinator = people["coord"]
    task_list = _published_list(campaign, coordinator)
    state = list(task_list.tasks.order_by("pk").values_list("pk", "title", "version"))
    events = TaskEvent.objects.count()

    report = tasklist_import(
        campaign=campaign, data=draft_file(*REVISED), filename="v2.xlsx", by=coordinator
    )
    revision = report.list_import

    assert revision.status == ListImport.Status.DRAFT and revision.is_revision
    assert (revision.summary["created"], revision.summary["updated"]) == (1, 1)
    assert list(task_list.tasks.order_by("pk").values_list("pk", "title", "version")) == state
    assert TaskEvent.objects.count() == events
    client.force_login(people["lead"])
    assert "全面推行容缺受理" not in client.get(reverse("tasks:mine")).content.decode()
    client.force_login(coordinator)
    page = client.get(reverse("campaigns:import_detail", args=[campaign.slug, revision.pk]))
    text = page.content.decode()
    assert "发布修订" in text and "全面推行容缺受理" in text  # the changes, for review
    listing = client.get(reverse("campaigns:list_detail", args=[campaign.slug, task_list.pk]))
    assert "等待发布" in listing.content.decode()

    list_import_publish(list_import=revision, by=coordinator)

    assert task_list.tasks.count() == 3
    assert task_list.tasks.get(code="1").title == "全面推行容缺受理"
    assert task_list.tasks.get(code="3").status == Task.Status.IN_PROGRESS
    with pytest.raises(RuleViolation):
        list_import_publish(list_import=revision, by=coordinator)
    assert task_list.tasks.count() == 3


def test_a_revision_is_not_published_blind_when_the_list_changed_since_review(
    campaign, coordinator, directory
):
    task_list = _published_list(campaign, coordinator)
    revision = tasklist_import(
        campaign=campaign, data=draft_file(*REVISED), filename="v2.xlsx", by=coordinator
    ).list_import
    task = task_list.tasks.get(code="2")
    task_update(task=task, by=coordinator, title="推进区域评估（已调整）")

    again = list_import_publish(list_import=revision, by=coordinator)

    assert again.status == ListImport.Status.DRAFT
    assert "变化" in again.message or "changed" in again.message
    assert task_list.tasks.count() == 2  # nothing written
    assert again.summary["updated"] == 2  # task 2 would now change back too: shown for review
    published = list_import_publish(list_import=again, by=coordinator)
    assert published.status == ListImport.Status.DONE
    assert task_list.tasks.get(code="2").title == "推进区域评估"


def test_discarding_a_revision_writes_nothing(campaign, coordinator, directory):
    task_list = _published_list(campaign, coordinator)
    before = counts()
    revision = tasklist_import(
        campaign=campaign, data=draft_file(*REVISED), filename="v2.xlsx", by=coordinator
    ).list_import

    list_import_discard(list_import=revision, by=coordinator)

    after = counts()
    assert after.pop("ListImport") == before.pop("ListImport") + 1
    assert after == before
    assert task_list.tasks.get(code="1").title == "推行容缺受理"


def test_a_draft_list_cannot_be_imported_into_until_it_is_published(campaign, coordinator, draft):
    again = tasklist_import(
        campaign=campaign, data=draft_file(*REVISED), filename="v2.xlsx", task_list=draft.task_list
    )

    assert [issue.code for issue in again.errors] == ["draft_list"]


def test_a_draft_checklist_or_measures_list_is_nobodys_to_use(campaign, coordinator):
    from inspections.permissions import can_open_round, openable_checklists
    from measures.selectors import campaign_measures

    checklist = tasklist_import(
        campaign=campaign,
        data=draft_file([1, "是否公开办事指南", "区行政审批服务局", None, None]),
        filename="c.xlsx",
        list_kind=TaskList.Kind.CHECKLIST,
        list_name="督查清单",
    ).result.task_list
    measures = tasklist_import(
        campaign=campaign,
        data=draft_file([1, "约谈问责", "区行政审批服务局", None, None]),
        filename="m.xlsx",
        list_kind=TaskList.Kind.MEASURE,
        list_name="措施清单",
    ).result.task_list

    assert not can_open_round(coordinator, checklist)
    assert checklist not in openable_checklists(coordinator)
    assert campaign_measures(campaign=campaign) == []
    task_list_publish(task_list=checklist, by=coordinator)
    task_list_publish(task_list=measures, by=coordinator)
    checklist.refresh_from_db()
    assert can_open_round(coordinator, checklist)
    assert [m.line.title for m in campaign_measures(campaign=campaign)] == ["约谈问责"]


def test_the_demo_loader_publishes_what_it_imports(campaign):
    # (tests/demo builds the whole demo; here: publishing with a dated history, as it does)
    from tasks.services import events_dated

    at = timezone.make_aware(datetime.datetime(2026, 3, 2, 9))
    with events_dated(at):
        report = tasklist_import(campaign=campaign, data=draft_file(*ROWS), filename="x.xlsx")
        task_list = task_list_publish(task_list=report.result.task_list, by=None)

    assert task_list.published_at == at
    assert set(
        TaskEvent.objects.filter(task__task_list=task_list).values_list("at", flat=True)
    ) == {at}
    assert not Task.objects.filter(Q(task_list=task_list), ~Q(status="in_progress")).exists()


def test_a_large_revision_is_published_by_a_job_exactly_once(
    campaign, coordinator, directory, settings, eager, django_capture_on_commit_callbacks
):
    from campaigns.jobs import list_import_publish_job
    from campaigns.services.list_imports import list_import_confirm, list_import_create

    task_list = _published_list(campaign, coordinator)
    settings.IMPORT_BACKGROUND_ROWS = 1
    upload = list_import_create(
        campaign=campaign,
        by=coordinator,
        filename="v2.xlsx",
        data=draft_file(*REVISED),
        task_list=task_list,
        background=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        list_import_confirm(list_import=upload, by=coordinator)
    upload.refresh_from_db()
    assert upload.status == ListImport.Status.DRAFT and task_list.tasks.count() == 2

    with django_capture_on_commit_callbacks(execute=False) as queued:
        publishing = list_import_publish(list_import=upload, by=coordinator)
    assert publishing.status == ListImport.Status.PUBLISHING
    assert list_import_publish(list_import=upload, by=coordinator).status == "publishing"
    for callback in queued:
        callback()
    list_import_publish_job.apply(args=[upload.pk, coordinator.pk])  # delivered twice

    upload.refresh_from_db()
    assert upload.status == ListImport.Status.DONE
    assert task_list.tasks.count() == 3
    assert TaskEvent.objects.filter(task__task_list=task_list, kind="imported").count() == 4
