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
