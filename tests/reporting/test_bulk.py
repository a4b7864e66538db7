"""一表填报 end to end through the pages: the samples' busiest unit downloads what it owes this
week, fills it in, uploads it, checks the preview and confirms; the same file twice writes
once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Campaign
from cycles.models import RoundItem
from notifications.models import Notification
from reporting.models import ReportUpload
from reporting.selectors import owed_tasks
from reporting.workbook import KEY, RowKey
from tasks.models import ProgressReport, Target, Task
from tasks.services import report_submit, task_update
from tests.reporting.sheets import build_samples, fill, report_everything, resave

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def samples(module_db):
    return build_samples()


def download(client) -> bytes:
    response = client.get(reverse("reporting:owed_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content) if response.streaming else response.content


def upload(client, data: bytes, name="本周应报送.xlsx"):
    return client.post(
        reverse("reporting:upload"), {"file": SimpleUploadedFile(name, data)}, follow=True
    )


def test_the_busiest_unit_reports_every_owed_task_in_one_upload(client, samples):
    unit, staff = samples["unit"], samples["staff"]
    owed = list(
        RoundItem.objects.filter(task__lead_unit=unit, round__closed_at__isnull=True).values_list(
            "task_id", flat=True
        )
    )
    assert len(owed) >= 50, "the samples give this unit at least 50 owed tasks"
    client.force_login(staff)

    filled = fill(download(client), report_everything)
    preview = upload(client, filled)

    upload_row = ReportUpload.objects.get()
    assert preview.status_code == 200
    assert upload_row.errors == []
    assert upload_row.count_create == len(owed)
    assert ProgressReport.objects.count() == 0, "nothing is written before confirming"

    response = client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]), follow=True)

    assert response.status_code == 200
    reports = ProgressReport.objects.filter(unit=unit)
    assert sorted(reports.values_list("task_id", flat=True)) == sorted(owed)
    for task in Task.objects.filter(pk__in=owed):
        report = reports.get(task=task)
        assert task.progress == report.percent == 10, "no head confirmation: the report counts"
        assert report.text.startswith(task.code)
    measured = Target.objects.filter(task_id__in=owed)
    assert measured.exists()
    for target in measured:
        assert target.current_value == target.target_value
    assert owed_tasks(unit_id=unit.pk).reported == len(owed)
    upload_row.refresh_from_db()
    assert upload_row.status == ReportUpload.Status.CONFIRMED
    assert upload_row.written == len(owed)
    # Each row names its report, for the links that add evidence to it.
    assert {row["report_id"] for row in upload_row.rows} == set(
        reports.values_list("pk", flat=True)
    )
    page = client.get(reverse("reporting:upload_detail", args=[upload_row.pk])).content.decode()
    assert page.count('data-testid="add-evidence"') == len(owed)


def sheet_rows(data: bytes) -> list[dict]:
    """The data rows of a downloaded sheet, each as {header: value} with its row number."""
    rows = []
    fill(data, lambda row, names: rows.append(row))
    return rows


def test_every_refusal_is_named_by_row_and_column_and_nothing_is_written(client, samples):
    staff = samples["staff"]
    client.force_login(staff)
    data = download(client)
    rows = sheet_rows(data)
    with_target = next(r for r in rows if r.get("指标1"))
    plain = [r for r in rows if r is not with_target]
    a, b, c, e, f, g, h, i, j, ok = plain[:10]
    key = RowKey.decode(a[KEY])
    foreign = (
        Task.objects.exclude(lead_unit=samples["unit"])
        .filter(round_items__round_id=key.round_id)
        .first()
    )
    # After the download: the unit reports on h's task through the page, a coordinator moves
    # i's deadline.
    report_submit(
        task=Task.objects.get(pk=RowKey.decode(h[KEY]).task_id),
        by=staff,
        text="页面报送",
        percent=5,
    )
    i_task = Task.objects.get(pk=RowKey.decode(i[KEY]).task_id)
    task_update(task=i_task, by=None, deadline_text="2027年底前")
    before = ProgressReport.objects.count()
    week = "本周进展"
    changes = {
        a["_row"]: {week: "做了", "进度（%）": 150},
        b["_row"]: {week: "做了", "进度（%）": "六十"},
        c["_row"]: {"进度（%）": 30},
        with_target["_row"]: {week: "做了", "进度（%）": 20, "指标1本次值": "约七成"},
        e["_row"]: {week: "做了", "进度（%）": 20, KEY: None},
        f["_row"]: {week: "做了", "进度（%）": 20, KEY: a[KEY]},
        g["_row"]: {
            week: "做了",
            "进度（%）": 20,
            KEY: RowKey(
                task_id=foreign.pk, task_version=foreign.version, round_id=key.round_id
            ).encode(),
        },
        h["_row"]: {week: "做了", "进度（%）": 20},
        i["_row"]: {week: "做了", "进度（%）": 20},
        j["_row"]: {
            week: "做了",
            "进度（%）": 20,
            KEY: RowKey.decode(j[KEY])
            .encode()
            .replace(f"r{key.round_id}", f"r{key.round_id + 999}"),
        },
        ok["_row"]: {week: "做了", "进度（%）": 20},
    }
    filled = fill(data, lambda row, names: changes.get(row["_row"]))

    page = upload(client, filled)

    upload_row = ReportUpload.objects.get()
    found = {(e["row"], e["column"]): e["message"] for e in upload_row.errors}
    expected = {
        (a["_row"], "进度（%）"): "100",
        (b["_row"], "进度（%）"): "整数",
        (c["_row"], "本周进展"): "必填",
        (with_target["_row"], "指标1本次值"): "数字",
        (e["_row"], KEY): KEY,
        (f["_row"], "编号"): str(a["_row"]),
        (g["_row"], "编号"): "牵头",
        (h["_row"], ""): "重新下载",
        (i["_row"], ""): "重新下载",
        (j["_row"], ""): "调度",
    }
    assert set(found) == set(expected)
    for place, words in expected.items():
        assert words in found[place], (place, found[place])
    html = page.content.decode()
    assert f"第{a['_row']}行" in html and "“进度（%）”" in html
    assert upload_row.count_create == 1  # only "ok"

    response = client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]), follow=True)

    assert "改正" in response.content.decode()
    assert ProgressReport.objects.count() == before
    upload_row.refresh_from_db()
    assert upload_row.status == ReportUpload.Status.CHECKED


def test_a_row_the_service_refuses_at_confirmation_undoes_every_other_row(client, samples):
    staff = samples["staff"]
    client.force_login(staff)
    rows = sheet_rows(data := download(client))
    filled = fill(data, lambda row, names: {"本周进展": "本周完成", "进度（%）": 40})
    upload(client, filled)
    upload_row = ReportUpload.objects.get()
    assert upload_row.errors == [] and upload_row.count_create == len(rows)
    # Between the preview and the confirmation the last task is handed to another unit.
    last = Task.objects.get(pk=RowKey.decode(rows[-1][KEY]).task_id)
    task_update(task=last, by=None, lead_unit=samples["directory"]["区法院"])
    before = ProgressReport.objects.count()

    client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]))

    upload_row.refresh_from_db()
    assert ProgressReport.objects.count() == before
    assert upload_row.status == ReportUpload.Status.CHECKED
    assert [(e["row"], e["column"]) for e in upload_row.errors] == [(rows[-1]["_row"], "编号")]
    assert Task.objects.filter(progress=40).count() == 0


def test_the_same_file_twice_writes_once(client, samples):
    staff = samples["staff"]
    client.force_login(staff)
    data = download(client)
    filled = fill(data, lambda row, names: {"本周进展": "本周完成", "进度（%）": 40})
    upload(client, filled)
    first = ReportUpload.objects.get()
    client.post(reverse("reporting:upload_confirm", args=[first.pk]))
    client.post(reverse("reporting:upload_confirm", args=[first.pk]))  # a second click
    written = ProgressReport.objects.count()
    assert written == first.count_create > 0

    again = upload(client, filled)

    assert "本次不会重复写入" in again.content.decode()
    assert ReportUpload.objects.count() == 1
    # A colleague with the same file hears the same, on the start page (the upload is not theirs).
    client.force_login(samples["head"])
    theirs = upload(client, filled)
    assert theirs.redirect_chain[-1][0] == reverse("reporting:start")
    assert "本次不会重复写入" in theirs.content.decode()
    assert ReportUpload.objects.count() == 1
    client.force_login(staff)
    # The same rows saved again by Excel (other bytes): each says what this week's report says.
    resaved = resave(filled)
    assert resaved != filled
    upload(client, resaved)
    second = ReportUpload.objects.latest("pk")
    assert second.count_unchanged == written and second.count_create == 0
    client.post(reverse("reporting:upload_confirm", args=[second.pk]))
    assert ProgressReport.objects.count() == written


def test_a_corrected_row_corrects_this_weeks_report(client, samples):
    staff = samples["staff"]
    client.force_login(staff)
    upload(
        client, fill(download(client), lambda row, names: {"本周进展": "本周完成", "进度（%）": 40})
    )
    client.post(reverse("reporting:upload_confirm", args=[ReportUpload.objects.get().pk]))
    written = ProgressReport.objects.count()
    sheet = download(client)  # this week's reports come back filled in
    rows = sheet_rows(sheet)
    assert {r["本周进展"] for r in rows} == {"本周完成"}
    first = rows[0]["_row"]

    upload(
        client, fill(sheet, lambda row, names: {"进度（%）": 55} if row["_row"] == first else None)
    )
    correction = ReportUpload.objects.latest("pk")
    assert (correction.count_edit, correction.count_unchanged) == (1, len(rows) - 1)
    client.post(reverse("reporting:upload_confirm", args=[correction.pk]))

    assert ProgressReport.objects.count() == written
    task = Task.objects.get(pk=RowKey.decode(rows[0][KEY]).task_id)
    report = task.reports.get()
    assert (report.percent, report.version, task.progress) == (55, 2, 55)


def test_someone_elses_upload_is_not_found(client, samples):
    client.force_login(samples["staff"])
    upload(client, fill(download(client), lambda row, names: {"本周进展": "x", "进度（%）": 1}))
    pk = ReportUpload.objects.get().pk
    client.force_login(samples["head"])

    assert client.get(reverse("reporting:upload_detail", args=[pk])).status_code == 404
    assert client.post(reverse("reporting:upload_confirm", args=[pk])).status_code == 404
    assert ProgressReport.objects.count() == 0


def test_reports_waiting_for_the_head_are_told_to_the_heads_once(client, samples):
    campaigns = samples["campaigns"]
    Campaign.objects.filter(pk__in=[c.pk for c in campaigns]).update(
        requires_head_confirmation=True
    )
    client.force_login(samples["staff"])
    upload(client, fill(download(client), lambda row, names: {"本周进展": "x", "进度（%）": 30}))
    upload_row = ReportUpload.objects.get()

    client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]))

    notices = Notification.objects.filter(recipient=samples["head"])
    assert notices.count() == 1
    assert str(upload_row.count_create) in notices.get().title
    assert Task.objects.filter(progress=30).count() == 0, "waiting for the head: no progress yet"
    client.force_login(samples["head"])
    page = client.get(reverse("tasks:mine")).content.decode()
    assert "30%（待单位负责人确认）" in page


def test_every_row_of_the_sheet_shows_which_columns_to_fill(client, samples):
    """White (to fill) and grey (to read) columns, wrapped, on every owed row, not only the
    first: the rows below the first share its style."""
    import io

    import openpyxl

    from reporting.workbook import FILLED, GREY, HEADER_ROW, WHITE

    client.force_login(samples["staff"])
    sheet = openpyxl.load_workbook(io.BytesIO(download(client))).active
    header = [cell.value for cell in sheet[HEADER_ROW]]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1))
    assert len(rows) >= 50
    for row in rows:
        for name, cell in zip(header, row, strict=True):
            white = name in FILLED.values() or name.endswith("本次值")
            assert cell.fill.fgColor.rgb == (WHITE if white else GREY), (name, cell)
            assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
    assert all(cell.font.bold for cell in sheet[HEADER_ROW])


def test_the_sheet_as_downloaded_has_its_layout_and_reads_back(client, samples):
    """The bytes as served (config.xlsx writes them, not openpyxl): openpyxl and the upload's
    own reader (calamine) both read them; the key column is hidden, the panes frozen below the
    header and right of 完成时限's neighbours, the two text rows merged, 进度 validated."""
    import io

    import openpyxl

    from reporting.workbook import HEADER_ROW, PERCENT, read_sheet

    client.force_login(samples["staff"])
    data = download(client)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[HEADER_ROW]]
    assert sheet.title == "本周应报送"
    assert header[-1] == KEY
    key_letter = openpyxl.utils.get_column_letter(len(header))
    assert sheet.column_dimensions[key_letter].hidden
    assert sheet.column_dimensions["E"].width == 40  # 任务
    assert sheet.freeze_panes == f"F{HEADER_ROW + 1}"
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    last = openpyxl.utils.get_column_letter(len(header) - 1)
    assert merged == {f"A1:{last}1", f"A2:{last}2"}
    assert sheet["A1"].font.bold and sheet["A1"].font.sz == 14
    assert sheet.row_dimensions[2].height == 48
    (check,) = sheet.data_validations.dataValidation
    percent = openpyxl.utils.get_column_letter(header.index(PERCENT) + 1)
    assert (check.type, check.operator, check.formula1, check.formula2) == (
        "whole",
        "between",
        "0",
        "100",
    )
    assert str(check.sqref) == f"{percent}{HEADER_ROW + 1}:{percent}{sheet.max_row}"

    rows = read_sheet(data, "本周应报送.xlsx")
    owed = owed_tasks(unit_id=samples["staff"].unit_id)
    assert [row.key.task_id for row in rows if row.key] == [item.task.pk for item in owed.tasks]
    assert [row.code for row in rows] == [
        sheet.cell(row=n, column=header.index("编号") + 1).value or ""
        for n in range(HEADER_ROW + 1, sheet.max_row + 1)
    ]


def test_only_the_rows_that_say_something_are_read_from_the_database(client, samples):
    """A busy unit's sheet lists every owed task; a person fills a few. The check reads the
    tasks, targets and reports of those rows only, the same queries for any number of rows,
    and the preview still lists every row (the rest as left empty)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reporting import checking
    from reporting.workbook import read_sheet

    client.force_login(samples["staff"])
    data = download(client)
    filled_rows = []

    def three(row, names):
        if len(filled_rows) < 3:
            filled_rows.append(RowKey.decode(row[KEY]).task_id)
            return report_everything(row, names)
        return None

    filled = fill(data, three)
    rows = read_sheet(filled)
    assert len(rows) >= 50 and sum(not row.empty for row in rows) == 3
    with CaptureQueriesContext(connection) as few:
        context = checking.load(rows=rows, by=samples["staff"], now=timezone.now())
    assert sorted(context.tasks) == sorted(filled_rows)
    everything = read_sheet(fill(data, report_everything))
    with CaptureQueriesContext(connection) as many:
        assert len(
            checking.load(rows=everything, by=samples["staff"], now=timezone.now()).tasks
        ) == len(everything)
    assert len(few) == len(many)

    upload(client, filled)
    stored = ReportUpload.objects.latest("pk")
    assert [row["action"] for row in stored.rows].count("create") == 3
    assert [row["action"] for row in stored.rows].count("empty") == len(rows) - 3


def first_row_filled(data: bytes, *, percent: int) -> tuple[int, bytes]:
    """The sheet with its first row alone filled in: that row's task and the sheet's bytes."""
    first = RowKey.decode(sheet_rows(data)[0][KEY]).task_id
    filled = fill(
        data,
        lambda row, names: {"本周进展": "本周完成", "进度（%）": percent}
        if RowKey.decode(row[KEY]).task_id == first
        else None,
    )
    return first, filled


def test_a_row_left_empty_is_not_checked_again_at_confirmation(client, samples):
    """What a row left empty becomes depends on the sheet alone: its task handed to another
    unit between the preview and the confirmation stops nothing, and the filled rows are
    checked again and written."""
    staff = samples["staff"]
    client.force_login(staff)
    rows = sheet_rows(data := download(client))
    first, filled = first_row_filled(data, percent=40)
    upload(client, filled)
    upload_row = ReportUpload.objects.latest("pk")
    assert upload_row.count_create == 1 and upload_row.count_empty == len(rows) - 1
    last = Task.objects.get(pk=RowKey.decode(rows[-1][KEY]).task_id)
    task_update(task=last, by=None, lead_unit=samples["directory"]["区法院"])

    client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]))

    upload_row.refresh_from_db()
    assert upload_row.status == ReportUpload.Status.CONFIRMED and upload_row.written == 1
    assert [e["action"] for e in upload_row.rows].count("empty") == len(rows) - 1
    assert ProgressReport.objects.filter(task_id=first, percent=40).exists()
    assert not ProgressReport.objects.filter(task=last).exists()


def test_the_confirmation_reads_the_uploads_rows_once(client, samples):
    """A busy unit's rows are a few hundred entries of JSON: the page's access check and its
    last look at the status leave them, the service reads them under its lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(samples["staff"])
    _first, filled = first_row_filled(download(client), percent=30)
    upload(client, filled)
    upload_row = ReportUpload.objects.latest("pk")

    with CaptureQueriesContext(connection) as queries:
        answer = client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]))

    assert answer.status_code == 302
    table = ReportUpload._meta.db_table
    reads = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]
    assert len(reads) == 3  # the access check, the locked read, the status
    assert sum(f'"{table}"."rows"' in sql for sql in reads) == 1
    upload_row.refresh_from_db()
    assert upload_row.status == ReportUpload.Status.CONFIRMED and upload_row.written == 1


def test_the_preview_names_its_unit_and_uploader_without_reading_them_again(client, samples):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = samples["staff"]
    client.force_login(staff)
    upload(client, fill(download(client), report_everything))
    upload_row = ReportUpload.objects.latest("pk")
    client.get(reverse("reporting:upload_detail", args=[upload_row.pk]))  # the session warm

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("reporting:upload_detail", args=[upload_row.pk]))

    text = page.content.decode()
    assert f"{staff.unit} · {staff}" in text
    alone = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "accounts_unit"') or 'FROM "accounts_unit" WHERE' in q["sql"]
    ]
    assert alone == []
    # The signed-in person (with their unit), read once by the session's authentication.
    assert sum('FROM "accounts_user"' in q["sql"] for q in queries) == 1


def test_the_load_clients_edit_of_the_sheet_reads_as_a_person_filled_it(client, samples):
    """benchmarks/load/sheetfill.py fills the sheet by editing its XML (the load generator
    shares the machine it measures): every other cell reads as downloaded, the rows filled
    carry their text and percent, and the upload writes exactly those reports."""
    from benchmarks.load.sheetfill import fill_owed
    from reporting.workbook import read_sheet

    client.force_login(samples["staff"])
    data = download(client)

    filled, markers = fill_owed(data, "负载测试ef", rows=3)

    assert markers == ["负载测试ef-0", "负载测试ef-1", "负载测试ef-2"]
    before, after = sheet_rows(data), sheet_rows(filled)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert [b["_row"] for _a, b in changed] == [a["_row"] for a in before[:3]]
    for (old, new), marker in zip(changed, markers, strict=True):
        assert new["本周进展"] == f"本周推进顺利（{marker}）"
        assert new["进度（%）"] == min(100, (old["当前进度（%）"] or 0) + 5)
        assert {k: v for k, v in new.items() if k not in ("本周进展", "进度（%）")} == {
            k: v for k, v in old.items() if k not in ("本周进展", "进度（%）")
        }
    read = [row for row in read_sheet(filled) if not row.empty]
    assert [row.values["text"] for row in read] == [f"本周推进顺利（{m}）" for m in markers]

    upload(client, filled)
    upload_row = ReportUpload.objects.get()
    assert upload_row.errors == [] and upload_row.count_create == 3
    client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]))
    texts = sorted(ProgressReport.objects.values_list("text", flat=True))
    assert texts == [f"本周推进顺利（{m}）" for m in markers]


def test_the_upload_lists_the_rows_that_write_something_and_the_rest_when_asked(client, samples):
    """A busy unit's sheet lists every task it owes; the upload's page lists the rows that
    write or are refused, counts the rest (unchanged, left empty) and lists them all when
    asked: before and after the confirmation."""
    staff = samples["staff"]
    client.force_login(staff)
    rows = sheet_rows(download(client))
    said = Task.objects.get(pk=RowKey.decode(rows[1][KEY]).task_id)
    report_submit(task=said, by=staff, text="页面报送", percent=5)  # the sheet carries it
    rows = sheet_rows(data := download(client))
    new, refused = rows[0]["_row"], rows[2]["_row"]
    changes = {new: {"本周进展": "本周完成", "进度（%）": 40}, refused: {"进度（%）": 30}}
    upload(client, fill(data, lambda row, names: changes.get(row["_row"])))
    upload_row = ReportUpload.objects.latest("pk")
    actions = [e["action"] for e in upload_row.rows]
    assert actions.count("unchanged") == 1 and actions.count("error") == 1
    page_url = reverse("reporting:upload_detail", args=[upload_row.pk])

    page = client.get(page_url).content.decode()

    assert page.count('data-testid="upload-row"') == 2
    assert f'id="row-{new}"' in page and f'id="row-{refused}"' in page
    unlisted = actions.count("unchanged") + actions.count("empty")
    assert unlisted == len(rows) - 2
    assert f"另有{unlisted}行与本周已报相同或未填写" in page
    assert f"列出表中全部{len(rows)}行" in page
    everything = client.get(page_url, {"rows": "all"}).content.decode()
    assert everything.count('data-testid="upload-row"') == len(rows)
    assert 'data-testid="list-changes"' in everything and "另有" not in everything

    refill = {new: changes[new]}  # the refused row corrected: left empty
    upload(client, fill(data, lambda row, names: refill.get(row["_row"])))
    upload_row = ReportUpload.objects.latest("pk")
    client.post(reverse("reporting:upload_confirm", args=[upload_row.pk]))
    page = client.get(reverse("reporting:upload_detail", args=[upload_row.pk])).content.decode()
    assert page.count('data-testid="upload-row"') == 1
    assert page.count('data-testid="add-evidence"') == 1
    assert f"另有{len(rows) - 1}行" in page
