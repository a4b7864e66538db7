"""The ranking's pages: the formula page, the draft ranking, why this score, the bulletin
and its workbook (whose terms add up, and whose sheets give each term again), and their
query counts at two sizes."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cycles.models import (
    MonthlyReview,
    RankingFormula,
    RankingFormulaEvent,
    Rating,
    ReviewItem,
    RoundItem,
    UnitMonth,
)
from cycles.services import review_certify
from measures.models import Application, Measure, MeasureRule
from measures.services import measures_propose
from tasks.models import TaskSupport
from tests.conftest import page_reads
from tests.cycles import ranking_example
from tests.cycles.ranking_example import EXPECTED
from tests.factories import TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(world, clock, monkeypatch):
    ranking_example.claims_registered(monkeypatch)
    return ranking_example.build(world, clock)


@pytest.fixture
def certified(example, world):
    review_certify(review=example.review, by=world.coordinator)
    example.review.refresh_from_db()
    return example


def _sheets(response) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(response.content), data_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _dicts(rows) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body]


def test_the_draft_ranking_is_for_coordinators_and_leaders(client, example, world):
    url = reverse("cycles:ranking", args=[example.review.pk])
    client.force_login(world.coordinator)

    response = client.get(url)

    assert response.status_code == 200
    assert response.context["ranking"].draft
    body = response.content.decode()
    assert "草稿" in body and "113.33" in body and "72.34" in body
    assert [row.unit_name for row in response.context["ranking"].rows][0] == "区行政审批服务局"
    for person in (world.lead_staff, world.lead_head, world.support_staff):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert (
            client.get(
                reverse("cycles:unit_score", args=[example.review.pk, person.unit_id])
            ).status_code
            == 403
        )
    client.force_login(world.leader)
    assert client.get(url).status_code == 200


def test_once_certified_units_see_the_ranking_and_why_only_their_own_score(
    client, certified, world
):
    review = certified.review
    client.force_login(world.lead_staff)

    assert client.get(reverse("cycles:ranking", args=[review.pk])).status_code == 200
    own = client.get(reverse("cycles:unit_score", args=[review.pk, world.lead.pk]))
    other = client.get(reverse("cycles:unit_score", args=[review.pk, world.other.pk]))

    assert own.status_code == 200 and other.status_code == 403
    terms = {
        cell.split('data-term="')[1].split('"')[0]: cell.split(">")[1].split("<")[0]
        for cell in own.content.decode().split("<td ")
        if cell.startswith("data-term=")
    }
    assert terms == {
        "ratings": "88.33",
        "reporting": "7.50",
        "punctuality": "5.00",
        "targets": "7.50",
        "claimed": "5.00",
        "penalties": "0.00",
        "score": "113.33",
    }
    # A unit outside the ranking: nothing to explain.
    client.force_login(world.coordinator)
    nobody = UnitFactory(name="区统计局")
    assert client.get(reverse("cycles:unit_score", args=[review.pk, nobody.pk])).status_code == 404


def test_the_bulletin_prints_the_formula_and_the_boards(client, certified, world):
    client.force_login(world.lead_staff)

    response = client.get(reverse("cycles:review_bulletin", args=[certified.review.pk]))

    body = response.content.decode()
    assert "难度系数" in body and "揭榜" in body and "约谈 −5" in body
    assert "红榜：前1名" in body and "黑榜：后1名" in body
    boards = body.split('data-testid="boards"')[1].split("</p>")[0]
    assert "区行政审批服务局" in boards and "区大数据局" in boards
    # Staff follow only their own unit's name to its "why".
    assert body.count(reverse("cycles:unit_score", args=[certified.review.pk, world.lead.pk])) >= 1
    assert reverse("cycles:unit_score", args=[certified.review.pk, world.other.pk]) not in body


def test_the_workbook_terms_add_up_to_each_score_and_come_again_from_its_sheets(
    client, certified, world
):
    client.force_login(world.coordinator)

    sheets = _sheets(
        client.get(
            reverse("cycles:review_bulletin", args=[certified.review.pk]), {"format": "xlsx"}
        )
    )

    ranking = _dicts(sheets["单位排名"])
    lines = _dicts(sheets["计分明细"])
    owed = _dicts(sheets["应报周报"])
    targets = _dicts(sheets["月末指标"])
    penalties = _dicts(sheets["扣分事项"])
    formula = {row[0]: row[1] for row in sheets["计分公式"][1:]}
    terms = ("评定得分", "报送率得分", "按时报送得分", "指标达成得分", "揭榜加分", "扣分")
    assert len(ranking) == 3
    for row in ranking:
        unit = row["单位"]
        assert round(sum(Decimal(str(row[t])) for t in terms), 2) == Decimal(str(row["总分"]))
        mine = [line for line in lines if line["单位"] == unit]
        value = sum(Decimal(str(line["计分"])) for line in mine)
        weight = sum(Decimal(str(line["权数"])) for line in mine)
        assert round(value / weight, 2) == Decimal(str(row["评定得分"]))
        led = [line for line in mine if line["角色"] == "牵头"]
        reported = sum(1 for line in led if line["报送次数"])
        w = Decimal(str(formula["报送率分值"]))
        assert round(w * reported / len(led), 2) == Decimal(str(row["报送率得分"]))
        weeks = [r for r in owed if r["单位"] == unit]
        on_time = sum(1 for r in weeks if r["周报"] == "按时")
        w = Decimal(str(formula["按时报送分值"]))
        assert round(w * on_time / len(weeks), 2) == Decimal(str(row["按时报送得分"]))
        shares = [Decimal(str(t["完成进度%"])) for t in targets if t["单位"] == unit]
        w = Decimal(str(formula["指标达成分值"]))
        expected = w * sum(shares) / len(shares) / 100 if shares else w
        assert round(expected, 2) == Decimal(str(row["指标达成得分"]))
        bonus = sum(Decimal(str(line["加分"])) for line in mine)
        assert bonus == Decimal(str(row["揭榜加分"]))
        deducted = sum(Decimal(str(p["分值"])) for p in penalties if p["单位"] == unit)
        assert deducted == Decimal(str(row["扣分"]))
    scores = {
        row["单位"]: str(Decimal(str(row["总分"])).quantize(Decimal("0.01"))) for row in ranking
    }
    assert scores == {
        "区行政审批服务局": EXPECTED["A"][6],
        "区大数据局": EXPECTED["B"][6],
        "区发展改革局": EXPECTED["C"][6],
    }


def test_unit_staff_get_only_their_own_units_detail_in_the_workbook(client, certified, world):
    client.force_login(world.lead_staff)

    sheets = _sheets(
        client.get(
            reverse("cycles:review_bulletin", args=[certified.review.pk]), {"format": "xlsx"}
        )
    )

    assert len(_dicts(sheets["单位排名"])) == 3
    assert {line["单位"] for line in _dicts(sheets["计分明细"])} == {"区行政审批服务局"}
    assert _dicts(sheets["扣分事项"]) == []


def test_the_formula_page_saves_a_change_and_shows_its_history(client, world):
    client.force_login(world.coordinator)
    url = reverse("cycles:formula", args=[world.campaign.slug])
    page = client.get(url)
    data = {
        name: ("" if value is None else value)
        for name, value in page.context["form"].initial.items()
    }
    data.update({"support_weight": "0.5", "note": "配合单位也参与赛马"})

    response = client.post(url, data)

    assert response.status_code == 302
    formula = RankingFormula.objects.get()
    assert formula.support_weight == Decimal("0.5") and formula.version == 1
    history = client.get(url).content.decode()
    assert "配合单位也参与赛马" in history and "0.00" in history and "0.50" in history
    assert "配合任务按牵头任务的0.5倍计入" in history


def test_the_formula_page_refuses_bad_settings_beside_the_field_and_saves_nothing(client, world):
    client.force_login(world.coordinator)
    url = reverse("cycles:formula", args=[world.campaign.slug])
    data = {
        name: ("" if value is None else value)
        for name, value in client.get(url).context["form"].initial.items()
    }
    data.update({"points_behind": "120", "red_min_score": "50", "black_max_score": "80"})

    response = client.post(url, data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "points_behind" in errors
    assert "不得" in errors["points_behind"][0]
    assert not RankingFormula.objects.exists() and not RankingFormulaEvent.objects.exists()
    for person in (world.lead_staff, world.leader):
        client.force_login(person)
        page = client.get(url)
        assert page.status_code == 200 and page.context["form"] is None
        assert client.post(url, data).status_code == 403


def test_the_measures_board_rules_propose_to_the_formulas_boards(certified, world):
    w = world
    measures = certified.tasks["T1"].task_list.campaign.lists.get(kind="measure")
    red = TaskFactory(task_list=measures, code="2", title="红榜通报表扬", lead_unit=w.office)
    black = TaskFactory(task_list=measures, code="3", title="黑榜通报批评", lead_unit=w.office)
    measures_propose(review=certified.review)  # measures exist (guessed) from here on
    Measure.objects.filter(line=red).update(rule=MeasureRule.RED_BOARD)
    Measure.objects.filter(line=black).update(rule=MeasureRule.BLACK_BOARD)

    measures_propose(review=certified.review)

    proposed = {
        (a.measure.line.title, a.unit.name)
        for a in Application.objects.filter(status=Application.Status.PROPOSED).select_related(
            "measure__line", "unit"
        )
    }
    assert proposed == {("红榜通报表扬", "区行政审批服务局"), ("黑榜通报批评", "区大数据局")}


def _grow(review, units: int, tasks_each: int) -> None:
    """More units, each leading ``tasks_each`` rated tasks with a supporting unit, a weekly
    report owed (reported on time, late or not at all) and a target, every other task with
    a contribution: what the pages read grows with every kind of input."""
    task_list = review.campaign.lists.get(name="赛马清单")
    round_ = review.campaign.rounds.get()
    first = task_list.tasks.first()
    helper = UserFactory(unit=first.lead_unit)
    for n in range(units):
        unit = UnitFactory(name=f"区测试单位{n}")
        person = UserFactory(unit=unit)
        for k in range(tasks_each):
            task = TaskFactory(task_list=task_list, code=f"G{n}-{k}", lead_unit=unit)
            TaskSupport.objects.create(task=task, unit=first.lead_unit)
            RoundItem.objects.create(round=round_, task=task, lead_unit=unit)
            when = (round_.due_at, round_.closes_at - datetime.timedelta(hours=1), None)[k % 3]
            if when is not None:
                ranking_example._report(task, unit, person, when)
            if k % 2:
                ranking_example._report(task, first.lead_unit, helper, round_.due_at)
            task.targets.create(metric="办结率(%)", baseline=0, target_value=100, current_value=k)
            ReviewItem.objects.create(
                review=review,
                task=task,
                lead_unit=unit,
                proposed=Rating.ON_TRACK,
                rating=Rating.BEHIND if k % 2 else "",
                reason="例",
                reports=k % 2,
            )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return page_reads(queries)


def test_the_draft_ranking_and_why_pages_cost_the_same_queries_at_two_sizes(client, example, world):
    review = example.review
    client.force_login(world.coordinator)
    pages = [
        reverse("cycles:ranking", args=[review.pk]),
        reverse("cycles:ranking", args=[review.pk]) + "?format=xlsx",
        reverse("cycles:unit_score", args=[review.pk, world.lead.pk]),
    ]
    _count(client, pages[0])  # the session and the translations are loaded once
    few = [_count(client, url) for url in pages]
    _grow(review, units=12, tasks_each=5)
    many = [_count(client, url) for url in pages]

    assert many == few
    assert max(few) <= 25
    assert few[0] <= 11  # the draft page: its inputs grouped in a fixed number of queries
    assert len(review_rows := client.get(pages[0]).context["ranking"].rows) == 15
    assert sum(1 for row in review_rows if row.unit_name.startswith("区测试单位")) == 12


def test_the_certified_ranking_bulletin_and_why_pages_cost_the_same_queries_at_two_sizes(
    client, world, clock, monkeypatch
):
    ranking_example.claims_registered(monkeypatch)
    small = ranking_example.build(world, clock)
    review_certify(review=small.review, by=world.coordinator)
    client.force_login(world.coordinator)

    def pages(review):
        return [
            reverse("cycles:ranking", args=[review.pk]),
            reverse("cycles:review_bulletin", args=[review.pk]),
            reverse("cycles:review_bulletin", args=[review.pk]) + "?format=xlsx",
            reverse("cycles:unit_score", args=[review.pk, world.lead.pk]),
        ]

    _count(client, pages(small.review)[0])
    few = [_count(client, url) for url in pages(small.review)]
    # The same campaign's November, twelve more units: certified the same way.
    november = MonthlyReview.objects.create(
        campaign=world.campaign, month=small.review.month.replace(month=11)
    )
    for item in small.review.items.all():
        item.pk, item.review = None, november
        item.save()
    _grow(november, units=12, tasks_each=5)
    ReviewItem.objects.filter(review=november, rating="").update(rating=Rating.ON_TRACK)
    review_certify(review=november, by=world.coordinator)
    many = [_count(client, url) for url in pages(november)]

    assert UnitMonth.objects.filter(review=november).count() == 15
    assert many == few
