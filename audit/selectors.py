"""Reading the audit trail: the auditor's search, and the check of the chain."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from audit.chain import FIELDS, Verdict, verify
from audit.models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    person: str = ""
    kind: str = ""
    outcome: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    text: str = ""


def audit_events(*, where: AuditFilter) -> QuerySet[AuditEvent]:
    """Newest first, filtered by person (username or name), kind, outcome, days and words in
    what or where; with the actor joined (one query for a page, whatever it shows)."""
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if where.person:
        events = events.filter(
            Q(username__icontains=where.person) | Q(actor__display_name__icontains=where.person)
        )
    if where.kind:
        events = events.filter(kind=where.kind)
    if where.outcome:
        events = events.filter(outcome=where.outcome)
    if where.since:
        events = events.filter(at__date__gte=where.since)
    if where.until:
        events = events.filter(at__date__lte=where.until)
    if where.text:
        events = events.filter(Q(target__icontains=where.text) | Q(path__icontains=where.text))
    return events


def audit_chain_verify() -> Verdict:
    """Recompute every row's hash in id order and check each links to the one before."""
    anchors = [
        str(detail.get("anchor", ""))
        for detail in AuditEvent.objects.filter(kind=AuditEvent.Kind.PRUNED).values_list(
            "detail", flat=True
        )
        if isinstance(detail, dict)
    ]
    rows = (
        AuditEvent.objects.order_by("id")
        .values("id", "prev_hash", "hash", "detail", *FIELDS)
        .iterator(chunk_size=5000)
    )
    return verify(rows, anchors=anchors)
