"""一表填报's rules on a small scene: a locked month, the query counts, what 我的任务 shows."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cycles.schedule import round_times
from cycles.services import review_certify, review_confirm_all, review_open, round_open
from reporting.checking import ERROR
from reporting.models import ReportUpload
from reporting.selectors import owed_tasks
from reporting.services import upload_check, upload_confirm
from reporting.workbook import KEY, RowKey, owed_workbook
from tasks.models import ProgressReport, Task
from tasks.services import report_submit
from tests.factories import TaskFactory
from tests.reporting.sheets import fill, open_round

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def sheet(world, now=None) -> bytes:
    owed = owed_tasks(unit_id=world.lead.pk, now=now)
    return owed_workbook(unit_name=world.lead.name, owed=owed, week_label="本周")


def reported(percent: int):
    return lambda row, names: {"本周进展": f"完成{percent}%", "进度（%）": percent}


def test_a_row_correcting_a_report_of_a_certified_month_is_refused(world):
    """The round of the week of 30 November is still open on 2 December; the unit reported
    on 30 November; November is certified on 1 December, which locks that report."""
    Task.objects.update(created_at=at(2026, 9, 1))
    round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, datetime.date(2026, 11, 30)),
        now=at(2026, 11, 30, 9, 5),
    )
    report = report_submit(
        task=world.task,
        by=world.lead_staff,
        text="月底报送",
        percent=30,
        submitted_at=at(2026, 11, 30, 10),
    )
    review = review_open(
        campaign=world.campaign, month=datetime.date(2026, 11, 1), now=at(2026, 12, 1, 9)
    )
    review_confirm_all(review=review, by=world.coordinator)
    review_certify(review=review, by=world.coordinator)
    report.refresh_from_db()
    assert report.locked_at is not None
    now = at(2026, 12, 2, 10)
    data = fill(sheet(world, now), reported(45))

    upload = upload_check(
        by=world.lead_staff, filename="本周应报送.xlsx", data=data, now=now
    ).upload

    [row] = upload.rows
    assert row["action"] == ERROR
    assert row["errors"][0]["message"] == "此进展报告所属月份已认定，不能再修改。"
    with pytest.raises(Exception, match="改正"):
        upload_confirm(upload=upload, by=world.lead_staff, now=now)
    report.refresh_from_db()
    assert (report.percent, report.version) == (30, 1)


def test_a_sheet_of_a_round_that_has_ended_is_refused(world):
    first = open_round(world.campaign, now=at(2026, 11, 24, 10))
    data = fill(sheet(world, at(2026, 11, 24, 10)), reported(40))
    # The next week's round opens (and the first closes).
    from cycles.services import round_close

    round_close(round_id=first.pk, now=at(2026, 11, 30, 9, 5))
    open_round(world.campaign, now=at(2026, 11, 30, 9, 5))

    upload = upload_check(
        by=world.lead_staff, filename="x.xlsx", data=data, now=at(2026, 11, 30, 10)
    ).upload

    assert [r["action"] for r in upload.rows] == [ERROR]
    assert "调度" in upload.rows[0]["errors"][0]["message"]


def test_a_supporting_unit_has_nothing_owed_and_cannot_report_a_lead_units_task(world):
    open_round(world.campaign)
    data = fill(sheet(world), reported(40))

    assert owed_tasks(unit_id=world.support.pk).tasks == []
    upload = upload_check(by=world.support_staff, filename="x.xlsx", data=data).upload

    assert [r["action"] for r in upload.rows] == [ERROR]
    assert upload.rows[0]["errors"][0]["column"] == "编号"


def test_a_file_that_is_not_the_sheet_is_refused_with_a_reason(world, client):
    client.force_login(world.lead_staff)
    from tests.campaigns.conftest import xlsx

    response = client.post(
        reverse("reporting:upload"),
        {"file": _upload(xlsx([["序号", "任务", "进展"], [1, "x", "y"]]))},
    )

    assert response.status_code == 400
    assert "填报编码" in response.content.decode()
    assert ReportUpload.objects.count() == 0


def _upload(data: bytes, name="本周应报送.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- query counts ----------------------------------------------------------------------------


def _more_tasks(world, n: int) -> None:
    for _ in range(n):
        TaskFactory(task_list=world.task_list, lead_unit=world.lead)


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _pages(client, world) -> dict[str, int]:
    data = fill(sheet(world), reported(40))
    counts = {
        "download": _count(lambda: client.get(reverse("reporting:owed_download"))),
        "start": _count(lambda: client.get(reverse("reporting:start"))),
        "mine": _count(lambda: client.get(reverse("tasks:mine"))),
        "check": _count(lambda: client.post(reverse("reporting:upload"), {"file": _upload(data)})),
    }
    upload = ReportUpload.objects.latest("pk")
    counts["preview"] = _count(
        lambda: client.get(reverse("reporting:upload_detail", args=[upload.pk]))
    )
    return counts


def test_the_pages_and_the_check_cost_the_same_queries_at_any_size(client, world):
    world.campaign.requires_head_confirmation = True
    world.campaign.save()
    _more_tasks(world, 4)
    open_round(world.campaign)
    report_submit(task=world.task, by=world.lead_staff, text="待确认", percent=10)
    client.force_login(world.lead_head)
    few = _pages(client, world)

    _more_tasks(world, 40)
    ReportUpload.objects.all().delete()
    world.campaign.rounds.all().delete()
    open_round(world.campaign)
    for task in Task.objects.filter(lead_unit=world.lead)[:20]:
        report_submit(task=task, by=world.lead_staff, text="待确认", percent=10)

    assert _pages(client, world) == few


def test_writing_costs_the_same_queries_whatever_the_number_of_rows(world):
    def written(n: int) -> int:
        ProgressReport.objects.all().delete()
        Task.objects.update(progress=0)  # every row moves its task's progress
        ReportUpload.objects.all().delete()
        world.campaign.rounds.all().delete()
        _more_tasks(world, n - Task.objects.filter(lead_unit=world.lead).count())
        open_round(world.campaign)
        data = fill(sheet(world), reported(40))
        upload = upload_check(by=world.lead_staff, filename="x.xlsx", data=data).upload
        assert upload.count_create == n
        count = _count(lambda: upload_confirm(upload=upload, by=world.lead_staff))
        assert set(
            Task.objects.filter(lead_unit=world.lead).values_list("progress", flat=True)
        ) == {40}
        assert ProgressReport.objects.count() == n
        return count

    small, large = written(5), written(45)

    # New reports are written in bulk (tasks.services.reports_submit_held): one statement per
    # table whatever the number of rows.
    assert large == small, (small, large)


def test_the_check_reads_the_same_with_its_statements_compiled_or_built(world, monkeypatch):
    """``reporting.checking.load`` runs statements compiled once per process on PostgreSQL
    (``config.prepared``) and querysets built each time elsewhere: a sheet with a new report,
    a correction and an unchanged row (target values included) is checked the same either
    way. On SQLite both are built; on PostgreSQL (CI) the first check is the compiled one."""
    from config import prepared
    from reporting.checking import CREATE, EDIT, UNCHANGED, check_rows
    from reporting.workbook import read_sheet
    from tasks.models import Target

    same, corrected, new = (
        TaskFactory(task_list=world.task_list, lead_unit=world.lead, code=f"T{n}") for n in range(3)
    )
    goals = {
        task.pk: Target.objects.create(task=task, metric="办结率", target_value=90)
        for task in (same, new)
    }
    open_round(world.campaign)
    report_submit(
        task=same,
        by=world.lead_staff,
        text="已办",
        percent=20,
        target_values={goals[same.pk].pk: 50},
    )
    report_submit(task=corrected, by=world.lead_staff, text="初报", percent=10)
    changes = {corrected.pk: {"进度（%）": 15}, new.pk: {"本周进展": "新报", "进度（%）": 5}}
    changes[new.pk]["指标1本次值"] = 60

    def change(row, names):
        return changes.get(RowKey.decode(row[KEY]).task_id)

    rows = read_sheet(fill(sheet(world), change))

    compiled = check_rows(rows=rows, by=world.lead_staff, now=timezone.now())
    monkeypatch.setattr(prepared, "prepares", lambda: False)
    built = check_rows(rows=rows, by=world.lead_staff, now=timezone.now())

    assert compiled == built
    actions = {entry["task_id"]: entry["action"] for entry in compiled}
    assert (actions[same.pk], actions[corrected.pk], actions[new.pk]) == (UNCHANGED, EDIT, CREATE)
    assert next(e for e in compiled if e["task_id"] == new.pk)["targets"] == {
        str(goals[new.pk].pk): "60"
    }


def test_the_start_page_shows_what_plain_counts_of_the_rounds_items_give(client, world):
    """一表填报's page reads only the rounds' counts (``page_reads.owed_summary``): each
    round's owed and reported tasks, and the sheet's size, are the plain counts of the unit's
    items and of its reports since the round opened (a task moved to another unit leaves)."""
    from cycles.models import RoundItem

    _more_tasks(world, 4)
    moved = TaskFactory(task_list=world.task_list, lead_unit=world.lead)
    round_ = open_round(world.campaign)
    for task in Task.objects.filter(lead_unit=world.lead).order_by("pk")[:2]:
        report_submit(task=task, by=world.lead_staff, text="本周", percent=10)
    Task.objects.filter(pk=moved.pk).update(lead_unit=world.other)
    client.force_login(world.lead_staff)

    html = client.get(reverse("reporting:start")).content.decode()

    items = RoundItem.objects.filter(
        round=round_, task__lead_unit=world.lead, task__status=Task.Status.IN_PROGRESS
    )
    reported = {
        report.task_id
        for report in ProgressReport.objects.filter(
            unit=world.lead, submitted_at__gte=round_.opens_at
        )
    }
    owed = items.count()
    done = sum(item.task_id in reported for item in items)
    assert (owed, done) == (5, 2)
    assert f"应报{owed}项，已报{done}项" in html
    assert f"下载填报表（{owed}项任务）" in html
