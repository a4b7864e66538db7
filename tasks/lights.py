"""The traffic light (三色预警) and "overdue": derived from deadline, progress, status and today.

The rule, in one place (README.md, "Traffic light", repeats it for people):

* a line that is not work (a checklist question, a measure) has no light (GREY);
* a task in draft has no light (GREY): it is not running yet;
* a closed task, or one awaiting sign-off of its close-out, is GREEN and never overdue;
* a task past its deadline (deadline before today) is RED and overdue;
* a task with no deadline, or an ongoing one (长期坚持), is GREEN;
* a task not at 100% is YELLOW when its deadline is at most ``NEAR_DAYS`` days away (today
  included), or at most ``BEHIND_DAYS`` days away while below ``BEHIND_PERCENT``%;
* otherwise GREEN.

``task_light`` applies the rule to one task; ``light_expression`` is the same rule as a SQL
expression for filtering and counting in the database. A test walks both over the same grid
of cases so they cannot drift apart.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from campaigns.models import WORK_KINDS

NEAR_DAYS = 7
BEHIND_DAYS = 30
BEHIND_PERCENT = 50

ACTIVE_STATUSES = ("in_progress",)
DONE_STATUSES = ("awaiting_signoff", "closed")


class Light(models.TextChoices):
    GREEN = "green", _("Green: on track")
    YELLOW = "yellow", _("Yellow: near the deadline or behind")
    RED = "red", _("Red: overdue")
    GREY = "grey", _("Grey: not started")


@dataclass(frozen=True)
class LightResult:
    light: Light
    overdue: bool
    days_left: int | None  # negative when overdue; None without a deadline

    @property
    def label(self) -> str:
        return str(
            {
                Light.GREEN: _("Green"),
                Light.YELLOW: _("Yellow"),
                Light.RED: _("Red"),
                Light.GREY: _("Not started"),
            }[self.light]
        )


def task_light(
    *,
    deadline: datetime.date | None,
    ongoing: bool,
    progress: int,
    status: str,
    today: datetime.date,
    work: bool = True,
) -> LightResult:
    days_left = (deadline - today).days if deadline is not None else None
    if status == "draft" or not work:
        return LightResult(Light.GREY, False, days_left)
    if status in DONE_STATUSES:
        return LightResult(Light.GREEN, False, days_left)
    if deadline is None or days_left is None or ongoing:
        return LightResult(Light.GREEN, False, days_left)
    if days_left < 0:
        return LightResult(Light.RED, True, days_left)
    if progress < 100 and (
        days_left <= NEAR_DAYS or (days_left <= BEHIND_DAYS and progress < BEHIND_PERCENT)
    ):
        return LightResult(Light.YELLOW, False, days_left)
    return LightResult(Light.GREEN, False, days_left)


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """Tasks that are overdue on ``today``, as a filter."""
    return Q(
        **{
            f"{prefix}status__in": ACTIVE_STATUSES,
            f"{prefix}ongoing": False,
            f"{prefix}deadline__lt": today,
        }
    )


def light_expression(today: datetime.date, prefix: str = "") -> Case:
    """The same rule as ``task_light``, for ``annotate(light=...)`` and ``filter(light=...)``."""

    def q(**kwargs):
        return Q(**{f"{prefix}{key}": value for key, value in kwargs.items()})

    near = today + datetime.timedelta(days=NEAR_DAYS)
    behind = today + datetime.timedelta(days=BEHIND_DAYS)
    return Case(
        When(q(status="draft") | ~q(task_list__kind__in=WORK_KINDS), then=Value(Light.GREY.value)),
        When(q(status__in=DONE_STATUSES), then=Value(Light.GREEN.value)),
        When(q(deadline__isnull=True) | q(ongoing=True), then=Value(Light.GREEN.value)),
        When(q(deadline__lt=today), then=Value(Light.RED.value)),
        When(
            q(progress__lt=100)
            & (q(deadline__lte=near) | (q(deadline__lte=behind) & q(progress__lt=BEHIND_PERCENT))),
            then=Value(Light.YELLOW.value),
        ),
        default=Value(Light.GREEN.value),
        output_field=models.CharField(),
    )
