"""What the services of open calls share: the permission guard, the history, links."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from challenges.models import (
    Bid,
    Call,
    CallEvent,
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _event(*, call: Call, by: User | None, kind: str, bid: Bid | None = None, **data: Any):
    return CallEvent.objects.create(call=call, bid=bid, actor=by, kind=kind, **data)


def _call_url(call: Call) -> str:
    return reverse("challenges:call", args=[call.pk])


def _when(at: datetime.datetime) -> str:
    return date_format(timezone.localtime(at), "Y-m-d H:i")


def _locked_call(call: Call) -> Call:
    return Call.objects.select_for_update().select_related("campaign", "task_list").get(pk=call.pk)
