"""A clock the cycles' tests set: every instant is Asia/Shanghai unless said."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tasks.models import TaskEvent

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


class Clock:
    """timezone.now() — and so the time of every task event — as the test says."""

    def __init__(self):
        self.now = at(2026, 10, 1, 9, 0)

    def __call__(self):
        return self.now

    def set(self, *args):
        self.now = at(*args)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    # TaskEvent.at's default is the function timezone.now itself, taken when the model was
    # defined: the field asks the clock too, so that history happens when the test says.
    monkeypatch.setattr(TaskEvent._meta.get_field("at"), "get_default", clock)
    return clock
