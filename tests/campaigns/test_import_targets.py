"""Targets on import: repeated indicator groups, a service list's paired columns, re-imports,
the export giving them back."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Unit
from campaigns.exporting import template_workbook
from campaigns.importing.targets import read_count
from campaigns.models import TaskList
from campaigns.services.imports import tasklist_import
from tasks.models import Target, TaskEvent
from tests.campaigns.conftest import sample, xlsx

pytestmark = pytest.mark.django_db

SERVICE_HEADERS = [
    "序号",
    "事项名称",
    "实施单位",
    "现办理时限",
    "压缩后时限",
    "现申请材料",
    "精简后材料",
]


def _targets(task_list) -> list[tuple]:
    return [
        (t.task.code, t.order, t.metric, t.unit_of_measure, t.direction)
        + (t.baseline, t.target_value, t.current_value)
        for t in Target.objects.filter(task__task_list=task_list)
        .select_related("task")
        .order_by("task__order", "order")
    ]


def test_service_items_sample_gives_162_items_with_2_targets_each(campaign):
    report = tasklist_import(
        campaign=campaign, data=sample("service-items.xlsx"), filename="service-items.xlsx"
    )

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.tasks.count() == 162
    assert Target.objects.filter(task__task_list=task_list).count() == 324
    assert all(task.targets.count() == 2 for task in task_list.tasks.all())
    first = task_list.tasks.get(code="1")
    limit, documents = first.targets.order_by("order")
    # 现办理时限 7 → 目标 4 working days; 4 documents → 4.
    assert (limit.metric, limit.unit_of_measure, limit.direction) == ("办理时限", "工作日", "lower")
    assert (limit.baseline, limit.current_value, limit.target_value) == (
        Decimal("7.00"),
        Decimal("7.00"),
        Decimal("4.00"),
    )
    assert (documents.metric, documents.unit_of_measure) == ("申请材料", "件")
    assert documents.achieved  # already at 4 documents
    # Their cells are the targets, not extra columns; the other columns stay extras.
    assert "现办理时限（工作日）" not in first.extra
    assert first.extra["是否实现网办即办"] == "是"


def test_the_paired_district_list_gives_10_tasks_and_12_targets(campaign):
    report = tasklist_import(
        campaign=campaign,
        data=sample("campaign-targets-paired.xlsx"),
        filename="campaign-targets-paired.xlsx",
    )

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.tasks.count() == 10
    assert Target.objects.filter(task__task_list=task_list).count() == 12
    first = task_list.tasks.get(code="1")
    assert [
        (t.metric, t.target_value, t.current_value, t.direction)
        for t in first.targets.order_by("order")
    ] == [
        ("零跑动事项可办率(%)", Decimal("65.00"), Decimal("55.00"), "higher"),
        ("零跑动可办事项使用率(%)", Decimal("60.00"), Decimal("21.00"), "higher"),
    ]
    # The history reads the values as written: 60, not 6E+1.
    imported = TaskEvent.objects.get(task=first, kind=TaskEvent.Kind.IMPORTED)
    assert [(t["target_value"], t["current_value"]) for t in imported.after["targets"]] == [
        ("65", "55"),
        ("60", "21"),
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [("60.00", "60"), ("100", "100"), ("2000.00", "2000"), ("0", "0"), ("65.5", "65.5")],
)
def test_decimals_go_into_history_and_previews_without_exponents(value, written):
    from campaigns.services.import_steps.comparing import decimal_json

    assert decimal_json(Decimal(value)) == written


def test_the_single_target_layout_still_gives_10_targets(campaign):
    report = tasklist_import(
        campaign=campaign, data=sample("campaign-targets.xlsx"), filename="campaign-targets.xlsx"
    )

    assert report.errors == []
    assert Target.objects.filter(task__task_list=report.result.task_list).count() == 10


@pytest.mark.parametrize(
    ("written", "number"),
    [
        (20, Decimal("20.00")),
        ("20个工作日", Decimal("20.00")),
        ("5件", Decimal("5.00")),
        ("即办", Decimal("0.00")),
        ("当场办结", Decimal("0.00")),
        (" 3 天", Decimal("3.00")),
        ("—", None),
        (None, None),
    ],
)
def test_time_limits_and_documents_read_as_written(written, number):
    assert read_count(written) == number


def test_an_unreadable_paired_value_skips_only_that_target_with_a_warning_in_chinese(campaign):
    Unit.objects.get_or_create(name="区市场监管局")
    data = xlsx(
        [
            ["服务事项清单"],
            SERVICE_HEADERS,
            [1, "企业开办", "区市场监管局", "20个工作日", "即办", "5件", "3件"],
            [2, "食品经营许可", "区市场监管局", "视情况而定", "5", 6, 2],
        ]
    )

    with translation.override("zh-hans"):
        report = tasklist_import(campaign=campaign, data=data, filename="s.xlsx")

    assert report.errors == []
    rows = _targets(report.result.task_list)
    assert [
        (code, metric, base, target) for code, _o, metric, _u, _d, base, target, _c in rows
    ] == [
        ("1", "办理时限", Decimal("20.00"), Decimal("0.00")),
        ("1", "申请材料", Decimal("5.00"), Decimal("3.00")),
        ("2", "申请材料", Decimal("6.00"), Decimal("2.00")),
    ]
    # The documents target keeps its place (order 1) although the first group is empty;
    # the cells that could not be read stay on the task as written.
    assert [order for _c, order, *_rest in rows] == [0, 1, 1]
    task = report.result.task_list.tasks.get(code="2")
    assert task.extra == {"现办理时限": "视情况而定", "压缩后时限": "5"}
    warnings = [i.message for i in report.plan.warnings if i.code == "target_value"]
    assert len(warnings) == 1
    assert warnings[0].startswith("第4行“现办理时限”列")
    assert "视情况而定" in warnings[0]


def test_a_reimport_changes_one_target_value_and_records_it(campaign, coordinator):
    first = tasklist_import(
        campaign=campaign,
        data=sample("campaign-targets-paired.xlsx"),
        filename="a.xlsx",
        by=coordinator,
    )
    task_list = first.result.task_list
    book = openpyxl.load_workbook(io.BytesIO(sample("campaign-targets-paired.xlsx")))
    sheet = book.active
    assert sheet["L3"].value == 21  # task 1's 使用率, now 21 %
    sheet["L3"] = 35
    buffer = io.BytesIO()
    book.save(buffer)
    before = _targets(task_list)

    again = tasklist_import(
        campaign=campaign, data=buffer.getvalue(), filename="b.xlsx", task_list=task_list
    )

    assert again.errors == []
    assert (again.summary["updated"], again.summary["unchanged"]) == (1, 9)
    after = _targets(task_list)
    assert len(after) == 12
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 1
    assert changed[0][1][:3] == ("1", 1, "零跑动可办事项使用率(%)")
    assert changed[0][1][-1] == Decimal("35.00")
    event = TaskEvent.objects.filter(task__task_list=task_list, task__code="1").latest("id")
    assert event.before["targets"][0]["current_value"] == "21"
    assert event.after["targets"][0]["current_value"] == "35"


def test_a_renamed_metric_updates_the_target_at_its_place(campaign):
    Unit.objects.get_or_create(name="区市场监管局")
    rows = [["清单"], ["序号", "任务", "牵头单位", "指标名称", "目标值", "现状值"]]
    first = tasklist_import(
        campaign=campaign,
        data=xlsx([*rows, [1, "任务一", "区市场监管局", "办结率(%)", 90, 50]]),
        filename="a.xlsx",
    )
    task_list = first.result.task_list

    tasklist_import(
        campaign=campaign,
        data=xlsx([*rows, [1, "任务一", "区市场监管局", "按时办结率(%)", 90, 60]]),
        filename="b.xlsx",
        task_list=task_list,
    )

    (target,) = Target.objects.filter(task__task_list=task_list)
    assert (target.metric, target.current_value) == ("按时办结率(%)", Decimal("60.00"))


def _service_rows(count: int, seed: int) -> bytes:
    return xlsx(
        [
            ["服务事项清单"],
            SERVICE_HEADERS,
            *(
                [n, f"事项{n}", "区市场监管局", 20 + seed, f"{5 + n % 3}个工作日", 8, f"{n % 5}件"]
                for n in range(1, count + 1)
            ),
        ]
    )


def test_the_query_count_of_targets_does_not_grow_with_the_rows(campaign):
    Unit.objects.get_or_create(name="区市场监管局")
    results = []
    for count in (20, 200):
        name = f"list-{count}"
        with CaptureQueriesContext(connection) as created:
            tasklist_import(
                campaign=campaign, data=_service_rows(count, 0), filename="a", list_name=name
            )
        with CaptureQueriesContext(connection) as updated:
            report = tasklist_import(
                campaign=campaign, data=_service_rows(count, 1), filename="b", list_name=name
            )
        assert report.summary["updated"] == count
        assert Target.objects.filter(task__task_list__name=name).count() == 2 * count
        results.append((len(created.captured_queries), len(updated.captured_queries)))

    assert results[0] == results[1]


def test_export_gives_the_repeated_and_paired_columns_back(client, campaign, coordinator, password):
    report = tasklist_import(
        campaign=campaign,
        data=sample("campaign-targets-paired.xlsx"),
        filename="campaign-targets-paired.xlsx",
    )
    task_list = report.result.task_list
    Target.objects.filter(task__task_list=task_list, task__code="1", order=1).update(
        current_value=Decimal("40")
    )
    client.login(username=coordinator.username, password=password)

    data = client.get(reverse("campaigns:list_export", args=[campaign.slug, task_list.pk])).content

    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[2][6:12] == ("零跑动事项可办率(%)", 65, 55, "零跑动可办事项使用率(%)", 60, 40)
    again = tasklist_import(campaign=campaign, data=data, filename="e.xlsx", task_list=task_list)
    assert again.errors == []
    assert (again.summary["created"], again.summary["updated"]) == (0, 0)


def test_the_service_template_offers_the_paired_columns():
    data = template_workbook(kind=TaskList.Kind.SERVICE, title="清单")

    headers = next(
        openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True)
    )
    assert {
        "现办理时限（工作日）",
        "目标办理时限（工作日）",
        "现申请材料（件）",
        "目标申请材料（件）",
    } <= set(headers)
