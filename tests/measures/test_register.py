"""The measures list imports as measures; the register, its figures, the bulletin, 容错免责."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import TaskList
from campaigns.services.imports import tasklist_import
from cycles.models import Rating, RoundItem, UnitMonth
from cycles.schedule import round_times
from cycles.services import round_open
from cycles.services.figures import SCORES
from measures import selectors
from measures.models import INCENTIVES, PENALTIES, Application, MeasureKind
from measures.services import application_add
from tasks.lights import Light
from tasks.models import TaskEvent
from tests.factories import TaskFactory
from tests.measures.conftest import OCTOBER, SEPTEMBER

pytestmark = pytest.mark.django_db

TEN = [
    ("月度“红榜”通报表扬", "对当月认定为“按期推进”比例最高的3个单位在全区通报表扬。"),
    ("月度“黑榜”通报批评", "对当月认定为“进度滞后”任务最多的单位通报批评。"),
    ("年度考核加分", "对全年任务按期完成率100%的单位在年度综合考核中加分。"),
    ("约谈问责", "连续两个月进度滞后的，由分管区领导约谈单位主要负责人。"),
    ("揭榜挂帅奖励", "对主动揭榜并按期完成攻坚任务的单位给予专项奖励。"),
    ("容错免责", "对改革创新中出现失误但符合容错情形的予以免责。"),
    ("督查督办", "对逾期未完成任务下发督办单，限期整改。"),
    ("典型经验推广", "对形成可复制经验的改革举措在全区推广。"),
    ("评先树优倾斜", "评先树优向改革攻坚成效突出的单位和个人倾斜。"),
    ("整改销号复查", "已销号任务三个月后开展跟踪问效复查。"),
]


def measures_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["激励惩戒措施清单"])
    sheet.append(["序号", "措施名称", "具体内容", "责任单位", "完成时限", "备注"])
    for number, (title, content) in enumerate(TEN, start=1):
        sheet.append([number, title, content, "区营商环境建设办公室", "长期坚持", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_measures_list_of_10_imports_as_10_measures_with_no_light_and_no_round(world, client):
    report = tasklist_import(
        campaign=world.campaign, data=measures_workbook(), filename="measures.xlsx", publish=True
    )
    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.kind == TaskList.Kind.MEASURE and task_list.tasks.count() == 10

    measures = selectors.campaign_measures(campaign=world.campaign)
    kinds = {m.line.title: m.kind for m in measures}
    assert len(measures) == 10
    assert kinds["月度“黑榜”通报批评"] == MeasureKind.CRITICISM
    assert kinds["约谈问责"] == MeasureKind.TALK
    assert kinds["容错免责"] == MeasureKind.TOLERANCE
    assert kinds["揭榜挂帅奖励"] == MeasureKind.REWARD
    assert all(line.light_on().light == Light.GREY for line in task_list.tasks.all())
    round_ = round_open(
        campaign=world.campaign,
        times=round_times(world.campaign, datetime.date(2026, 11, 23)),
        now=timezone.now(),
    )
    assert not RoundItem.objects.filter(round=round_, task__task_list=task_list).exists()


def _export_and_reimport(world, client):
    task_list = tasklist_import(
        campaign=world.campaign, data=measures_workbook(), filename="measures.xlsx", publish=True
    ).result.task_list
    application_add(
        campaign=world.campaign,
        line=task_list.tasks.get(title="揭榜挂帅奖励"),
        by=world.coordinator,
        unit=world.lead,
        grounds="主动揭榜并按期完成",
        month=OCTOBER,
    )
    client.force_login(world.coordinator)
    data = client.get(
        reverse("campaigns:list_export", args=[world.campaign.slug, task_list.pk])
    ).content
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].values)
    again = tasklist_import(
        campaign=world.campaign, data=data, filename="e.xlsx", task_list=task_list, publish=True
    )
    return rows, again


def test_a_measures_list_exports_its_applications_and_reimport_keeps_them(world, client):
    rows, again = _export_and_reimport(world, client)

    assert len(rows[1]) == 10  # the list's six columns, then kind, rule, times and record
    reward = next(row for row in rows if row[1] == "揭榜挂帅奖励")
    assert reward[-2] == 1 and "区行政审批服务局" in reward[-1]
    assert again.errors == []
    # (Its headers must match no field: "类别" would be read as the category column.)
    # Only the exported tail would change on the lines: title, content, unit are the same.
    assert {key for row in again.plan.rows for key in row.changes} <= {"extra"}
    assert Application.objects.get().measure.line.title == "揭榜挂帅奖励"


def test_a_measures_list_reimported_from_its_export_is_unchanged(world, client):
    _rows, again = _export_and_reimport(world, client)

    assert again.summary["unchanged"] == 10


def _plain_score(ratings: list[str]) -> Decimal:
    total = sum((SCORES[Rating(r)] for r in ratings), Decimal(0))
    return (total / len(ratings)).quantize(Decimal("0.01"))


def test_fault_tolerance_leaves_one_rating_out_of_the_units_score_and_rank(measures, certify):
    w = measures
    extra = TaskFactory(task_list=w.task_list, lead_unit=w.lead, title="创新试点")
    october = certify(
        w,
        OCTOBER,
        {
            w.task: Rating.ON_TRACK,
            extra: Rating.NOT_COMPLETED,
            w.late: Rating.BEHIND,
            w.done: Rating.COMPLETED,
        },
    )
    lead = UnitMonth.objects.get(review=october, unit=w.lead)
    assert lead.score == _plain_score(["on_track", "not_completed"]) == Decimal("50.00")
    assert (lead.rank, UnitMonth.objects.get(review=october, unit=w.other).rank) == (2, 1)
    item = october.items.get(task=extra)

    application = application_add(
        campaign=w.campaign,
        line=w.tolerance,
        by=w.coordinator,
        unit=w.lead,
        grounds="先行先试出现失误，符合容错情形",
        excused_item=item,
    )

    lead = UnitMonth.objects.get(review=october, unit=w.lead)
    assert lead.score == _plain_score(["on_track"]) == Decimal("100.00")
    assert (lead.tasks, lead.not_completed, lead.rank) == (1, 0, 1)
    assert UnitMonth.objects.get(review=october, unit=w.other).rank == 2
    item.refresh_from_db()
    assert item.rating == Rating.NOT_COMPLETED and item.excused_at is not None
    event = TaskEvent.objects.get(task=extra, kind=TaskEvent.Kind.EXCUSED)
    assert event.note == "先行先试出现失误，符合容错情形" and event.actor == w.coordinator
    assert application.month == OCTOBER and list(application.tasks.all()) == [extra]


def _apply_many(w, n: int) -> None:
    lines = [w.praise, w.talk]
    for index in range(n):
        application_add(
            campaign=w.campaign,
            line=lines[index % 2],
            by=w.coordinator,
            unit=[w.lead, w.other][index % 3 % 2],
            grounds=f"GRD{index}",
            month=SEPTEMBER if index % 2 else OCTOBER,
            tasks=[w.task, w.late],
        )


def test_register_figures_equal_plain_counts(measures):
    w = measures
    _apply_many(w, 7)

    counts = selectors.register_counts(
        applications=selectors.register(user=w.coordinator, campaign=w.campaign)
    )

    for unit in (w.lead, w.other):
        rows = Application.objects.filter(unit=unit, status="applied").select_related("measure")
        assert counts[unit.name]["incentives"] == sum(r.measure.kind in INCENTIVES for r in rows)
        assert counts[unit.name]["penalties"] == sum(r.measure.kind in PENALTIES for r in rows)
    assert sum(c["incentives"] + c["penalties"] for c in counts.values()) == 7


def test_the_register_page_costs_the_same_queries_for_2_or_12_applications(measures, client):
    w = measures
    client.force_login(w.coordinator)
    url = reverse("measures:register", args=[w.campaign.slug])
    _apply_many(w, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _apply_many(w, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count("GRD") >= 12


def test_a_unit_reads_only_its_own_applied_measures(measures, client):
    w = measures
    _apply_many(w, 6)
    client.force_login(w.lead_staff)

    page = client.get(reverse("measures:register", args=[w.campaign.slug])).content.decode()
    xlsx = client.get(reverse("measures:register", args=[w.campaign.slug]) + "?format=xlsx")

    own = Application.objects.filter(unit=w.lead).count()
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.values)[1:]
    assert len(rows) == own and {row[3] for row in rows} == {w.lead.name}
    assert page.count("GRD") == own


def test_the_monthly_bulletin_shows_the_months_honour_and_black_lists(measures, certify, client):
    w = measures
    october = certify(w, OCTOBER, {w.task: Rating.ON_TRACK, w.late: Rating.BEHIND})
    application_add(
        campaign=w.campaign,
        line=w.praise,
        by=w.coordinator,
        unit=w.lead,
        grounds="红榜第一",
        month=OCTOBER,
    )
    application_add(
        campaign=w.campaign,
        line=w.talk,
        by=w.coordinator,
        unit=w.other,
        grounds="滞后约谈",
        month=OCTOBER,
    )
    application_add(
        campaign=w.campaign,
        line=w.talk,
        by=w.coordinator,
        unit=w.other,
        grounds="九月的",
        month=SEPTEMBER,
    )
    client.force_login(w.leader)

    page = client.get(reverse("cycles:review_bulletin", args=[october.pk])).content.decode()

    red = page[page.index('data-testid="red-list"') : page.index('data-testid="black-list"')]
    black = page[page.index('data-testid="black-list"') :]
    assert "红榜第一" in red and "滞后约谈" not in red
    assert "滞后约谈" in black and "九月的" not in page


def test_another_units_measures_stay_out_of_a_units_export(world, client):
    """Staff of the measure's lead unit may export the list, but see no other unit's
    application in it (as on the register)."""
    task_list = tasklist_import(
        campaign=world.campaign, data=measures_workbook(), filename="measures.xlsx", publish=True
    ).result.task_list
    line = task_list.tasks.get(title="揭榜挂帅奖励")
    line.lead_unit = world.lead
    line.save(update_fields=["lead_unit"])  # lead_staff may read and export the line
    for unit in (world.lead, world.other):
        application_add(
            campaign=world.campaign,
            line=line,
            by=world.coordinator,
            unit=unit,
            grounds="主动揭榜",
            month=OCTOBER,
        )
    client.force_login(world.lead_staff)

    data = client.get(
        reverse("campaigns:list_export", args=[world.campaign.slug, task_list.pk])
    ).content

    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].values)
    reward = next(row for row in rows if row[1] == "揭榜挂帅奖励")
    assert reward[-2] == 1 and world.lead.name in reward[-1]
    assert world.other.name not in reward[-1]
