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
from config.errors import RuleViolation
from cycles.models import Rating, RoundItem, UnitMonth
from cycles.schedule import round_times
from cycles.services import round_open
from cycles.services.figures import SCORES
from measures import selectors
from measures.models import INCENTIVES, PENALTIES, Application, MeasureKind
from measures.services import application_add
from tasks.lights import Light
from tasks.models import TaskEvent
from tests.campaigns.conftest import sample
from tests.factories import TaskFactory, TaskListFactory
from tests.measures.conftest import OCTOBER, SEPTEMBER

pytestmark = pytest.mark.django_db


def measures_workbook() -> bytes:
    """The published measures list: 10 measures in 3 groups (tests/fixtures/samples)."""
    return sample("incentive-measures.xlsx")


def test_the_measures_list_of_10_imports_as_10_measures_with_no_light_and_no_round(world, client):
    report = tasklist_import(
        campaign=world.campaign,
        data=measures_workbook(),
        filename="measures.xlsx",
        create_units=True,  # the units it names beside the office
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
        campaign=world.campaign,
        data=measures_workbook(),
        filename="measures.xlsx",
        create_units=True,  # the units it names beside the office
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
        campaign=world.campaign,
        data=data,
        filename="e.xlsx",
        task_list=task_list,
    )
    return rows, again


def test_a_measures_list_exports_its_applications_and_reimport_keeps_them(world, client):
    rows, again = _export_and_reimport(world, client)

    headers = rows[2]  # under the title and the 印发 line
    assert len(headers) == 10  # the list's six columns, then kind, rule, times and record
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


def test_fault_tolerance_by_hand_finds_the_rating_by_unit_and_list_when_numbers_repeat(
    measures, certify, client
):
    w = measures
    policies = TaskListFactory(campaign=w.campaign, name="涉企惠企政策落实清单", order=2)
    ours_701 = TaskFactory(task_list=w.task_list, code="701", lead_unit=w.lead)
    policy_701 = TaskFactory(task_list=policies, code="701", lead_unit=w.lead)
    ours_702 = TaskFactory(task_list=w.task_list, code="702", lead_unit=w.lead)
    policy_702 = TaskFactory(task_list=policies, code="702", lead_unit=w.other)
    october = certify(
        w, OCTOBER, dict.fromkeys([ours_701, policy_701, ours_702, policy_702], "behind")
    )
    client.force_login(w.coordinator)
    url = reverse("measures:application_add", args=[w.campaign.slug])

    def excuse(unit, number):
        form = {"measure": w.tolerance.pk, "unit": unit.pk, "month": "2026-10"}
        form.update(grounds="符合容错情形", excuse_task=number)
        return client.post(url, form, follow=True).content.decode()

    def excused():
        return set(october.items.filter(excused_at__isnull=False).values_list("task", flat=True))

    # Two lists have a task 702; only one of them is the other unit's.
    excuse(w.other, "702")
    assert excused() == {policy_702.pk}
    # Both tasks 701 are the lead unit's: the page asks for the list and excuses nothing.
    page = excuse(w.lead, "701")
    assert "请在序号前写清单名称" in page
    assert f"（{w.task_list.name}、涉企惠企政策落实清单）" in page
    assert excused() == {policy_702.pk}
    excuse(w.lead, "政策落实清单 701")
    assert excused() == {policy_702.pk, policy_701.pk}
    assert Application.objects.filter(measure__line=w.tolerance).count() == 2


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


def test_the_register_filters_by_a_person_chosen_in_its_filter_bar(measures, client):
    w = measures
    _apply_many(w, 3)
    for index, person in enumerate([w.lead_staff, w.lead_staff, w.other_staff]):
        application_add(
            campaign=w.campaign,
            line=w.praise,
            by=w.coordinator,
            person=person,
            grounds=f"PERSON{index}",
            month=OCTOBER,
        )
    url = reverse("measures:register", args=[w.campaign.slug])
    client.force_login(w.coordinator)

    form = client.get(url).context["form"]
    assert {label for _pk, label in form.fields["person"].choices[1:]} == {
        f"{w.lead_staff}（{w.lead.name}）",
        f"{w.other_staff}（{w.other.name}）",
    }

    page = client.get(url, {"person": w.lead_staff.pk}).content.decode()
    assert 'name="person"' in page
    assert page.count("PERSON") == Application.objects.filter(person=w.lead_staff).count() == 2
    assert "GRD" not in page
    # A person who is not in the list (or not a number) filters nothing, as a bad unit does.
    assert client.get(url, {"person": "x"}).content.decode().count("GRD") == 3

    # A unit reads only its own people in the list, as it reads only its own applications.
    client.force_login(w.lead_staff)
    form = client.get(url).context["form"]
    assert [pk for pk, _label in form.fields["person"].choices[1:]] == [w.lead_staff.pk]
    other = client.get(url, {"person": w.other_staff.pk}).content.decode()
    assert "PERSON2" not in other


def test_each_line_of_the_register_links_to_its_page_as_details(measures, client):
    # The link read 认定中 ("Open" is the review state's word too).
    w = measures
    _apply_many(w, 2)
    client.force_login(w.coordinator)

    page = client.get(reverse("measures:register", args=[w.campaign.slug])).content.decode()

    for application in Application.objects.all():
        url = reverse("measures:application", args=[application.pk])
        assert f'<a href="{url}">详情</a>' in page
    assert "认定中" not in page


def test_a_measure_names_unit_staff_and_heads_never_an_administrator(measures, client):
    w = measures
    client.force_login(w.coordinator)

    form = client.get(reverse("measures:register", args=[w.campaign.slug])).context["add_form"]

    offered = {label for _pk, label in form.fields["person"].choices if _pk}
    assert f"{w.lead_staff}（{w.lead.name}）" in offered
    assert f"{w.lead_head}（{w.lead.name}）" in offered
    for nobody in (w.auditor, w.leader, w.coordinator):
        assert not any(label.startswith(f"{nobody}（") for label in offered)
    for nobody in (w.auditor, w.coordinator):
        with pytest.raises(RuleViolation):
            application_add(
                campaign=w.campaign, line=w.praise, by=w.coordinator, person=nobody, grounds="x"
            )
    assert not Application.objects.exists()


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
        campaign=world.campaign,
        data=measures_workbook(),
        filename="measures.xlsx",
        create_units=True,  # the units it names beside the office
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
