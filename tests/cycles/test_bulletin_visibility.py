"""The weekly bulletin shows unit staff the titles of the tasks they may open only, like the
monthly one (the security test counted 284 foreign titles); the figures stay whole."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cycles.schedule import round_times
from cycles.services import round_open
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(world):
    world.foreign = TaskFactory(
        task_list=world.task_list,
        lead_unit=world.other,
        title="另一单位的逾期任务",
        deadline=datetime.date(2020, 1, 1),
    )
    TaskFactory(
        task_list=world.task_list,
        lead_unit=world.lead,
        title="本单位的逾期任务",
        deadline=datetime.date(2020, 1, 1),
    )
    return round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, datetime.date(2026, 11, 23)),
        now=timezone.now(),
    )


def test_unit_staff_read_only_their_own_titles_but_all_the_figures(client, world, round_):
    client.force_login(world.lead_staff)

    page = client.get(reverse("cycles:round", args=[round_.pk]))

    html = page.content.decode()
    assert "本单位的逾期任务" in html and "另一单位的逾期任务" not in html
    assert page.context["result"]["totals"]["overdue"] == 2
    workbook = client.get(reverse("cycles:round", args=[round_.pk]), {"format": "xlsx"})
    cells = {
        cell
        for sheet in load_workbook(io.BytesIO(workbook.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    assert "本单位的逾期任务" in cells and "另一单位的逾期任务" not in cells


def test_the_coordinator_reads_every_title(client, world, round_):
    client.force_login(world.coordinator)
    html = client.get(reverse("cycles:round", args=[round_.pk])).content.decode()
    assert "本单位的逾期任务" in html and "另一单位的逾期任务" in html


@pytest.mark.parametrize("who", ["coordinator", "lead_staff"])
def test_a_closed_round_reads_its_stored_lines_and_shows_what_the_whole_bulletin_shows(
    client, world, round_, who
):
    """A closed round's page reads its summary and its first lines (cycles.bulletin_store),
    not the whole bulletin: what it shows — the figures, each list's first tasks the reader
    may open and how many more, each unit's tasks not reported — is what the whole bulletin,
    cut as the page cuts it, shows."""
    from cycles import bulletin_page, selectors
    from cycles.models import BulletinLine
    from cycles.services import round_close

    for n in range(2 * bulletin_page.SHOWN):
        TaskFactory(
            task_list=world.task_list,
            lead_unit=world.lead if n % 3 else world.other,
            title=f"逾期任务{n:03d}",
            deadline=datetime.date(2020, 1, 1),
        )
    round_ = round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, datetime.date(2026, 11, 30)),
        now=timezone.now(),
    )
    round_close(round_id=round_.pk, now=timezone.now())
    round_.refresh_from_db()
    user = getattr(world, who)
    client.force_login(user)

    shown = client.get(reverse("cycles:round", args=[round_.pk])).context["result"]
    whole = bulletin_page.shown(
        selectors.round_result_for(user=user, round_=round_, result=round_.result),
        world.campaign,
        user,
    )

    assert BulletinLine.objects.filter(round=round_).count() > bulletin_page.SHOWN
    for key in bulletin_page.TASK_SECTIONS:
        assert shown[key] == whole[key]
        assert shown["more"][key] == whole["more"][key]
    assert shown["more"]["overdue"] > 0
    assert shown["totals"] == whole["totals"]
    assert [
        (u["unit"], u["owed"], u["missing_refs"], u["missing_more"]) for u in shown["units"]
    ] == [(u["unit"], u["owed"], u["missing_refs"], u["missing_more"]) for u in whole["units"]]


def test_a_bulletins_task_numbers_name_and_link_as_each_reader_may_open(world):
    """``bulletin_task_refs``: the list's name before a number two lists share, a link only
    where the reader may open the task (asked in the same read as the numbers: two queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cycles.selectors import bulletin_task_refs
    from tests.factories import TaskListFactory

    second = TaskListFactory(campaign=world.campaign, name="第二清单")
    mine = TaskFactory(task_list=world.task_list, lead_unit=world.lead, code="7")
    shared = TaskFactory(task_list=second, lead_unit=world.other, code="7")
    theirs = TaskFactory(task_list=second, lead_unit=world.other, code="8")
    supported = TaskFactory(task_list=second, lead_unit=world.other, code="9")
    supported.supports.create(unit=world.lead)
    ids = {mine.pk, shared.pk, theirs.pk, supported.pk}

    with CaptureQueriesContext(connection) as ctx:
        staff = bulletin_task_refs(campaign=world.campaign, task_ids=ids, user=world.lead_staff)
    coordinator = bulletin_task_refs(campaign=world.campaign, task_ids=ids, user=world.coordinator)

    assert len([q for q in ctx.captured_queries if '"tasks_task"' in q["sql"]]) == 2
    assert staff[mine.pk]["label"] == f"{world.task_list.name} · 7"
    assert staff[shared.pk]["label"] == "第二清单 · 7" and staff[theirs.pk]["label"] == "8"
    assert {pk for pk, ref in staff.items() if ref["url"]} == {mine.pk, supported.pk}
    assert all(ref["url"] == f"/tasks/{pk}/" for pk, ref in coordinator.items())
