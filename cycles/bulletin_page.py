"""The weekly bulletin as a page shows it: the figures whole, the task lists cut.

The bulletin counts every task (the totals, each unit's owed / reported / late); its lists of
red, overdue, late and closed tasks and each unit's tasks not reported name at most ``SHOWN``
and say how many more there are, which the .xlsx lists in full. At 100,000 tasks a page that
named every red task ran to tens of thousands of lines and took seconds; the figures beside
the lists stay exact. Only the tasks shown are looked up (their numbers and links)."""

import datetime

from django.core.cache import cache
from django.db.models import Max

from cycles import bulletin_store, selectors, services
from cycles.bulletin_store import SHOWN, SHOWN_PER_UNIT, TASK_SECTIONS
from cycles.models import DispatchRound
from cycles.permissions import can_see_every_rating
from tasks.models import ProgressReport, TaskEvent

#: How long an open round's bulletin is kept (the page says as of when).
LIVE_SECONDS = 300


def live_result(round_: DispatchRound, until: datetime.datetime) -> dict:
    """An open round's bulletin, computed from every task of the round (seconds at 100,000
    tasks), kept at most ``LIVE_SECONDS`` and only while nothing was reported or changed
    since: the key holds the newest report's and task event's ids (two index lookups), so a
    report saved anywhere gives the next reader a bulletin computed afresh. The page shows
    the time it was computed."""
    return _live(round_, until, _live_key(round_))


def _live_key(round_: DispatchRound) -> str:
    marks = (
        ProgressReport.objects.aggregate(m=Max("pk"))["m"],
        TaskEvent.objects.aggregate(m=Max("pk"))["m"],
    )
    return f"cycles:round-bulletin:{round_.pk}:{round_.opens_at:%Y%m%d%H%M}:{marks[0]}-{marks[1]}"


def _live(round_: DispatchRound, until: datetime.datetime, key: str) -> dict:
    result = cache.get(key)
    if result is None:
        result = services.round_bulletin(round_=round_, until=until)
        cache.set(key, result, LIVE_SECONDS)
    return result


def live_page(round_: DispatchRound, until: datetime.datetime, user) -> dict:
    """An open round's bulletin as ``user``'s page reads it (``bulletin_store.cut``: the lists
    cut, with their lengths), kept like ``live_result`` under the same key, one copy for
    those who see every rating and one for each other reader. The next readers unpickle
    kilobytes, not the whole bulletin (18 MB of JSON at 100,000 tasks)."""
    key = _live_key(round_)
    reader = "all" if can_see_every_rating(user, round_.campaign) else f"user-{user.pk}"
    page = cache.get(f"{key}:page:{reader}")
    if page is None:
        result = selectors.round_result_for(
            user=user, round_=round_, result=_live(round_, until, key)
        )
        page = bulletin_store.cut(result)
        cache.set(f"{key}:page:{reader}", page, LIVE_SECONDS)
    return page


def shown(result: dict, campaign, user) -> dict:
    """The lists cut to what the page names (``more``: how many each leaves out), each task
    number as the reader sees it: unique across the campaign, a link where they may open the
    task (``selectors.bulletin_task_refs``)."""
    result = {**result, "units": [dict(u) for u in result.get("units", [])], "more": {}}
    # A stored bulletin's lists come cut already, with how long they are (``counts``).
    counts = result.get("counts", {})
    for key in TASK_SECTIONS:
        rows = result.get(key, [])
        result[key] = rows[:SHOWN]
        result["more"][key] = max(0, counts.get(key, len(rows)) - SHOWN)
    for unit in result["units"]:
        missing = unit.get("missing", [])
        unit["missing_more"] = max(0, unit.get("missing_count", len(missing)) - SHOWN_PER_UNIT)
        unit["missing"] = unit.get("missing", [])[:SHOWN_PER_UNIT]
        if unit.get("missing_ids") is not None:
            unit["missing_ids"] = unit["missing_ids"][:SHOWN_PER_UNIT]
    ids = {t["id"] for key in TASK_SECTIONS for t in result[key]}
    ids |= {pk for u in result["units"] for pk in u.get("missing_ids") or []}
    refs = selectors.bulletin_task_refs(campaign=campaign, task_ids=ids, user=user)

    def ref(pk, code):
        return refs.get(pk, {"label": code, "url": ""})

    for key in TASK_SECTIONS:
        result[key] = [{**t, "ref": ref(t["id"], t["code"])} for t in result[key]]
    for unit in result["units"]:
        ids_ = unit.get("missing_ids")
        # Bulletins stored before the ids were kept name the tasks by number only.
        unit["missing_refs"] = (
            [ref(pk, code) for pk, code in zip(ids_, unit["missing"], strict=False)]
            if ids_ is not None
            else [{"label": code, "url": ""} for code in unit["missing"]]
        )
    return result
