"""The plan-text reader and the other edges of the parsing layer (no database)."""

from __future__ import annotations

import pytest

from campaigns.importing.deadlines import date_phrases
from campaigns.importing.headers import IGNORE, map_headers, mapping_from_columns, match_header
from campaigns.importing.plan import parse_plan, read_unit_bracket
from campaigns.importing.sheets import heading_number
from tests.campaigns.conftest import SAMPLES

# --- unit brackets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inner", "lead", "supporting", "deadline"),
    [
        (
            "牵头单位：区政府办公室；责任单位：区政府有关部门，各街道",
            "区政府办公室",
            "区政府有关部门、各街道",
            "",
        ),
        ("牵头单位：区司法局，责任单位：区行政审批服务局", "区司法局", "区行政审批服务局", ""),
        ("区财政局、区税务局牵头，各街道按职责分工负责", "区财政局、区税务局", "各街道", ""),
        ("区财政局牵头，区税务局配合，6月底完成", "区财政局", "区税务局", "6月底完成"),
        (
            "牵头单位：区市场监管局；责任单位：区政府有关部门；完成时限：2021年12月底前",
            "区市场监管局",
            "区政府有关部门",
            "2021年12月底前",
        ),
        (
            "牵头单位：区发展改革局；配合单位：区财政局；完成时限：长期坚持",
            "区发展改革局",
            "区财政局",
            "长期坚持",
        ),
        ("责任单位：区住房城乡建设局、区自然资源局", "区住房城乡建设局", "区自然资源局", ""),
        (
            "责任单位：区住房城乡建设局、区自然资源局（牵头）",
            "区自然资源局",
            "区住房城乡建设局",
            "",
        ),
        (
            "牵头部门：区大数据局；协同部门：区司法局，持续推进",
            "区大数据局",
            "区司法局",
            "持续推进",
        ),
    ],
)
def test_unit_brackets_in_the_forms_governments_use(inner, lead, supporting, deadline):
    bracket = read_unit_bracket(inner)

    assert (bracket.lead, bracket.supporting, bracket.deadline) == (lead, supporting, deadline)


def test_a_bracket_with_two_deadlines_takes_the_first_and_says_so():
    bracket = read_unit_bracket("牵头单位：区财政局；完成时限：6月底前；完成时间：年底前")

    assert bracket.deadline == "6月底前"
    assert bracket.warnings


# --- whole plans -----------------------------------------------------------------------------


def test_the_sample_plan_gives_9_tasks_in_6_sections():
    sheet = parse_plan((SAMPLES / "plan-document.txt").read_text(encoding="utf-8"))

    assert sheet.title_rows == ["某区深化“放管服”改革优化营商环境重点任务分工方案"]
    assert [(c.numbering, c.name) for c in sheet.categories] == [
        ("一", "推进简政放权，激发市场活力"),
        ("（一）", "精简审批事项，提升行政效能"),
        ("（二）", "深化投资审批制度改革"),
        ("二", "创新监管方式，维护公平竞争"),
        ("（一）", "推进“双随机、一公开”监管全覆盖"),
        ("三", "优化政务服务，提升办事便利度"),
    ]
    rows = {row.values["code"]: row for row in sheet.rows}
    assert list(rows) == [str(n) for n in range(1, 10)]
    assert rows["2"].values["deadline"] == "2021年6月底前"  # from the sentence
    assert rows["3"].values["deadline"] == "2021年9月底前"  # from the bracket
    assert rows["9"].values["deadline"] == "2021年10月底前"  # the bracket wins over 年内
    assert "deadline" not in rows["1"].values
    assert rows["4"].values["lead_unit"] == "区行政审批服务局、区发展改革局"
    assert rows["8"].category == "优化政务服务，提升办事便利度"
    assert rows["4"].values["title"].startswith("推行“一张表单、一套材料”申报模式")


def test_numbering_that_restarts_in_each_section_gets_the_sections_number():
    text = "\n".join(
        [
            "一、简政放权",
            "1.精简事项。（牵头单位：区财政局）",
            "2.下放权限。（牵头单位：区税务局）",
            "二、优化服务",
            "1.一窗受理。（牵头单位：区行政审批服务局）",
        ]
    )

    sheet = parse_plan(text)

    assert [row.values["code"] for row in sheet.rows] == ["一1", "一2", "二1"]


def test_a_sections_units_apply_to_its_tasks_that_name_none():
    text = "\n".join(
        [
            "（一）深化审批改革（牵头单位：区行政审批服务局；责任单位：区司法局）",
            "1.推行告知承诺。",
            "2.推行容缺受理，9月底前完成。（牵头单位：区财政局）",
        ]
    )

    sheet = parse_plan(text)

    first, second = sheet.rows
    assert (first.values["lead_unit"], first.values["supporting_units"]) == (
        "区行政审批服务局",
        "区司法局",
    )
    assert second.values["lead_unit"] == "区财政局"
    assert second.values["deadline"] == "9月底前"
    assert [c.name for c in sheet.categories] == ["深化审批改革"]


def test_lines_wrapped_by_a_pdf_copy_are_joined():
    text = "1.推行“一件事一次办”，年内推出不少于30项集成服\n务。（牵头单位：区行政审批服\n务局；完成时限：2021年10月底前）\n2.公开事项。（牵头单位：区财政局）"

    sheet = parse_plan(text)

    first = sheet.rows[0]
    assert first.values["title"] == "推行“一件事一次办”，年内推出不少于30项集成服务"
    assert first.values["lead_unit"] == "区行政审批服务局"
    assert first.values["deadline"] == "2021年10月底前"
    assert len(sheet.rows) == 2


def test_units_written_after_the_text_without_a_bracket():
    sheet = parse_plan("3.建立信用监管机制。牵头单位：区发展改革局；责任单位：区市场监管局")

    (row,) = sheet.rows
    assert row.values["lead_unit"] == "区发展改革局"
    assert row.values["supporting_units"] == "区市场监管局"
    assert row.values["title"] == "建立信用监管机制"


def test_a_sentence_with_two_dates_gives_no_deadline_and_a_warning():
    sheet = parse_plan("1.方案起草6月底前完成，年底前全面推开。（牵头单位：区财政局）")

    (row,) = sheet.rows
    assert "deadline" not in row.values
    assert row.warnings


def test_an_unnumbered_paragraph_naming_units_is_shown_not_imported():
    sheet = parse_plan(
        "一、总体要求\n各单位要高度重视。（牵头单位：区政府办公室）\n1.任务。（牵头单位：区财政局）"
    )

    assert [row.skipped for row in sheet.rows] == [True, False]
    assert sheet.rows[0].warnings


def test_a_long_first_sentence_is_kept_whole_and_a_short_one_becomes_the_title():
    sheet = parse_plan(
        "1.推行告知承诺制。对符合条件的事项实行告知承诺，压减审批时间。（牵头单位：区财政局）"
    )

    (row,) = sheet.rows
    assert row.values["title"] == "推行告知承诺制"
    assert row.values["content"] == "推行告知承诺制。对符合条件的事项实行告知承诺，压减审批时间"


# --- deadlines in sentences, headings, headers ----------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "phrases"),
    [
        ("编制清单，2021年6月底前完成。", ["2021年6月底前"]),
        ("2022年10月底前编制完成方案", ["2022年10月底前"]),
        ("6月底前完成初稿，年底前全面完成", ["6月底前", "年底前"]),
        ("审批时限压缩至80个工作日以内", []),
        ("抽查事项占比达到30%以上", []),
        ("力争2021年第三季度上线", ["2021年第三季度"]),
        ("6月30日前完成", ["6月30日前"]),
    ],
)
def test_date_phrases_in_a_sentence(sentence, phrases):
    assert date_phrases(sentence) == phrases


@pytest.mark.parametrize(
    ("heading", "number"),
    [
        ("一、深化改革（14项）", "一"),
        ("（二）放管结合", "（二）"),
        ("(三)优化服务", "（三）"),
        ("第一部分 简政放权", "第一部分"),
        ("1、工程建设", "1"),
        ("一网通办", ""),
    ],
)
def test_heading_numbers_are_kept_as_printed(heading, number):
    assert heading_number(heading) == number


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("完成进度（%）", "export_percent"),
        ("任务状态", "export_status"),
        ("预警", "export_light"),
        ("最新进展", "export_latest"),
        ("办理状态", None),  # a list's own column, not our export's
        ("协同部门", "supporting_units"),
        ("时限要求", "deadline"),
        ("措施名称", "title"),
    ],
)
def test_header_vocabulary_edges(text, field):
    assert match_header(text) == field


def test_a_corrected_mapping_moves_a_field_and_keeps_the_rest():
    headers = ["序号", "工作任务", "主办处室", "完成时限", "责任单位"]
    detected = map_headers(headers)
    assert detected.fields["lead_unit"] == 4

    mapping = mapping_from_columns(headers, {2: "lead_unit", 3: IGNORE})

    assert mapping.fields == {"code": 0, "title": 1, "lead_unit": 2}
    assert mapping.extra == {4: "责任单位"}  # the field moved away: kept as an extra column
