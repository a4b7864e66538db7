"""The weekly dispatch walked through time. All instants are Asia/Shanghai unless said."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from cycles.models import Digest, DispatchRound, RoundItem
from cycles.services import cycles_run, digest_send
from notifications.models import Notification
from tasks.models import Task
from tasks.services import report_submit
from tests.factories import TaskFactory, TaskListFactory, UserFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def dispatch(world):
    """Monday 09:00 opens, Thursday 17:00 due, reminder Wednesday 17:00 (24 h before)."""
    c = world.campaign
    c.dispatch_weekday, c.dispatch_time = 0, datetime.time(9, 0)
    c.report_due_weekday, c.report_due_time = 3, datetime.time(17, 0)
    c.reminder_hours_before_due = 24
    c.start_date = datetime.date(2026, 1, 1)
    c.save()
    # world.task: lead unit 区行政审批服务局, no linked owner → its staff get the digest.
    # Two tasks owned by one linked person, of another unit: one digest listing both.
    world.owner = UserFactory(username="owner", unit=world.other, roles=[Role.STAFF])
    world.owned = [
        TaskFactory(
            task_list=world.task_list,
            lead_unit=world.other,
            specific_owner=world.owner,
            deadline=datetime.date(2030, 1, 1),
        ),
        TaskFactory(
            task_list=world.task_list,
            lead_unit=world.other,
            specific_owner=world.owner,
            deadline=datetime.date(2026, 11, 1),
        ),  # red: overdue
    ]
    world.other_head = UserFactory(username="other_head", unit=world.other, roles=[Role.HEAD])
    TaskFactory(task_list=world.task_list, lead_unit=world.other, status=Task.Status.CLOSED)
    return world


def digests(kind=None):
    qs = Digest.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return {(d.recipient.username, tuple(d.task_ids)) for d in qs.select_related("recipient")}


def test_nothing_happens_before_the_round_opens(dispatch):
    cycles_run(now=at(2026, 11, 23, 8, 59))

    assert not DispatchRound.objects.exists()


def test_the_round_opens_on_time_with_one_digest_per_owner(
    dispatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        summary = cycles_run(now=at(2026, 11, 23, 9, 0))

    round_ = DispatchRound.objects.get()
    assert summary.opened == [round_.pk]
    assert round_.week_start == datetime.date(2026, 11, 23)
    assert round_.due_at == at(2026, 11, 26, 17, 0)
    assert round_.reminder_at == at(2026, 11, 25, 17, 0)
    assert RoundItem.objects.count() == 3  # the closed task owes nothing
    owned = tuple(sorted(t.pk for t in dispatch.owned))
    assert digests() == {
        ("owner", owned),  # one digest for both tasks, not one per task
        ("lead_staff", (dispatch.task.pk,)),  # no linked owner: the lead unit's staff
    }
    # CELERY_TASK_ALWAYS_EAGER is off in tests, so send them as the worker would.
    for digest in Digest.objects.all():
        digest_send(digest_id=digest.pk)
    notice = Notification.objects.get(recipient=dispatch.owner)
    assert "2" in notice.title and notice.kind == Notification.Kind.DIGEST
    assert dispatch.owned[0].title in notice.body and dispatch.owned[1].title in notice.body


def test_a_digest_lists_its_first_fifty_tasks_in_list_order_and_counts_the_rest(dispatch):
    """The notice writes each task as "code. title（deadline）" in the lists' order, then each
    task's within its list, the first fifty of them, then "……另有N项" (… and N more); its
    title counts them all."""
    many = [
        TaskFactory(
            task_list=dispatch.task_list,
            lead_unit=dispatch.other,
            specific_owner=dispatch.owner,
            order=100 - n,  # made in the reverse of the list's order
            deadline=datetime.date(2027, 1, 1) if n % 2 else None,
        )
        for n in range(50)
    ]
    # A list made later but ordered first in its campaign: its task comes first.
    dispatch.task_list.order = 2
    dispatch.task_list.save(update_fields=["order"])
    first_list = TaskListFactory(campaign=dispatch.campaign, order=1)
    first = TaskFactory(
        task_list=first_list, lead_unit=dispatch.other, specific_owner=dispatch.owner, order=500
    )
    cycles_run(now=at(2026, 11, 23, 9, 0))
    digest_send(digest_id=Digest.objects.get(recipient=dispatch.owner).pk)

    notice = Notification.objects.get(recipient=dispatch.owner)
    ordered = [first, *sorted([*dispatch.owned, *many], key=lambda t: (t.order, t.pk))]
    expected = [
        f"{t.code}. {t.title}" + (f"（{t.deadline:%Y-%m-%d}）" if t.deadline else "")
        for t in ordered[:50]
    ]
    assert notice.body.split("\n") == [*expected, "……另有3项"]  # "… and 3 more"
    assert (
        notice.title
        == f"{dispatch.campaign.name}：2026年第48周调度：53项任务须在11月26日 17:00前报送进展"
    )


def test_running_again_or_late_opens_nothing_more(dispatch):
    cycles_run(now=at(2026, 11, 23, 9, 0))
    first = (DispatchRound.objects.count(), Digest.objects.count(), RoundItem.objects.count())

    cycles_run(now=at(2026, 11, 23, 9, 0))
    cycles_run(now=at(2026, 11, 23, 9, 5))
    cycles_run(now=at(2026, 11, 24, 14, 0))

    assert (
        DispatchRound.objects.count(),
        Digest.objects.count(),
        RoundItem.objects.count(),
    ) == first


def test_the_second_reminder_goes_only_to_those_who_have_not_reported(dispatch):
    cycles_run(now=at(2026, 11, 23, 9, 0))
    report_submit(
        task=dispatch.task,
        by=dispatch.lead_staff,
        text="本周进展",
        percent=40,
        submitted_at=at(2026, 11, 24, 10, 0),
    )

    cycles_run(now=at(2026, 11, 25, 16, 59))
    assert not Digest.objects.filter(kind=Digest.Kind.REMINDER).exists()
    cycles_run(now=at(2026, 11, 25, 17, 0))

    owned = tuple(sorted(t.pk for t in dispatch.owned))
    assert digests(Digest.Kind.REMINDER) == {("owner", owned)}
    # The red (overdue) task also goes to its unit head.
    assert digests(Digest.Kind.ESCALATION) == {("other_head", (dispatch.owned[1].pk,))}
    cycles_run(now=at(2026, 11, 26, 9, 0))
    assert Digest.objects.filter(kind=Digest.Kind.REMINDER).count() == 1


def test_the_round_closes_when_the_next_opens_and_stores_its_bulletin(dispatch):
    cycles_run(now=at(2026, 11, 23, 9, 0))
    report_submit(  # on time
        task=dispatch.task,
        by=dispatch.lead_staff,
        text="按时",
        percent=40,
        submitted_at=at(2026, 11, 24, 10, 0),
    )
    report_submit(  # late: after Thursday 17:00
        task=dispatch.owned[0],
        by=dispatch.owner,
        text="迟报",
        percent=10,
        submitted_at=at(2026, 11, 27, 9, 0),
    )
    closed = TaskFactory(task_list=dispatch.task_list, lead_unit=dispatch.lead)
    Task.objects.filter(pk=closed.pk).update(
        status=Task.Status.CLOSED, closed_at=at(2026, 11, 25, 12, 0)
    )

    summary = cycles_run(now=at(2026, 11, 30, 9, 0))

    first, second = DispatchRound.objects.order_by("week_start")
    assert summary.closed == [first.pk] and summary.opened == [second.pk]
    result = first.result
    # Checked by hand: 3 owed (1 by 审批局, 2 by 发改局); 2 reported, 1 of them late.
    assert result["totals"] == {
        "owed": 3,
        "reported": 2,
        "late": 1,
        "rate": 66.7,
        "red": 1,
        "overdue": 1,
        "closed": 1,
    }
    units = {u["unit"]: u for u in result["units"]}
    assert units["区行政审批服务局"]["rate"] == 100.0
    assert units["区发展改革局"] == {
        "unit": "区发展改革局",
        "unit_id": dispatch.owned[1].lead_unit_id,
        "owed": 2,
        "reported": 1,
        "late": 1,
        "rate": 50.0,
        "missing": [dispatch.owned[1].code],
        "missing_ids": [dispatch.owned[1].pk],
        "missing_count": 1,
    }
    assert [u["unit"] for u in result["not_reported"]] == ["区发展改革局"]
    assert [t["id"] for t in result["late"]] == [dispatch.owned[0].pk]
    assert [t["id"] for t in result["red"]] == [dispatch.owned[1].pk]
    assert [t["id"] for t in result["closed"]] == [closed.pk]


def test_a_server_down_on_monday_opens_the_round_when_it_returns(dispatch):
    summary = cycles_run(now=at(2026, 11, 26, 10, 0))  # Thursday, past the reminder time

    round_ = DispatchRound.objects.get()
    assert summary.opened == [round_.pk]
    assert round_.week_start == datetime.date(2026, 11, 23)
    # Owners got the opening digest; no second reminder on top of it.
    assert digests(Digest.Kind.REMINDER) == set()
    assert digests(Digest.Kind.OPENING)
    assert round_.reminded_at is not None


def test_rounds_across_the_year_boundary(dispatch):
    cycles_run(now=at(2026, 12, 28, 9, 0))
    cycles_run(now=at(2027, 1, 4, 9, 0))

    labels = [r.iso_label for r in DispatchRound.objects.order_by("week_start")]
    assert labels == ["2026年第53周", "2027年第1周"]
    assert DispatchRound.objects.get(week_start=datetime.date(2026, 12, 28)).closed_at


def test_local_time_decides_not_utc(dispatch):
    # Monday 09:00 in Shanghai is Monday 01:00 UTC.
    utc = ZoneInfo("UTC")
    cycles_run(now=datetime.datetime(2026, 11, 23, 0, 59, tzinfo=utc))
    assert not DispatchRound.objects.exists()
    cycles_run(now=datetime.datetime(2026, 11, 23, 1, 0, tzinfo=utc))
    assert DispatchRound.objects.count() == 1


def test_sending_a_digest_twice_notifies_once(dispatch):
    cycles_run(now=at(2026, 11, 23, 9, 0))
    digest = Digest.objects.get(recipient=dispatch.owner)

    assert digest_send(digest_id=digest.pk) is True
    assert digest_send(digest_id=digest.pk) is False

    assert Notification.objects.filter(recipient=dispatch.owner).count() == 1


def test_run_cycles_command_takes_an_instant(dispatch, capsys):
    call_command("run_cycles", "--at", "2026-11-23T09:00")

    assert DispatchRound.objects.count() == 1
    assert '"opened": [' in capsys.readouterr().out


def test_a_campaign_with_dispatch_off_gets_no_round(dispatch):
    dispatch.campaign.dispatch_enabled = False
    dispatch.campaign.save()

    cycles_run(now=at(2026, 11, 23, 9, 0))

    assert not DispatchRound.objects.exists()


def test_a_broker_that_is_down_loses_no_digest(
    dispatch, monkeypatch, django_capture_on_commit_callbacks
):
    from cycles import jobs
    from cycles.services import REQUEUE_AFTER

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs.send_digests, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        summary = cycles_run(now=at(2026, 11, 23, 9, 0))  # does not raise
    assert summary.opened and Digest.objects.filter(sent_at__isnull=True).count() == 2

    queued = []
    monkeypatch.setattr(jobs.send_digests, "delay", lambda ids: queued.append(ids))
    later = timezone.now() + REQUEUE_AFTER + datetime.timedelta(minutes=1)
    cycles_run(now=later)

    assert sorted(sum(queued, [])) == sorted(Digest.objects.values_list("pk", flat=True))


def test_one_failing_digest_does_not_stop_the_rest(dispatch, monkeypatch):
    from cycles import jobs

    cycles_run(now=at(2026, 11, 23, 9, 0))
    ids = list(Digest.objects.order_by("pk").values_list("pk", flat=True))
    real = jobs.digest_send

    def flaky(*, digest_id):
        if digest_id == ids[0]:
            raise RuntimeError("database is locked")
        return real(digest_id=digest_id)

    monkeypatch.setattr(jobs, "digest_send", flaky)

    assert jobs.send_digests.apply(args=[ids]).get() == len(ids) - 1
    assert Digest.objects.filter(sent_at__isnull=True).count() == 1


def test_a_digest_failing_with_a_transient_error_is_retried_by_celery(dispatch, monkeypatch):
    from django.db import OperationalError

    from cycles import jobs

    cycles_run(now=at(2026, 11, 23, 9, 0))
    ids = list(Digest.objects.order_by("pk").values_list("pk", flat=True))
    real, attempts = jobs.digest_send, []

    def locked_once(*, digest_id):
        attempts.append(digest_id)
        if digest_id == ids[0] and attempts.count(ids[0]) == 1:
            raise OperationalError("database is locked")
        return real(digest_id=digest_id)

    monkeypatch.setattr(jobs, "digest_send", locked_once)
    # As on a worker: the test settings make eager jobs raise their errors, Retry included.
    monkeypatch.setitem(jobs.send_digests.app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)

    result = jobs.send_digests.apply(args=[ids])

    assert result.get() == len(ids)  # sent over both attempts
    assert attempts == [*ids, ids[0]]  # the retry sends only the digest that failed
    assert not Digest.objects.filter(sent_at__isnull=True).exists()


def test_a_digest_still_failing_after_the_retries_is_left_to_the_sweep(dispatch, monkeypatch):
    from django.db import OperationalError

    from cycles import jobs

    cycles_run(now=at(2026, 11, 23, 9, 0))
    ids = list(Digest.objects.order_by("pk").values_list("pk", flat=True))
    real, attempts = jobs.digest_send, []

    def always_locked(*, digest_id):
        attempts.append(digest_id)
        if digest_id == ids[0]:
            raise OperationalError("database is locked")
        return real(digest_id=digest_id)

    monkeypatch.setattr(jobs, "digest_send", always_locked)
    monkeypatch.setitem(jobs.send_digests.app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)

    result = jobs.send_digests.apply(args=[ids])

    assert result.get() == len(ids) - 1  # the job ends without an error
    assert attempts.count(ids[0]) == 1 + jobs.send_digests.max_retries
    assert list(Digest.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)) == [
        ids[0]
    ]


def test_the_weekly_bulletin_downloads_as_xlsx_with_formulas_escaped(dispatch, client):
    import io

    import openpyxl

    Task.objects.filter(pk=dispatch.owned[1].pk).update(title='=HYPERLINK("http://x","点我")')
    cycles_run(now=at(2026, 11, 23, 9, 0))
    cycles_run(now=at(2026, 11, 30, 9, 0))
    first = DispatchRound.objects.order_by("week_start").first()
    client.force_login(dispatch.coordinator)

    response = client.get(f"/cycles/rounds/{first.pk}/", {"format": "xlsx"})

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    titles = [row[1] for row in workbook["红灯"].iter_rows(min_row=2, values_only=True)]
    assert titles == ['\'=HYPERLINK("http://x","点我")']
