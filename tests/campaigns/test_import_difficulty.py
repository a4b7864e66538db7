"""A 难度系数 column sets each task's difficulty; imported work waits for 签收."""

import io
from decimal import Decimal

import openpyxl
import pytest

from campaigns.selectors import list_export
from campaigns.services.imports import tasklist_import
from tasks.models import Task, TaskEvent
from tasks.services import task_acknowledge
from tests.campaigns.conftest import counts, xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["序号", "工作任务", "牵头单位", "完成时限", "难度系数"]


def _import(campaign, coordinator, rows, **kwargs):
    return tasklist_import(
        campaign=campaign,
        data=xlsx(rows),
        filename="list.xlsx",
        by=coordinator,
        list_name="攻坚清单",
        list_kind="reform",
        **kwargs,
    )


def test_the_difficulty_column_is_read_and_an_empty_cell_gives_the_default(campaign, coordinator):
    report = _import(
        campaign,
        coordinator,
        [
            HEADER,
            [1, "推行容缺受理", "区行政审批服务局", "年底前", 2.5],
            [2, "推进区域评估", "区发展改革局", "年底前", None],
            [3, "优化审批流程", "区财政局", "年底前", "1.25"],
        ],
    )

    assert not report.errors, report.errors
    values = dict(Task.objects.values_list("code", "difficulty"))
    assert values == {"1": Decimal("2.5"), "2": Decimal("1.0"), "3": Decimal("1.3")}
    assert any("1.25" in issue.message for issue in report.plan.warnings)


def test_a_difficulty_that_is_no_number_or_out_of_range_is_refused_by_row_and_column(
    campaign, coordinator
):
    before = counts()

    report = _import(
        campaign,
        coordinator,
        [
            HEADER,
            [1, "推行容缺受理", "区行政审批服务局", "年底前", "很难"],
            [2, "推进区域评估", "区发展改革局", "年底前", 5],
        ],
    )

    assert report.result is None
    found = {(e["row"], e["column"]) for e in report.as_json()["errors"]}
    assert found >= {(2, "难度系数"), (3, "难度系数")}
    assert counts() == before


def test_a_reimport_without_the_column_keeps_the_difficulty_and_with_it_changes_it(
    campaign, coordinator
):
    rows = [HEADER, [1, "推行容缺受理", "区行政审批服务局", "年底前", 2]]
    first = _import(campaign, coordinator, rows)
    task_list = first.result.task_list
    plain = [
        ["序号", "工作任务", "牵头单位", "完成时限"],
        [1, "推行容缺受理", "区行政审批服务局", "年底前"],
    ]

    _import(campaign, coordinator, plain, task_list=task_list)
    assert Task.objects.get().difficulty == Decimal("2.0")

    _import(
        campaign,
        coordinator,
        [HEADER, [1, "推行容缺受理", "区行政审批服务局", "年底前", 3]],
        task_list=task_list,
    )
    task = Task.objects.get()
    assert task.difficulty == Decimal("3.0")
    event = task.events.filter(kind=TaskEvent.Kind.IMPORTED).latest("id")
    assert event.before["difficulty"] == "2.0" and event.after["difficulty"] == "3.0"


def test_imported_work_waits_for_acknowledgement_and_a_new_lead_unit_is_asked_again(
    campaign, coordinator, directory
):
    first = _import(
        campaign, coordinator, [HEADER, [1, "推行容缺受理", "区行政审批服务局", "年底前", 1]]
    )
    task = Task.objects.select_related("task_list__campaign").get()
    assert task.awaiting_acknowledgement
    staff = UserFactory(unit=task.lead_unit)
    task_acknowledge(task=task, by=staff)

    _import(
        campaign,
        coordinator,
        [HEADER, [1, "推行容缺受理", "区财政局", "年底前", 1]],
        task_list=first.result.task_list,
    )

    task = Task.objects.get()
    assert task.lead_unit == directory["区财政局"]
    assert task.awaiting_acknowledgement and task.acknowledged_by is None


def test_an_export_gives_the_difficulty_back_in_its_column(campaign, coordinator):
    first = _import(
        campaign, coordinator, [HEADER, [1, "推行容缺受理", "区行政审批服务局", "年底前", 2.5]]
    )
    data = list_export(
        user=coordinator,
        task_list=first.result.task_list,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header_row = next(i for i, row in enumerate(rows) if "难度系数" in row)
    column = rows[header_row].index("难度系数")
    assert rows[header_row + 1][column] == 2.5
