"""The penalties the ranking formula deducts (``measures.selectors.penalties_applied``): read
as columns, each as the applications themselves say (kind, unit, the person as their name
is written, the day)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from measures.models import Application
from measures.selectors import penalties_applied
from measures.services import application_add

pytestmark = pytest.mark.django_db


def test_the_penalties_applied_read_as_columns_say_what_the_applications_say(measures):
    w = measures
    w.lead_staff.display_name = ""
    w.lead_staff.first_name, w.lead_staff.last_name = "小", "王"
    w.lead_staff.save()
    application_add(campaign=w.campaign, line=w.talk, by=w.coordinator, unit=w.other, grounds="a")
    for person in (w.lead_staff, w.other_staff):
        application_add(
            campaign=w.campaign, line=w.talk, by=w.coordinator, person=person, grounds="b"
        )
    application_add(campaign=w.campaign, line=w.praise, by=w.coordinator, unit=w.lead, grounds="c")
    now = timezone.now()
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)
    with CaptureQueriesContext(connection) as queries:
        found = penalties_applied(w.campaign.pk, start, end)
    assert len(queries) == 1
    applied = (
        Application.objects.filter(campaign=w.campaign, measure__kind="talk")
        .select_related("measure__line", "person")
        .order_by("decided_at", "pk")
    )
    assert [(p.unit_id, p.kind, p.ref, p.label, p.date) for p in found] == [
        (
            a.unit_id,
            "talk",
            a.pk,
            f"{a.measure.line.title}（{a.person}）" if a.person_id else a.measure.line.title,
            f"{timezone.localtime(a.decided_at):%Y-%m-%d}",
        )
        for a in applied
    ]
    assert len(found) == 3 and "（小 王）" in found[1].label  # User.__str__: the full name
    assert penalties_applied(w.campaign.pk, end, end + datetime.timedelta(days=1)) == []
