"""The two published lists that are not work import as what they are: the supervision
checklist as 100 questions in 5 areas, the incentive and penalty measures as 10 measures. The
importer tells their kind from their headers; their lines get no light and owe no report."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import TaskList
from campaigns.services.imports import tasklist_import
from cycles.models import RoundItem
from cycles.schedule import round_times
from cycles.services import round_open
from inspections.models import Answer
from inspections.services import round_open as inspection_open
from measures import selectors as measure_selectors
from measures.models import MeasureKind, MeasureRule
from tasks.lights import Light
from tasks.models import Task, TaskSupport
from tests.campaigns.conftest import sample

pytestmark = pytest.mark.django_db

AREAS = ["政务服务方面", "工程建设方面", "市场监管方面", "要素保障方面", "作风建设方面"]


def _import(campaign, coordinator, name):
    report = tasklist_import(campaign=campaign, data=sample(name), filename=name, by=coordinator)
    assert report.errors == [], report.errors
    return report


def _no_light_and_no_round_item(campaign, task_list):
    assert all(line.light_on().light == Light.GREY for line in task_list.tasks.all())
    assert not task_list.tasks.exclude(deadline=None).exists()
    assert not Task.objects.work().filter(task_list=task_list).exists()
    round_ = round_open(
        campaign=campaign,
        times=round_times(campaign, timezone.localdate()),
        now=timezone.now(),
    )
    assert RoundItem.objects.filter(round=round_).exists()  # the work lists' tasks owe reports
    assert not RoundItem.objects.filter(round=round_, task__task_list=task_list).exists()


def test_the_checklist_sample_imports_as_100_questions_in_5_areas(campaign, coordinator):
    _import(campaign, coordinator, "reform-tasks.xlsx")  # work beside it, for the round

    report = _import(campaign, coordinator, "supervision-checklist.xlsx")

    assert report.as_json() == {
        "tasks": 100,
        "categories": 5,
        "created": 100,
        "updated": 0,
        "units_unresolved": 0,
        "errors": [],
    }
    checklist = report.result.task_list
    assert checklist.kind == TaskList.Kind.CHECKLIST  # told from its header 检查内容
    assert (
        checklist.name == "青岛西海岸新区打造精简高效政务新生态改革攻坚行动督查检查“100个是否”清单"
    )
    categories = list(checklist.categories.order_by("order"))
    assert [(c.code, c.name) for c in categories] == list(zip("一二三四五", AREAS, strict=True))
    assert [c.tasks.count() for c in categories] == [20] * 5
    assert sorted(checklist.tasks.values_list("code", flat=True), key=int) == [
        str(n) for n in range(1, 101)
    ]
    assert all(
        title.startswith("是否") for title in checklist.tasks.values_list("title", flat=True)
    )
    first = checklist.tasks.get(code="1")
    assert first.lead_unit.name == "区行政审批服务局"
    assert [s.unit.name for s in first.supports.all()] == ["区大数据局"]
    assert first.extra == {"检查方式": "查阅资料、系统抽查"}
    _no_light_and_no_round_item(campaign, checklist)

    # A round asks every unit the questions name, one answer per question that names it.
    round_ = inspection_open(
        checklist=checklist,
        by=coordinator,
        title="第一轮督查",
        due_date=timezone.localdate() + datetime.timedelta(days=14),
    )
    named = checklist.tasks.count() + TaskSupport.objects.filter(task__task_list=checklist).count()
    assert Answer.objects.filter(round=round_).count() == named


def test_the_measures_sample_imports_as_10_measures(campaign, coordinator):
    _import(campaign, coordinator, "reform-tasks.xlsx")

    report = _import(campaign, coordinator, "incentive-measures.xlsx")

    measures_list = report.result.task_list
    assert measures_list.kind == TaskList.Kind.MEASURE  # told from its header 措施名称
    assert measures_list.tasks.count() == 10
    assert [c.name for c in measures_list.categories.order_by("order")] == [
        "激励措施",
        "惩戒措施",
        "容错纠错和跟踪问效",
    ]
    # Measures are carried out by the office, not by the units they concern.
    assert set(measures_list.tasks.values_list("lead_unit__name", flat=True)) == {
        "区营商环境建设办公室"
    }
    measures = {m.line.title: m for m in measure_selectors.campaign_measures(campaign=campaign)}
    assert len(measures) == 10
    assert measures["月度“黑榜”通报批评"].kind == MeasureKind.CRITICISM
    assert measures["约谈问责"].kind == MeasureKind.TALK
    assert (measures["约谈问责"].rule, measures["约谈问责"].number) == (
        MeasureRule.BEHIND_RUNNING,
        2,
    )
    assert measures["容错免责"].kind == MeasureKind.TOLERANCE
    assert measures["揭榜挂帅奖励"].kind == MeasureKind.REWARD
    _no_light_and_no_round_item(campaign, measures_list)


@pytest.mark.parametrize("name", ["supervision-checklist.xlsx", "incentive-measures.xlsx"])
def test_importing_the_same_sample_again_changes_nothing(campaign, coordinator, name):
    task_list = _import(campaign, coordinator, name).result.task_list

    again = tasklist_import(
        campaign=campaign, data=sample(name), filename=name, by=coordinator, task_list=task_list
    )

    assert again.errors == []
    assert again.summary["unchanged"] == task_list.tasks.count()


@pytest.mark.parametrize("name", ["supervision-checklist.xlsx", "incentive-measures.xlsx"])
def test_a_sample_exported_in_its_layout_imports_back_unchanged(
    client, campaign, coordinator, name
):
    task_list = _import(campaign, coordinator, name).result.task_list
    client.force_login(coordinator)

    exported = client.get(
        reverse("campaigns:list_export", args=[campaign.slug, task_list.pk])
    ).content
    rows = list(openpyxl.load_workbook(io.BytesIO(exported)).worksheets[0].values)
    again = tasklist_import(
        campaign=campaign, data=exported, filename="e.xlsx", by=coordinator, task_list=task_list
    )

    # Its title, the 印发 line, its headers, its five (three) areas as merged rows.
    assert rows[0][0] == task_list.name and rows[1][0].startswith("印发单位")
    assert rows[2][:3] == tuple(sample_headers(name)[:3])
    assert rows[3][0].startswith("一、")
    assert again.errors == []
    assert again.summary["unchanged"] == task_list.tasks.count()


def sample_headers(name: str) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(sample(name))).worksheets[0]
    return [cell.value for cell in sheet[3]]
