"""After the load: nothing the clients were told was saved is missing or doubled, and every
digest of the round opened during the run was sent once."""

from __future__ import annotations

import datetime
import json
import re
import time
from collections import Counter
from pathlib import Path

PREFIX = "负载测试"
MARKER = re.compile(PREFIX + r"[0-9a-f]{32}(?:-\d+)?")


def _markers(texts) -> Counter:
    return Counter(match.group(0) for text in texts for match in MARKER.finditer(text or ""))


def check_reports(markers: Path) -> list[str]:
    """Every marker the clients were told was saved is in the database exactly once: in a
    report's text, or in the text a later correction of that report replaced (a unit that
    reports on a task twice in a round, say one report and then the 一表填报 sheet, corrects
    the round's report; the text it replaced is kept in the task's history, the
    ``report_edited`` event)."""
    from tasks.models import ProgressReport, TaskEvent

    told = json.loads(markers.read_text()) if markers.exists() else []
    current = _markers(
        ProgressReport.objects.filter(text__contains=PREFIX).values_list("text", flat=True)
    )
    corrected = _markers(
        before.get("text")
        for before in TaskEvent.objects.filter(kind=TaskEvent.Kind.REPORT_EDITED).values_list(
            "before", flat=True
        )
    )
    stored = current + corrected
    problems = []
    missing = [m for m in told if stored[m] == 0]
    doubled = [m for m in told if stored[m] > 1]
    if missing:
        problems.append(f"{len(missing)} reports told saved are not in the database: {missing[:3]}")
    if doubled:
        problems.append(f"{len(doubled)} reports are in the database more than once: {doubled[:3]}")
    if len(set(told)) != len(told):
        problems.append("a marker was told saved twice")
    unseen = len(set(stored) - set(told))
    print(
        f"reports: {len(told)} told saved, {sum(stored.values())} in the database "
        f"({sum(corrected.values())} of them corrected later by the same unit, kept in the "
        f"history; {unseen} saved whose answer the client did not see as a success)"
    )
    return problems


def check_digests(*, since: datetime.datetime, wait: float) -> list[str]:
    """Waits (up to ``wait`` s) for the worker to send the digests of rounds opened since
    ``since``, then compares digests with the notifications they sent."""
    from cycles.models import Digest
    from notifications.models import Notification

    digests = Digest.objects.filter(created_at__gte=since - datetime.timedelta(minutes=1))
    deadline = time.monotonic() + wait
    while digests.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(1)
    total, unsent = digests.count(), digests.filter(sent_at__isnull=True).count()
    notified = Notification.objects.filter(
        kind=Notification.Kind.DIGEST, created_at__gte=since - datetime.timedelta(minutes=1)
    )
    per_person = Counter(notified.values_list("recipient_id", flat=True))
    expected = Counter(digests.values_list("recipient_id", flat=True))
    print(f"digests: {total} written, {total - unsent} sent, {notified.count()} digest notices")
    problems = []
    if total == 0:
        problems.append("no round opened during the run: no digest to check")
    if unsent:
        problems.append(f"{unsent} digests were never sent")
    if per_person != expected:
        extra = {k: v for k, v in per_person.items() if v != expected.get(k)}
        problems.append(f"digest notices do not match the digests one to one: {list(extra)[:5]}")
    return problems
