"""The reporting rate's counts (``cockpit.selectors.reporting``, one grouped query joining each
report owed to its lead unit's first report since the round opened) equal a plain check of
every report owed, report by report: made in the round's window, and by its due time."""

import datetime

import pytest

from cockpit.selectors.reporting import reporting_counts
from cycles.models import DispatchRound, RoundItem
from cycles.schedule import round_times, week_start
from cycles.services import round_open
from tasks.models import ProgressReport
from tasks.services import report_record
from tests.cockpit.conftest import build_scene

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def plain(round_ids, *group, lead_unit_id=None) -> dict[tuple, tuple[int, int, int]]:
    """Group → (owed, made, on time), asking for each report owed whether a report exists."""
    result: dict[tuple, list[int]] = {}
    items = RoundItem.objects.filter(round_id__in=round_ids).select_related("round", "lead_unit")
    if lead_unit_id is not None:
        items = items.filter(lead_unit_id=lead_unit_id)
    for item in items:
        reports = ProgressReport.objects.filter(
            task_id=item.task_id, unit_id=item.lead_unit_id, submitted_at__gte=item.round.opens_at
        )
        names = {"round_id": item.round_id, "lead_unit_id": item.lead_unit_id}
        names["lead_unit__name"] = item.lead_unit.name
        row = result.setdefault(tuple(names[g] for g in group), [0, 0, 0])
        row[0] += 1
        row[1] += reports.filter(submitted_at__lt=item.round.closes_at).exists()
        row[2] += reports.filter(submitted_at__lte=item.round.due_at).exists()
    return {key: tuple(row) for key, row in result.items()}


def counted(round_ids, *group, lead_unit_id=None) -> dict[tuple, tuple[int, int, int]]:
    return {
        tuple(row[g] for g in group): (row["owed"], row["reported"], row["on_time"])
        for row in reporting_counts(round_ids, *group, lead_unit_id=lead_unit_id)
    }


@pytest.fixture
def two_rounds(world):
    """Last week's round (two reports, one late) and this week's, with reports on either side
    of every edge: before it opened, at its opening, at its due time, after its due time,
    after it closed, and one by a supporting unit (not the lead unit's: not counted)."""
    w = build_scene(world)
    times = round_times(w.campaign, week_start(w.today))
    w.this_week = round_open(campaign=w.campaign, times=times, now=times.opens_at)

    def report(task, unit, at):
        report_record(
            task=task, by=w.lead_staff, unit=unit, text="进展", percent=50, submitted_at=at
        )

    report(w.red1, w.lead, times.opens_at)  # at the opening: made, on time
    report(w.red3, w.lead, times.opens_at - HOUR)  # before it opened: not this round's
    report(w.red2, w.other, times.due_at)  # at the due time: on time
    report(w.yellow2, w.support, times.due_at + HOUR)  # late
    report(w.yellow2, w.support, times.opens_at + HOUR)  # ... but an earlier one was on time
    report(w.green, w.support, times.closes_at)  # at the close: not made in the window
    report(w.red3, w.support, times.opens_at + HOUR)  # by a supporting unit: not the lead's
    return w


def test_counts_per_round_equal_a_check_of_every_report_owed(two_rounds):
    w = two_rounds
    ids = [w.round.pk, w.this_week.pk]

    by_round = counted(ids, "round_id")

    assert by_round == plain(ids, "round_id")
    assert by_round[(w.this_week.pk,)][1] >= 2  # the scene has reports made in this week's round
    assert by_round[(w.round.pk,)] != by_round[(w.this_week.pk,)]


@pytest.mark.parametrize("group", [("lead_unit_id", "lead_unit__name"), ("round_id",)])
def test_counts_per_lead_unit_and_for_one_unit_equal_the_plain_check(two_rounds, group):
    w = two_rounds
    ids = [w.round.pk, w.this_week.pk]

    assert counted(ids, *group) == plain(ids, *group)
    for unit in (w.lead, w.other, w.support):
        assert counted(ids, *group, lead_unit_id=unit.pk) == plain(
            ids, *group, lead_unit_id=unit.pk
        )


def test_no_round_counts_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert reporting_counts([], "round_id") == []


def test_a_round_that_owes_nothing_counts_nothing(world):
    empty = DispatchRound.objects.create(
        campaign=world.other_campaign,
        **vars(round_times(world.other_campaign, week_start(datetime.date(2026, 1, 5)))),
    )

    assert reporting_counts([empty.pk], "round_id") == []
