"""Each weekly report owed stores whether it came (``RoundItem.report_state``), and the draft
ranking counts that column: here every way a state is written — a report submitted, one typed
in later with its own date, many at once (一表填报), a round opened after reports came, a
correction, the month locked, units merged — against the state worked out from the raw
reports, as the line-by-line ranking (``cycles.ranking.inputs``) works it out."""

import datetime

import pytest
from django.db import transaction

from accounts.merging import unit_merge
from cycles.models import RoundItem
from cycles.schedule import round_times
from cycles.services import round_open
from tasks.models import ProgressReport, Task
from tasks.services import NewReport, report_edit, report_submit, reports_submit_held
from tests.cycles.conftest import at
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 23)  # opens 09:00, due Thursday 17:00, closes next Monday


def plain_state(item: RoundItem) -> str:
    """From the raw rows: a report of the item's lead unit on its task since the round opened,
    by the due time → on time, before the close → late, else missing."""
    times = ProgressReport.objects.filter(
        task_id=item.task_id, unit_id=item.lead_unit_id, submitted_at__gte=item.round.opens_at
    ).values_list("submitted_at", flat=True)
    if any(when <= item.round.due_at for when in times):
        return "on_time"
    if any(when < item.round.closes_at for when in times):
        return "late"
    return "missing"


def checked_states() -> list[RoundItem]:
    """Every owed line, its stored state checked against the raw rows."""
    items = list(RoundItem.objects.select_related("round"))
    assert {i.pk: i.report_state for i in items} == {i.pk: plain_state(i) for i in items}
    return items


def states() -> dict[int, str]:
    """Task → its line's stored state (one round), checked against the raw rows."""
    return {i.task_id: i.report_state for i in checked_states()}


@pytest.fixture
def week(world, clock):
    c = world.campaign
    c.dispatch_weekday, c.dispatch_time = 0, datetime.time(9, 0)
    c.report_due_weekday, c.report_due_time = 3, datetime.time(17, 0)
    c.start_date = datetime.date(2026, 1, 1)
    c.save()
    world.second = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    world.others = TaskFactory(task_list=world.task_list, lead_unit=world.other)
    world.times = round_times(c, MONDAY)
    return world


def _open(w, clock, *args):
    clock.set(*args)
    return round_open(campaign=w.campaign, times=w.times, now=clock.now)


def _submit(w, task, by, *when, **kwargs):
    return report_submit(
        task=task, by=by, text="进展", percent=40, submitted_at=at(*when), **kwargs
    )


def test_a_report_marks_its_line_on_time_late_or_not_at_all(week, clock):
    w = week
    _open(w, clock, 2026, 11, 23, 9, 0)
    assert set(states().values()) == {"missing"}

    _submit(w, w.task, w.lead_staff, 2026, 11, 26, 17, 0)  # at the due time: on time
    _submit(w, w.second, w.lead_staff, 2026, 11, 26, 17, 1)  # a minute after: late
    _submit(w, w.others, w.other_staff, 2026, 11, 30, 9, 0)  # at the close: not this round's
    _submit(w, w.task, w.support_staff, 2026, 11, 24, 9, 0)  # a supporting unit's: not owed

    assert states() == {w.task.pk: "on_time", w.second.pk: "late", w.others.pk: "missing"}


def test_a_report_typed_in_later_with_its_own_date_counts_when_it_was_made(week, clock):
    """The round closed; a report dated in its window (from paper) still counts, and a late one
    after an on-time one leaves the line on time."""
    w = week
    _open(w, clock, 2026, 11, 23, 9, 0)
    clock.set(2026, 12, 2, 10, 0)
    _submit(w, w.second, w.lead_staff, 2026, 11, 25, 10, 0)
    _submit(w, w.second, w.lead_staff, 2026, 11, 27, 10, 0)
    _submit(w, w.task, w.lead_staff, 2026, 11, 28, 10, 0)

    assert states() == {w.task.pk: "late", w.second.pk: "on_time", w.others.pk: "missing"}


def test_a_round_opened_after_reports_came_counts_them(week, clock):
    """A server down on Monday: the round opens at noon, after a report made at ten."""
    w = week
    clock.set(2026, 11, 23, 10, 0)
    _submit(w, w.task, w.lead_staff, 2026, 11, 23, 10, 0)
    _submit(w, w.second, w.lead_staff, 2026, 11, 23, 8, 59)  # before the opening: not counted
    _open(w, clock, 2026, 11, 23, 12, 0)

    assert states() == {w.task.pk: "on_time", w.second.pk: "missing", w.others.pk: "missing"}


def test_many_reports_at_once_mark_their_lines(week, clock):
    w = week
    _open(w, clock, 2026, 11, 23, 9, 0)
    clock.set(2026, 11, 27, 10, 0)  # after the due time: late
    with transaction.atomic():
        tasks = list(
            Task.objects.select_for_update()
            .select_related("task_list__campaign")
            .filter(pk__in=[w.task.pk, w.second.pk])
            .order_by("pk")
        )
        reports_submit_held(
            by=w.lead_staff, items=[NewReport(task=t, text="一表填报", percent=30) for t in tasks]
        )

    assert states() == {w.task.pk: "late", w.second.pk: "late", w.others.pk: "missing"}


def test_a_correction_or_the_month_locked_leaves_the_state_as_it_is(week, clock):
    w = week
    _open(w, clock, 2026, 11, 23, 9, 0)
    clock.set(2026, 11, 24, 10, 0)
    report = _submit(w, w.task, w.lead_staff, 2026, 11, 24, 10, 0)
    clock.set(2026, 11, 28, 10, 0)
    report_edit(report=report, by=w.lead_staff, text="更正", percent=45)
    ProgressReport.objects.filter(pk=report.pk).update(locked_at=clock.now)

    assert states()[w.task.pk] == "on_time"


def test_merging_units_works_the_states_out_again(week, clock):
    """The merged unit's report on a task the surviving unit leads becomes the surviving
    unit's report: its line is on time; the merged unit's own lines move with their states."""
    w = week
    w.merged_task = TaskFactory(task_list=w.task_list, lead_unit=w.other)
    w.by_other = TaskFactory(task_list=w.task_list, lead_unit=w.lead)
    _open(w, clock, 2026, 11, 23, 9, 0)
    _submit(w, w.others, w.other_staff, 2026, 11, 24, 10, 0)
    ProgressReport.objects.create(  # the other unit reported on a task it does not lead
        task=w.by_other,
        unit=w.other,
        period_start=MONDAY,
        text="协办",
        percent=10,
        submitted_by=w.other_staff,
        submitted_at=at(2026, 11, 24, 11, 0),
    )
    assert states()[w.by_other.pk] == "missing"

    unit_merge(merged=w.other, into=w.lead, by=None)

    after = states()
    assert after[w.by_other.pk] == "on_time"
    assert after[w.others.pk] == "on_time"
    assert after[w.merged_task.pk] == "missing"
    assert set(RoundItem.objects.values_list("lead_unit_id", flat=True)) == {w.lead.pk}
    assert RoundItem.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_report_saved_while_its_round_opens_is_counted(week):
    """The report's hook runs before the round's items exist, and the round's own check before
    the report is committed: the round works its states out again once it is committed."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two transactions at once: PostgreSQL's row locks")
    w = week
    saved, go = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def report() -> None:
        try:
            with transaction.atomic():
                _submit(w, w.task, w.lead_staff, 2026, 11, 23, 10, 0)
                saved.set()
                go.wait(20)  # not committed yet while the round opens
        except BaseException as error:  # surfaced below
            failures.append(error)
            saved.set()
        finally:
            connection.close()

    def open_round() -> None:
        try:
            round_open(campaign=w.campaign, times=w.times, now=at(2026, 11, 23, 10, 1))
        finally:
            connection.close()

    reporter = threading.Thread(target=report)
    reporter.start()
    assert saved.wait(20)
    opener = threading.Thread(target=open_round)
    opener.start()
    opener.join(3)
    assert opener.is_alive()  # the round waits for the report to commit
    go.set()
    reporter.join(20)
    opener.join(20)
    assert not failures
    assert states()[w.task.pk] == "on_time"
