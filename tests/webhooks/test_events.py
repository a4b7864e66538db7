"""The services that announce the other events: certification and imports."""

import datetime
import json

import pytest
from django.utils import timezone

from campaigns.services.list_imports import list_import_confirm, list_import_create
from cycles.services import review_certify, review_confirm_all, review_open
from tasks.models import Task
from tests.campaigns.conftest import xlsx
from webhooks.models import Subscription, WebhookDelivery


@pytest.fixture
def everything(db):
    return Subscription.objects.create(
        name="数据交换平台",
        url="https://exchange.gov.example.cn/hook",
        events=["review.certified", "import.confirmed"],
    )


@pytest.mark.django_db
def test_a_certified_month_is_announced(world, everything, queued):
    Task.objects.update(created_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC))
    review = review_open(
        campaign=world.campaign, month=datetime.date(2026, 10, 1), now=timezone.now()
    )
    review_confirm_all(review=review, by=world.coordinator)
    assert not WebhookDelivery.objects.exists()  # rating is not certifying

    review_certify(review=review, by=world.coordinator)

    delivery = WebhookDelivery.objects.get()
    body = json.loads(delivery.body)
    assert body["event"] == "review.certified"
    assert body["data"] == {
        "review": review.pk,
        "campaign": "reform",
        "month": "2026-10",
        "units": body["data"]["units"],
        "certified_at": body["data"]["certified_at"],
    }
    assert body["data"]["units"] >= 1


@pytest.mark.django_db
def test_an_import_written_as_a_draft_is_announced(world, everything, queued):
    data = xlsx([["序号", "工作任务", "牵头单位"], [1, "推行容缺受理", world.lead.name]])
    upload = list_import_create(
        campaign=world.campaign, by=world.coordinator, filename="a.xlsx", data=data
    )
    assert not WebhookDelivery.objects.exists()  # a preview is not an import

    done = list_import_confirm(list_import=upload, by=world.coordinator)

    body = json.loads(WebhookDelivery.objects.get().body)
    assert body["event"] == "import.confirmed"
    assert body["data"]["import"] == done.pk and body["data"]["status"] == done.status
    assert body["data"]["summary"]["tasks"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_sheet_of_reports_announces_each_report_once(world, queued):
    """一表填报 writes its reports in bulk (``reports_submit_held``): each is announced as
    ``report_submit`` would announce it, with the subscriptions read once for the sheet."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tasks.services import NewReport, reports_submit_held
    from tests.factories import TaskFactory

    Subscription.objects.create(
        name="数据交换平台", url="https://exchange.gov.example.cn/hook", events=["report.created"]
    )
    other = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    tasks = [world.task, other]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = list(
            Task.objects.select_for_update(of=("self",))
            .select_related("task_list__campaign")
            .filter(pk__in=[t.pk for t in tasks])
            .order_by("pk")
        )
        reports = reports_submit_held(
            by=world.lead_staff,
            items=[NewReport(task=t, text="本周推进", percent=40) for t in locked],
        )

    bodies = [json.loads(d.body) for d in WebhookDelivery.objects.order_by("pk")]
    assert [b["data"]["report"] for b in bodies] == [r.pk for r in reports]
    assert {b["event"] for b in bodies} == {"report.created"}
    assert sorted(queued) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    reads = [q for q in queries.captured_queries if "webhooks_subscription" in q["sql"]]
    assert len(reads) == 1
