"""Export: the layout a list came in, its progress, escaped cells; import → export → import."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from campaigns.services.imports import tasklist_import
from tasks.models import Task, TaskSupport
from tasks.services import report_record, task_update
from tests.campaigns.conftest import PLAN_CHOICES, sample
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rows(data: bytes, sheet: int = 0) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def _export(client, campaign, task_list, **query) -> bytes:
    response = client.get(
        reverse("campaigns:list_export", args=[campaign.slug, task_list.pk]), query
    )
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def _tasks(task_list) -> list[tuple]:
    return [
        (
            task.code,
            task.title,
            task.content,
            task.source,
            task.category.name if task.category else None,
            task.category.code if task.category else None,
            task.lead_unit.name,
            sorted(s.unit.name for s in task.supports.all()),
            task.principal_owner_name,
            task.leader_in_charge_name,
            task.specific_owner_name,
            task.deadline,
            task.deadline_text,
            task.ongoing,
            task.extra,
            [
                (t.metric, t.order, t.unit_of_measure, t.direction, t.target_value, t.current_value)
                for t in task.targets.all()
            ],
        )
        for task in task_list.tasks.select_related("category", "lead_unit")
        .prefetch_related("supports__unit", "targets")
        .order_by("order")
    ]


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("reform-tasks.xlsx", None),
        ("service-items.xlsx", None),
        ("policies.xlsx", None),
        ("campaign-targets.xlsx", None),
        ("campaign-targets-paired.xlsx", None),
        ("plan-document.txt", PLAN_CHOICES),
    ],
)
def test_import_export_import_gives_the_same_tasks(
    client, campaign, coordinator, password, name, choices
):
    first = tasklist_import(
        campaign=campaign, data=sample(name), filename=name, unit_choices=choices
    )
    assert first.errors == []
    task_list = first.result.task_list
    client.login(username=coordinator.username, password=password)

    exported = _export(client, campaign, task_list)
    again = tasklist_import(
        campaign=campaign, data=exported, filename="export.xlsx", task_list=task_list
    )
    copy = tasklist_import(
        campaign=campaign, data=exported, filename="export.xlsx", list_name="副本"
    )

    assert again.errors == [] and copy.errors == []
    assert (again.summary["created"], again.summary["updated"]) == (0, 0)
    assert again.summary["unchanged"] == task_list.tasks.count()
    assert _tasks(copy.result.task_list) == _tasks(task_list)


def test_export_keeps_the_layout_title_category_rows_and_adds_progress(
    client, campaign, coordinator, password
):
    task_list = tasklist_import(
        campaign=campaign, data=sample("reform-tasks.xlsx"), filename="reform-tasks.xlsx"
    ).result.task_list
    task = task_list.tasks.get(code="1")
    report_record(task=task, by=coordinator, unit=task.lead_unit, text="已召开专题会议", percent=40)
    client.login(username=coordinator.username, password=password)

    data = _export(client, campaign, task_list)

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "青岛西海岸新区打造精简高效政务新生态改革攻坚任务清单"
    assert rows[1][0].startswith("填报单位：区营商环境建设办公室")
    assert list(rows[2]) == [
        "序号",
        "改革攻坚任务",
        "具体目标",
        "任务来源",
        "责任单位",
        "主要责任人",
        "分管责任人",
        "具体责任人",
        "完成时限",
        "备注",
        "任务状态",
        "完成进度（%）",
        "预警",
        "最新进展",
        "进展更新时间",
    ]
    assert rows[3][0] == "一、深化工程建设项目审批制度改革（14项）"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:O1", "A2:O2", "A4:O4"} <= merged
    first = rows[4]
    assert first[:10] == (
        1,
        "完善工程建设项目帮办代办服务",
        "到2020年底，工程建设项目领域办理时间较上年压减30%以上，企业群众满意度达到95%。",
        "深圳市",
        "区行政审批服务局",
        "郭德明",
        "刘秀英",
        "赵志强",
        "2020年10月",
        "需市级部门支持",
    )
    assert first[10] == "推进中" and first[11] == 40 and first[12] in ("红灯", "黄灯", "绿灯")
    assert first[13] == "已召开专题会议"
    assert isinstance(first[14], dt.datetime)
    assert sum(1 for row in rows if row[0] and str(row[0]).endswith("项）")) == 17
    assert len([row for row in rows if isinstance(row[0], int)]) == 294


def test_targets_are_exported_with_how_far_they_got(client, campaign, coordinator, password):
    task_list = tasklist_import(
        campaign=campaign, data=sample("campaign-targets.xlsx"), filename="t.xlsx"
    ).result.task_list
    client.login(username=coordinator.username, password=password)

    rows = _rows(_export(client, campaign, task_list))

    header = rows[1]
    assert header[-1] == "指标完成情况"
    first = rows[2]
    assert first[header.index("指标名称")] == "零跑动事项可办率(%)"
    assert first[header.index("目标值")] == 65 and first[header.index("现状值")] == 55
    assert first[-1] == "零跑动事项可办率(%)：55/65（0%）"


def test_cells_a_spreadsheet_would_run_are_escaped_and_come_back_unescaped(
    client, campaign, coordinator, password
):
    book = openpyxl.Workbook()
    rows = [
        ["序号", "工作任务", "牵头单位", "完成时限", "备注"],
        [1, '=HYPERLINK("http://evil.example","点击")', "区财政局", "6月底前", "+1+1"],
        [2, "-2+3", "区财政局", "6月底前", "@SUM(A1)"],
        [3, "\t=cmd", "区财政局", "6月底前", "普通备注"],
    ]
    for row in rows:
        book.active.append(row)
    for row in book.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that looks like a formula, as a list may hold
    buffer = io.BytesIO()
    book.save(buffer)
    report = tasklist_import(campaign=campaign, data=buffer.getvalue(), filename="x.xlsx")
    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.tasks.get(code="1").title.startswith("=HYPERLINK")
    client.login(username=coordinator.username, password=password)

    exported = _export(client, campaign, task_list)

    book = openpyxl.load_workbook(io.BytesIO(exported))
    cells = [cell for row in book.worksheets[0].iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert '\'=HYPERLINK("http://evil.example","点击")' in values
    assert "'-2+3" in values and "'+1+1" in values and "'@SUM(A1)" in values
    again = tasklist_import(
        campaign=campaign, data=exported, filename="e.xlsx", task_list=task_list
    )
    assert again.summary["unchanged"] == 3


def test_export_holds_only_the_tasks_the_reader_may_see(client, campaign, password, directory):
    task_list = tasklist_import(
        campaign=campaign, data=sample("campaign-targets.xlsx"), filename="t.xlsx"
    ).result.task_list
    unit = directory["区司法局"]
    UserFactory(username="staff", unit=unit, roles=[Role.STAFF])
    visible = set(
        Task.objects.filter(task_list=task_list, lead_unit=unit).values_list("code", flat=True)
    ) | set(
        TaskSupport.objects.filter(task__task_list=task_list, unit=unit).values_list(
            "task__code", flat=True
        )
    )
    assert 0 < len(visible) < 10
    client.login(username="staff", password=password)

    rows = _rows(_export(client, campaign, task_list))

    assert {str(row[0]) for row in rows[2:]} == visible


def test_export_follows_the_filters_of_the_list_page(client, campaign, coordinator, password):
    task_list = tasklist_import(
        campaign=campaign, data=sample("policies.xlsx"), filename="p.xlsx"
    ).result.task_list
    task = task_list.tasks.get(code="7")
    task_update(task=task, by=coordinator, deadline=dt.date(2000, 1, 1))
    client.login(username=coordinator.username, password=password)

    rows = _rows(_export(client, campaign, task_list, light="red"))

    assert [row[0] for row in rows[1:]][1:] == [7]


def test_export_is_refused_to_those_who_cannot_read_the_campaign(client, campaign, password):
    task_list = tasklist_import(
        campaign=campaign, data=sample("policies.xlsx"), filename="p.xlsx"
    ).result.task_list
    url = reverse("campaigns:list_export", args=[campaign.slug, task_list.pk])
    assert client.get(url).status_code == 302
    UserFactory(username="auditor", roles=[Role.AUDITOR])
    client.login(username="auditor", password=password)
    assert client.get(url).status_code == 404


def test_export_costs_the_same_queries_for_few_or_many_tasks(
    client, campaign, coordinator, password
):
    small = tasklist_import(
        campaign=campaign, data=sample("campaign-targets.xlsx"), filename="a"
    ).result
    large = tasklist_import(
        campaign=campaign, data=sample("reform-tasks.xlsx"), filename="b"
    ).result
    client.login(username=coordinator.username, password=password)

    def queries(task_list) -> int:
        with CaptureQueriesContext(connection) as captured:
            _export(client, campaign, task_list)
        return len(captured.captured_queries)

    assert queries(small.task_list) == queries(large.task_list)


@pytest.mark.parametrize("kind", ["reform", "policy", "service", "checklist", "measure"])
def test_a_blank_template_per_kind_imports_once_filled(
    client, campaign, coordinator, password, kind
):
    client.login(username=coordinator.username, password=password)
    response = client.get(reverse("campaigns:list_template", args=[campaign.slug, kind]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[2]]
    row = []
    for header in headers:
        row.append(
            {
                "序号": 1,
                "类别": "第一类",
                "责任单位": "区财政局",
                "执行单位": "区财政局",
                "实施单位": "区财政局",
                "配合单位": "区税务局",
                "完成时限": "年底前",
            }.get(header, "内容")
        )
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)

    report = tasklist_import(
        campaign=campaign, data=buffer.getvalue(), filename="t.xlsx", list_name=kind
    )

    assert report.errors == []
    assert report.result.task_list.kind == kind
    assert report.result.task_list.tasks.get().lead_unit.name == "区财政局"


def test_a_list_with_one_sheet_per_category_is_exported_the_same_way(
    client, campaign, coordinator, password
):
    book = openpyxl.Workbook()
    for index, name in enumerate(["工程建设", "不动产登记"]):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        sheet.append(["序号", "任务名称", "责任单位", "完成时限"])
        sheet.append([1, f"{name}任务一", "区财政局", "6月底前"])
        sheet.append([2, f"{name}任务二", "区税务局", "年底前"])
    buffer = io.BytesIO()
    book.save(buffer)
    task_list = tasklist_import(
        campaign=campaign, data=buffer.getvalue(), filename="s.xlsx", list_name="分表清单"
    ).result.task_list
    assert sorted(task_list.tasks.values_list("code", flat=True)) == ["1-1", "1-2", "2-1", "2-2"]
    client.login(username=coordinator.username, password=password)

    exported = _export(client, campaign, task_list)

    assert openpyxl.load_workbook(io.BytesIO(exported)).sheetnames == ["工程建设", "不动产登记"]
    again = tasklist_import(
        campaign=campaign, data=exported, filename="e.xlsx", task_list=task_list
    )
    assert again.errors == [] and again.summary["unchanged"] == 4


def test_a_list_that_was_never_imported_exports_in_its_kinds_layout(
    client, campaign, coordinator, password
):
    from campaigns.exporting import KIND_HEADERS
    from tests.factories import TaskFactory, TaskListFactory

    task_list = TaskListFactory(campaign=campaign, name="督查清单", kind="checklist")
    # A question has no deadline: the checklist's layout has no column for one.
    TaskFactory(task_list=task_list, code="1", order=1, title="是否公开办事指南", deadline=None)
    client.login(username=coordinator.username, password=password)

    rows = _rows(_export(client, campaign, task_list))

    assert rows[0][0] == "督查清单"
    # Questions are not work: no status, progress or light columns after the layout's own.
    assert list(rows[1]) == KIND_HEADERS["checklist"]
    assert rows[2][0] == 1 and rows[2][2] == "是否公开办事指南"
    data = _export(client, campaign, task_list)
    again = tasklist_import(campaign=campaign, data=data, filename="e.xlsx", task_list=task_list)
    assert again.errors == [], again.errors
    assert again.summary["unchanged"] == 1, [r.changes for r in again.plan.rows]
