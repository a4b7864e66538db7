"""The import engine against the database: samples, re-imports, unit names, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit, UnitAlias
from benchmarks.generate import UNITS as BENCH_UNITS
from benchmarks.generate import reform_workbook
from campaigns.models import TaskList
from campaigns.services.imports import import_read, tasklist_import
from tasks.models import Target, Task, TaskEvent
from tests.campaigns.conftest import PLAN_CHOICES, counts, sample, xlsx

pytestmark = pytest.mark.django_db


def test_reform_tasks_sample_imports_294_tasks_in_17_categories_every_lead_resolved(
    campaign, coordinator
):
    report = tasklist_import(
        campaign=campaign,
        data=sample("reform-tasks.xlsx"),
        filename="reform-tasks.xlsx",
        by=coordinator,
    )

    assert report.errors == []
    assert report.as_json() == {
        "tasks": 294,
        "categories": 17,
        "created": 294,
        "updated": 0,
        "units_unresolved": 0,
        "errors": [],
    }
    task_list = report.result.task_list
    assert task_list.name == "青岛西海岸新区打造精简高效政务新生态改革攻坚任务清单"
    assert task_list.kind == TaskList.Kind.REFORM
    assert task_list.tasks.count() == 294
    assert task_list.categories.count() == 17
    first = task_list.categories.order_by("order").first()
    assert (first.code, first.name) == ("一", "深化工程建设项目审批制度改革")
    assert first.tasks.count() == 14
    assert not task_list.tasks.filter(category__isnull=True).exists()
    task = task_list.tasks.get(code="1")
    assert task.title == "完善工程建设项目帮办代办服务"
    assert task.lead_unit.name == "区行政审批服务局"
    assert (task.principal_owner_name, task.leader_in_charge_name, task.specific_owner_name) == (
        "郭德明",
        "刘秀英",
        "赵志强",
    )
    assert (task.deadline, task.deadline_text) == (dt.date(2020, 10, 31), "2020年10月")
    assert task.extra == {"备注": "需市级部门支持"}
    # Several units in one cell: the first leads, the others support.
    task4 = task_list.tasks.get(code="4")
    assert task4.lead_unit.name == "区自然资源局"
    assert {s.unit.name for s in task4.supports.all()} == {"区发展改革局", "区行政审批服务局"}
    # An abbreviated name resolves through its alias.
    assert task_list.tasks.filter(lead_unit__name="区住房城乡建设局").exists()
    # The year of 6月底前 comes from the campaign; ongoing tasks have no date.
    assert task_list.tasks.filter(deadline_text="6月底前", deadline=dt.date(2020, 6, 30)).exists()
    assert (
        task_list.tasks.filter(deadline_text="长期坚持", ongoing=True, deadline=None).count() == 31
    )
    events = TaskEvent.objects.filter(task__task_list=task_list)
    assert events.count() == 294
    assert set(events.values_list("kind", flat=True)) == {TaskEvent.Kind.IMPORTED}
    assert events.filter(actor=coordinator).count() == 294


def test_a_lead_marked_in_the_cell_leads(campaign, coordinator):
    report = tasklist_import(
        campaign=campaign, data=sample("reform-tasks.xlsx"), filename="r.xlsx", by=coordinator
    )

    marked = Task.objects.filter(task_list=report.result.task_list, supports__isnull=False)
    task = next(t for t in marked if t.lead_unit.name == "区纪委监委")
    assert "区工商联" in {s.unit.name for s in task.supports.all()}


def test_service_items_sample_imports_162_items_in_15_classes_keeping_extra_columns(
    campaign, coordinator
):
    report = tasklist_import(
        campaign=campaign, data=sample("service-items.xlsx"), filename="service-items.xlsx"
    )

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.kind == TaskList.Kind.SERVICE
    assert task_list.tasks.count() == 162
    assert task_list.categories.count() == 15
    task = task_list.tasks.get(code="1")
    assert task.category.name == "新生儿出生"
    # The time limits and documents are the task's targets now (test_import_targets.py).
    assert "现办理时限（工作日）" not in task.extra
    assert task.targets.get(order=0).current_value == 7
    assert task.extra["是否实现网办即办"] == "是"
    assert task.specific_owner_name == "林文静"


def test_policies_sample_imports_120_policies(campaign):
    report = tasklist_import(
        campaign=campaign, data=sample("policies.xlsx"), filename="policies.xlsx"
    )

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.kind == TaskList.Kind.POLICY
    assert task_list.tasks.count() == 120
    assert task_list.tasks.get(code="1").extra["文号"] == "青西新管发〔2018〕1号"


def test_campaign_targets_sample_imports_10_tasks_with_targets_and_supporting_units(campaign):
    report = tasklist_import(
        campaign=campaign, data=sample("campaign-targets.xlsx"), filename="campaign-targets.xlsx"
    )

    assert report.errors == []
    tasks = report.result.task_list.tasks.all()
    assert len(tasks) == 10
    assert all(task.targets.count() == 1 for task in tasks)
    assert all(task.supports.exists() for task in tasks)
    first = tasks.get(code="1")
    target = first.targets.get()
    assert (target.metric, target.unit_of_measure) == ("零跑动事项可办率(%)", "%")
    assert (target.target_value, target.current_value) == (Decimal("65.00"), Decimal("55.00"))
    assert target.direction == Target.Direction.HIGHER
    # 区大数据管理中心 is an alias of 区大数据局.
    assert {s.unit.name for s in first.supports.all()} == {"区大数据局", "区司法局"}
    assert first.leader_in_charge_name == "杨志强"
    assert first.deadline == dt.date(2022, 12, 31)


def test_plan_document_imports_9_tasks_in_their_sections_with_leads_and_deadlines(campaign):
    report = tasklist_import(
        campaign=campaign,
        data=sample("plan-document.txt"),
        filename="plan-document.txt",
        unit_choices=PLAN_CHOICES,
    )

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.name == "某区深化“放管服”改革优化营商环境重点任务分工方案"
    tasks = {task.code: task for task in task_list.tasks.select_related("category", "lead_unit")}
    assert sorted(tasks, key=int) == [str(n) for n in range(1, 10)]
    assert [(c.code, c.name) for c in task_list.categories.order_by("order")] == [
        ("一", "推进简政放权，激发市场活力"),
        ("（一）", "精简审批事项，提升行政效能"),
        ("（二）", "深化投资审批制度改革"),
        ("二", "创新监管方式，维护公平竞争"),
        ("（一）", "推进“双随机、一公开”监管全覆盖"),
        ("三", "优化政务服务，提升办事便利度"),
    ]
    expected = {
        "1": ("精简审批事项，提升行政效能", "区政府办公室", None, False),
        "2": ("精简审批事项，提升行政效能", "区司法局", dt.date(2021, 6, 30), False),
        "3": ("精简审批事项，提升行政效能", "区政府办公室", dt.date(2021, 9, 30), False),
        "4": ("深化投资审批制度改革", "区行政审批服务局", dt.date(2021, 12, 31), False),
        "5": ("深化投资审批制度改革", "区发展改革局", None, True),
        "6": ("推进“双随机、一公开”监管全覆盖", "区市场监管局", dt.date(2021, 12, 31), False),
        "7": ("推进“双随机、一公开”监管全覆盖", "区发展改革局", None, True),
        "8": ("优化政务服务，提升办事便利度", "区行政审批服务局", dt.date(2021, 12, 31), False),
        "9": ("优化政务服务，提升办事便利度", "区行政审批服务局", dt.date(2021, 10, 31), False),
    }
    for code, (category, lead, deadline, ongoing) in expected.items():
        task = tasks[code]
        assert (task.category.name, task.lead_unit.name, task.deadline, task.ongoing) == (
            category,
            lead,
            deadline,
            ongoing,
        ), code
    # Two leads named: the first leads, the second supports.
    assert {s.unit.name for s in tasks["2"].supports.all()} == {
        "区行政审批服务局",
        "区政府有关部门",
    }
    assert tasks["2"].deadline_text == "2021年6月底前"
    assert tasks["3"].supports.count() == 0  # 区司法局等有关部门 was ignored
    assert Unit.objects.filter(name__in=["区政府有关部门", "各街道"]).count() == 2


def test_plan_as_a_word_document_gives_the_same_tasks(campaign):
    import docx

    document = docx.Document()
    for line in sample("plan-document.txt").decode("utf-8").splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)

    report = tasklist_import(
        campaign=campaign, data=buffer.getvalue(), filename="方案.docx", unit_choices=PLAN_CHOICES
    )

    assert report.errors == []
    assert report.result.task_list.tasks.count() == 9
    assert report.result.task_list.categories.count() == 6


def test_reimporting_a_revised_list_updates_tasks_by_number_and_records_what_changed(
    campaign, coordinator, directory
):
    header = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限", "备注"]
    first = xlsx(
        [
            ["任务清单"],
            header,
            [1, "推行容缺受理", "区行政审批服务局", "区司法局", "6月底前", None],
            [2, "推进区域评估", "区发展改革局", None, "年底前", None],
            [3, "公开抽查结果", "区市场监管局", None, "长期坚持", None],
        ],
        merges=("A1:F1",),
    )
    report = tasklist_import(
        campaign=campaign, data=first, filename="v1.xlsx", by=coordinator, publish=True
    )
    task_list = report.result.task_list
    task = task_list.tasks.get(code="1")
    Task.objects.filter(pk=task.pk).update(progress=40)
    revised = xlsx(
        [
            ["任务清单"],
            header,
            [1, "全面推行容缺受理", "区行政审批服务局", "区司法局、区财政局", "9月底前", "已调整"],
            [2, "推进区域评估", "区发展改革局", None, "年底前", None],
            [4, "新增的任务", "区财政局", None, "2020.12.31", None],
        ],
        merges=("A1:F1",),
    )

    report = tasklist_import(
        campaign=campaign, data=revised, filename="v2.xlsx", by=coordinator, publish=True
    )

    assert report.errors == []
    assert (report.summary["created"], report.summary["updated"], report.summary["unchanged"]) == (
        1,
        1,
        1,
    )
    assert report.summary["missing"] == 1  # task 3 is not in the file and is kept
    assert task_list.tasks.count() == 4
    task.refresh_from_db()
    assert task.title == "全面推行容缺受理"
    assert (task.deadline, task.deadline_text) == (dt.date(2020, 9, 30), "9月底前")
    assert task.extra == {"备注": "已调整"}
    assert task.progress == 40  # progress comes from reports, not from the file
    assert task.version == 3  # published, then revised
    assert {s.unit.name for s in task.supports.all()} == {"区司法局", "区财政局"}
    event = TaskEvent.objects.filter(task=task).order_by("-id").first()
    assert event.kind == TaskEvent.Kind.IMPORTED
    assert event.actor == coordinator
    assert event.before["title"] == "推行容缺受理"
    assert event.after["title"] == "全面推行容缺受理"
    assert event.before["deadline"] == "2020-06-30" and event.after["deadline"] == "2020-09-30"
    assert len(event.after["supporting_unit_ids"]) == 2
    assert "code" not in event.after and "lead_unit_id" not in event.after  # unchanged fields
    # Task 2 did not change: its creation and its publication, nothing from the revision.
    assert TaskEvent.objects.filter(task__code="2", task__task_list=task_list).count() == 2


def test_a_file_with_any_error_writes_nothing(campaign, coordinator):
    data = xlsx(
        [
            ["序号", "工作任务", "牵头单位", "完成时限"],
            [1, "推行容缺受理", "区行政审批服务局", "6月底前"],
            [2, "推进区域评估", "区外星局", "年底前"],
            [2, "重复的序号", "区财政局", "年底前"],
        ]
    )
    before = counts()

    report = tasklist_import(campaign=campaign, data=data, filename="bad.xlsx", by=coordinator)

    assert report.result is None
    messages = [issue.message for issue in report.errors]
    assert any("第3行“牵头单位”列" in m and "区外星局" in m for m in messages), messages
    assert any("第4行" in m and "2" in m for m in messages), messages
    assert {(e["row"], e["column"]) for e in report.as_json()["errors"]} >= {(3, "牵头单位")}
    assert counts() == before


def test_a_confirmed_suggestion_is_remembered_as_an_alias(campaign, directory):
    data = xlsx([["序号", "工作任务", "牵头单位", "完成时限"], [1, "任务", "区住建局", "年底前"]])

    first = tasklist_import(campaign=campaign, data=data, filename="a.xlsx", dry_run=True)
    unit = first.plan.units["区住建局"]
    assert unit.how == "none"
    assert unit.suggestions[0]["name"] == "区住房城乡建设局"
    assert first.as_json()["units_unresolved"] == 1

    chosen = {"区住建局": {"unit": unit.suggestions[0]["id"]}}
    report = tasklist_import(campaign=campaign, data=data, filename="a.xlsx", unit_choices=chosen)

    assert report.errors == []
    alias = UnitAlias.objects.get(alias="区住建局")
    assert alias.unit == directory["区住房城乡建设局"]
    again = tasklist_import(campaign=campaign, data=data, filename="a.xlsx", list_name="另一个清单")
    assert again.errors == [] and again.plan.units["区住建局"].how == "alias"


def test_dry_run_writes_nothing(campaign):
    before = counts()

    report = tasklist_import(
        campaign=campaign, data=sample("policies.xlsx"), filename="p.xlsx", dry_run=True
    )

    assert report.summary["created"] == 120
    assert counts() == before


def test_a_cell_merged_down_applies_to_every_row_it_spans(campaign):
    data = xlsx(
        [
            ["序号", "工作任务", "牵头单位", "完成时限"],
            [1, "任务一", "区财政局", "6月底前"],
            [2, "任务二", None, "9月底前"],
            [3, "任务三", None, "年底前"],
        ],
        merges=("C2:C4",),
    )

    report = tasklist_import(campaign=campaign, data=data, filename="m.xlsx")

    assert report.errors == []
    leads = set(report.result.task_list.tasks.values_list("lead_unit__name", flat=True))
    assert leads == {"区财政局"}


def test_the_query_count_does_not_grow_with_the_rows(campaign, coordinator):
    Unit.objects.bulk_create([Unit(name=name) for name in BENCH_UNITS], ignore_conflicts=True)
    small, large = reform_workbook(40), reform_workbook(400)

    def queries(data: bytes, name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            report = tasklist_import(campaign=campaign, data=data, filename=name, list_name=name)
        assert report.errors == [] and report.result is not None
        return len(captured.captured_queries)

    few = queries(small, "small")
    many = queries(large, "large")

    assert many == few
    assert many <= 50


def test_query_count_of_a_reimport_does_not_grow_either(campaign, coordinator):
    Unit.objects.bulk_create([Unit(name=name) for name in BENCH_UNITS], ignore_conflicts=True)
    results = []
    for rows in (30, 300):
        name = f"list-{rows}"
        tasklist_import(
            campaign=campaign,
            data=reform_workbook(rows, seed=1),
            filename="a",
            list_name=name,
            publish=True,
        )
        with CaptureQueriesContext(connection) as captured:
            report = tasklist_import(
                campaign=campaign,
                data=reform_workbook(rows, seed=2),
                filename="b",
                list_name=name,
                publish=True,
            )
        assert report.errors == [] and report.summary["updated"] > 0
        results.append(len(captured.captured_queries))

    assert results[0] == results[1]


def test_a_list_sent_as_a_table_in_a_word_document_reads_like_a_sheet(campaign):
    import docx

    document = docx.Document()
    document.add_paragraph("附件1")
    document.add_paragraph("2020年重点任务清单")
    table = document.add_table(rows=4, cols=5)
    for column, text in enumerate(["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]):
        table.cell(0, column).text = text
    table.cell(1, 0).merge(table.cell(1, 4)).text = "一、简政放权"
    for row, (code, title, deadline) in enumerate(
        [(1, "推行容缺受理", "6月底前"), (2, "推行告知承诺", "长期坚持")], start=2
    ):
        table.cell(row, 0).text = str(code)
        table.cell(row, 1).text = title
        table.cell(row, 4).text = deadline
    table.cell(2, 2).merge(table.cell(3, 2)).text = "区财政局"
    table.cell(2, 3).text = "区税务局\n区司法局"
    buffer = io.BytesIO()
    document.save(buffer)

    report = tasklist_import(campaign=campaign, data=buffer.getvalue(), filename="清单.docx")

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.name == "2020年重点任务清单"
    first, second = task_list.tasks.order_by("order")
    assert (first.title, first.lead_unit.name, first.category.name) == (
        "推行容缺受理",
        "区财政局",
        "简政放权",
    )
    assert {s.unit.name for s in first.supports.all()} == {"区税务局", "区司法局"}
    assert (second.lead_unit.name, second.ongoing) == ("区财政局", True)


def test_a_checked_file_lets_its_parsed_rows_go_and_keeps_their_counts(campaign):
    source = import_read(data=reform_workbook(30), filename="r.xlsx")
    sheet = source.sheets[0]
    rows, categories = len(sheet.rows), len(sheet.categories)

    drafts = source.drafts(default_year=campaign.year)

    assert len(drafts.tasks) == rows == 30
    assert source.sheets[0].rows == []
    assert source.size(source.sheets[0]) == (rows, categories)
    assert source.drafts(default_year=campaign.year) is drafts
    with pytest.raises(ValueError):
        source.drafts(default_year=campaign.year + 1)
