"""A campaign with a round open last week and October's review open, and callers of the API
signed in by session (the token authentication is the API's own and is tested there)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cycles.schedule import round_times
from cycles.services import review_open, round_open
from tasks.models import Task


@pytest.fixture
def api():
    """``api(user)``: a client signed in as ``user`` (None: nobody)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def rounds(world):
    world.round = round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, timezone.localdate() - datetime.timedelta(days=7)),
        now=timezone.now(),
    )
    return world


@pytest.fixture
def review(world):
    Task.objects.update(created_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC))
    return review_open(
        campaign=world.campaign, month=datetime.date(2026, 10, 1), now=timezone.now()
    )
