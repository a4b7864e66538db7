"""What the preview warns about beyond the rows: deadlines before the campaign's start (and
reading them in its year), and units that look like one body under two names."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Unit
from campaigns.models import ListImport
from campaigns.services.import_steps.dating import in_year
from campaigns.services.imports import tasklist_import
from campaigns.services.list_imports import list_import_create
from tests.campaigns.conftest import xlsx
from tests.factories import CampaignFactory

HEADER = ["序号", "工作任务", "牵头单位", "完成时限"]


@pytest.fixture
def campaign_2026(directory, coordinator):
    campaign = CampaignFactory(
        slug="y2026",
        year=2026,
        start_date=dt.date(2026, 3, 1),
        organiser=directory["区营商环境建设办公室"],
    )
    campaign.coordinators.add(coordinator)
    return campaign


LAST_EDITION = xlsx(
    [
        HEADER,
        [1, "推行容缺受理", "区行政审批服务局", "2020年6月底前"],
        [2, "推进区域评估", "区发展改革局", "2026年12月底前"],
        [3, "公开抽查结果", "区市场监管局", "6月底前"],  # the campaign's year: after the start
        [4, "闰日任务", "区财政局", "2020.2.29"],
        [5, "长期任务", "区财政局", "长期坚持"],
    ]
)


def test_deadlines_before_the_campaign_start_are_warned_about_row_by_row(campaign_2026):
    report = tasklist_import(
        campaign=campaign_2026, data=LAST_EDITION, filename="a.xlsx", dry_run=True
    )

    early = [issue for issue in report.plan.warnings if issue.code == "deadline_early"]
    assert [(issue.row, issue.column) for issue in early] == [(2, "完成时限"), (5, "完成时限")]
    assert "2020-06-30" in early[0].message and "2026-03-01" in early[0].message
    assert report.plan.dating.early == 2 and report.plan.dating.moved == 0


def test_they_can_be_read_in_the_campaign_year_instead(campaign_2026):
    report = tasklist_import(
        campaign=campaign_2026,
        data=LAST_EDITION,
        filename="a.xlsx",
        deadlines_in_campaign_year=True,
        publish=True,
    )

    tasks = {t.code: t for t in report.result.task_list.tasks.all()}
    assert (tasks["1"].deadline, tasks["1"].deadline_text) == (
        dt.date(2026, 6, 30),
        "2026年6月底前",
    )
    assert (tasks["4"].deadline, tasks["4"].deadline_text) == (dt.date(2026, 2, 28), "2026-02-28")
    assert tasks["2"].deadline == dt.date(2026, 12, 31)  # after the start: untouched
    assert tasks["5"].deadline is None and tasks["5"].ongoing
    # 28 February still lies before a start on 1 March: still warned about.
    early = [i.row for i in report.plan.warnings if i.code == "deadline_early"]
    assert early == [5]
    assert report.list_import.deadlines_in_campaign_year


def test_in_year_keeps_month_day_and_the_text_as_written():
    assert in_year(dt.date(2021, 9, 30), "2021年第三季度", 2026) == (
        dt.date(2026, 9, 30),
        "2026年第三季度",
    )
    assert in_year(dt.date(2020, 6, 30), "6月底前", 2026) == (dt.date(2026, 6, 30), "6月底前")
    assert in_year(dt.date(2020, 1, 5), "20201年", 2026)[1] == "20201年"  # not a year


def test_the_preview_offers_to_keep_them_or_read_them_in_the_campaign_year(
    client, campaign_2026, coordinator, password
):
    list_import = list_import_create(
        campaign=campaign_2026, by=coordinator, filename="a.xlsx", data=LAST_EDITION
    )
    client.force_login(coordinator)
    detail = reverse("campaigns:import_detail", args=[campaign_2026.slug, list_import.pk])

    page = client.get(detail).content.decode()
    response = client.post(
        reverse("campaigns:import_deadlines", args=[campaign_2026.slug, list_import.pk]),
        {"deadlines": "campaign_year"},
    )
    after = client.get(detail).content.decode()

    assert 'id="deadlines"' in page and "2个完成时限" in page
    assert response.status_code == 302
    list_import.refresh_from_db()
    assert list_import.deadlines_in_campaign_year
    assert list_import.summary["warnings"] == 1
    assert "按活动年份（2026年）读取其中2个" in after


def test_the_preview_suggests_merging_units_that_look_alike(campaign, coordinator, directory):
    Unit.objects.create(name="区住房和城乡建设局")  # the same bureau twice in the directory
    data = xlsx(
        [
            HEADER,
            [1, "推进区域评估", "区住房和城乡建设局", "年底前"],
            [2, "医保事项", "区医疗保障中心局", "年底前"],  # to be created, like 区医疗保障局
            [3, "医保事项二", "区医疗保障局", "年底前"],
        ]
    )

    report = tasklist_import(
        campaign=campaign,
        data=data,
        filename="u.xlsx",
        dry_run=True,
        unit_choices={"区医疗保障中心局": {"create": True}},
    )

    found = {(i.code, i.message) for i in report.plan.warnings if i.code.startswith("unit_")}
    codes = sorted(code for code, _message in found)
    assert codes == ["unit_lookalike", "unit_lookalike_new"]
    message = next(m for c, m in found if c == "unit_lookalike")
    assert "区住房和城乡建设局" in message and "区住房城乡建设局" in message


def test_a_unit_to_be_created_that_the_directory_seems_to_have_is_pointed_out(campaign, directory):
    data = xlsx([HEADER, [1, "健康任务", "区卫生健康委员会局", "年底前"]])
    Unit.objects.create(name="区卫生健康委员会")

    report = tasklist_import(
        campaign=campaign,
        data=data,
        filename="u.xlsx",
        dry_run=True,
        unit_choices={"区卫生健康委员会局": {"create": True}},
    )

    warnings = [i for i in report.plan.warnings if i.code == "unit_lookalike_new"]
    assert len(warnings) == 1 and "区卫生健康委员会" in warnings[0].message
    unit = report.plan.units["区卫生健康委员会局"]
    assert unit.suggestions[0]["name"] in ("区卫生健康委员会", "区卫生健康局")
    assert ListImport.objects.count() == 0
