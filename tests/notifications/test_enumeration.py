"""通知设置 cannot be used to list who is registered: each number found taken is audited, and
after five a day the page stops answering the question."""

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_trying_many_numbers_stops_after_five_refusals_and_each_is_on_record(client, world):
    for n in range(7):
        UserFactory(username=f"owner{n}", mobile=f"1380000000{n}", roles=[Role.STAFF])
    client.force_login(world.lead_staff)

    answers = [
        client.post(
            reverse("notification_settings"), {"robot": "on", "mobile": f"1380000000{n}"}
        ).content.decode()
        for n in range(7)
    ]

    taken = [a for a in answers if "其他用户登记" in a or "registered to another" in a]
    assert len(taken) == 5
    assert all("Too many" in a or "次数过多" in a for a in answers[5:])
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.DENIED, actor=world.lead_staff, detail__reason="handle_taken"
        ).count()
        == 5
    )
    world.lead_staff.refresh_from_db()
    assert world.lead_staff.mobile == ""
