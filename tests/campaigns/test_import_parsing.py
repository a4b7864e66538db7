"""Tests for the pure spreadsheet-parsing layer of the task-list import (no database)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from campaigns.importing.deadlines import ParsedDeadline, parse_deadline
from campaigns.importing.headers import find_header_row, map_headers, match_header
from campaigns.importing.rows import HeaderNotFoundError, SheetData
from campaigns.importing.sheets import clean_category, parse_sheet
from campaigns.importing.units import UnitDirectory, UnitMention, pick_lead, split_units
from campaigns.importing.workbook import WorkbookError, parse_workbook, read_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"


def _date(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _xlsx(build: Callable[[openpyxl.Workbook], None]) -> io.BytesIO:
    """Build a workbook in memory with ``build(workbook)`` and return it as a file object."""
    workbook = openpyxl.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


# --- deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年6月底前", _date(2020, 6, 30)),
        ("2020年6月底", _date(2020, 6, 30)),
        ("2020年6月", _date(2020, 6, 30)),
        ("2020年2月", _date(2020, 2, 29)),
        ("2020年10月", _date(2020, 10, 31)),
        ("2020.9.30", _date(2020, 9, 30)),
        ("2020-09-30", _date(2020, 9, 30)),
        ("2020/9/30", _date(2020, 9, 30)),
        ("2020年9月30日", _date(2020, 9, 30)),
        ("2020年9月30日前", _date(2020, 9, 30)),
        ("2022年9月1日前", _date(2022, 9, 1)),
        ("2022年10月底前完成", _date(2022, 10, 31)),
        ("力争2021年底前完成", _date(2021, 12, 31)),
        ("2021年上半年", _date(2021, 6, 30)),
        ("2021年第三季度", _date(2021, 9, 30)),
        ("2021年Q3", _date(2021, 9, 30)),
        ("2021年度", _date(2021, 12, 31)),
    ],
)
def test_deadline_with_explicit_year(text: str, expected: dt.date) -> None:
    parsed = parse_deadline(text, default_year=1999)
    assert parsed == ParsedDeadline(expected, False, text, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6月底前", _date(2020, 6, 30)),
        ("9月底", _date(2020, 9, 30)),
        ("6月30日前", _date(2020, 6, 30)),
        ("6月中旬", _date(2020, 6, 20)),
        ("年底前", _date(2020, 12, 31)),
        ("年内", _date(2020, 12, 31)),
        ("年底", _date(2020, 12, 31)),
        ("上半年", _date(2020, 6, 30)),
        ("下半年", _date(2020, 12, 31)),
        ("第三季度", _date(2020, 9, 30)),
        ("三季度末", _date(2020, 9, 30)),
        ("第一季度", _date(2020, 3, 31)),
        ("Q4", _date(2020, 12, 31)),
    ],
)
def test_deadline_without_year_uses_default_year(text: str, expected: dt.date) -> None:
    parsed = parse_deadline(text, default_year=2020)
    assert parsed.date == expected
    assert parsed.understood
    assert not parsed.ongoing


@pytest.mark.parametrize("text", ["长期坚持", "持续推进", "长期", "常态化", "持续开展"])
def test_deadline_ongoing_phrases(text: str) -> None:
    assert parse_deadline(text, default_year=2020) == ParsedDeadline(None, True, text, True)


def test_deadline_with_date_and_ongoing_phrase_keeps_both() -> None:
    parsed = parse_deadline("2021年底前完成并长期坚持", default_year=2020)
    assert parsed.date == _date(2021, 12, 31)
    assert parsed.ongoing and parsed.understood


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_deadline_empty_cell_is_understood_and_blank(value: object) -> None:
    assert parse_deadline(value, default_year=2020) == ParsedDeadline(None, False, "", True)


def test_deadline_datetime_and_date_cells() -> None:
    assert parse_deadline(dt.datetime(2020, 3, 28, 0, 0), default_year=2000) == ParsedDeadline(
        _date(2020, 3, 28), False, "2020-03-28", True
    )
    assert parse_deadline(_date(2021, 1, 5), default_year=2000).text == "2021-01-05"


@pytest.mark.parametrize("value", [43921, 43921.0, 43921.75, "43921"])
def test_deadline_excel_serial_numbers(value: object) -> None:
    parsed = parse_deadline(value, default_year=2000)
    assert parsed == ParsedDeadline(_date(2020, 3, 31), False, "2020-03-31", True)


@pytest.mark.parametrize("value", [5, 3.5, 999999, -1])
def test_deadline_numbers_outside_serial_range_are_not_understood(value: object) -> None:
    parsed = parse_deadline(value, default_year=2020)
    assert parsed.date is None
    assert not parsed.understood


def test_deadline_full_width_digits_and_spaces_are_normalised() -> None:
    text = "２０２０年\u3000６月 底前"
    parsed = parse_deadline(text, default_year=1999)
    assert parsed == ParsedDeadline(_date(2020, 6, 30), False, text, True)
    assert parse_deadline("２０２０．９．３０", default_year=1999).date == _date(2020, 9, 30)


@pytest.mark.parametrize(
    "text",
    [
        "2020年2月30日",  # no such day
        "2020年13月",  # no such month
        "13月底前",
        "2020.9.31",
        "已完成",
        "立即整改",
        "1年内",  # a duration, not a year end
        "6月底前完成初稿，年底前全面完成",  # two dates: ambiguous
        "2020年6月-12月",
    ],
)
def test_deadline_unreadable_or_invalid_is_not_understood(text: str) -> None:
    parsed = parse_deadline(text, default_year=2020)
    assert parsed.date is None
    assert not parsed.understood
    assert parsed.text == text


def test_deadline_text_is_original_text() -> None:
    assert parse_deadline(" 6月底前 ", default_year=2020).text == "6月底前"


# --- unit cells ----------------------------------------------------------------------------


def test_split_units_on_every_separator() -> None:
    text = "区财政局、区税务局，区公安分局,区司法局；区民政局;区教育局\n区水务局\r\n区商务局"
    assert [m.name for m in split_units(text)] == [
        "区财政局",
        "区税务局",
        "区公安分局",
        "区司法局",
        "区民政局",
        "区教育局",
        "区水务局",
        "区商务局",
    ]


def test_split_units_does_not_split_on_slash() -> None:
    assert [m.name for m in split_units("区委宣传部/区文明办")] == ["区委宣传部/区文明办"]


def test_split_units_strips_spaces_and_drops_empty_parts() -> None:
    mentions = split_units("\u3000区财政局 、、 区 税务局 ，\n")
    assert [m.name for m in mentions] == ["区财政局", "区税务局"]


@pytest.mark.parametrize("marker", ["（牵头）", "(牵头)", "（牵头单位）", " （ 牵头 ）"])
def test_split_units_lead_marker_is_removed_and_flagged(marker: str) -> None:
    mentions = split_units(f"区工商联、区纪委监委{marker}、区营商环境建设办公室")
    assert mentions == [
        UnitMention("区工商联", False),
        UnitMention("区纪委监委", True),
        UnitMention("区营商环境建设办公室", False),
    ]


def test_split_units_removes_duplicates_keeping_order_and_lead_mark() -> None:
    mentions = split_units("区财政局、区税务局、区财政局（牵头）、区税务局")
    assert mentions == [UnitMention("区财政局", True), UnitMention("区税务局", False)]


@pytest.mark.parametrize("value", [None, "", " 、，"])
def test_split_units_empty_cell(value: object) -> None:
    assert split_units(value) == []


def test_pick_lead_prefers_marked_lead() -> None:
    mentions = split_units("区纪委监委、区工商联（牵头）、区营商环境建设办公室")
    lead, supporting = pick_lead(mentions)
    assert lead == UnitMention("区工商联", True)
    assert [m.name for m in supporting] == ["区纪委监委", "区营商环境建设办公室"]


def test_pick_lead_defaults_to_first_and_never_repeats_lead() -> None:
    lead, supporting = pick_lead(split_units("区自然资源局、区发展改革局、区行政审批服务局"))
    assert lead is not None and lead.name == "区自然资源局"
    assert lead not in supporting
    assert [m.name for m in supporting] == ["区发展改革局", "区行政审批服务局"]


def test_pick_lead_of_nothing() -> None:
    assert pick_lead([]) == (None, [])


# --- unit directory ------------------------------------------------------------------------

UNITS = [
    (1, "区住房城乡建设局"),
    (2, "区发展改革局"),
    (3, "区人力资源社会保障局"),
    (4, "区市场监督管理局"),
    (5, "区审计局"),
    (6, "区住房和城乡建设局"),
    (7, "区财政局"),
    (8, "区公安分局"),
    (9, "区大数据管理中心"),
    (10, "区社会组织管理局"),
    (11, "区发展和改革委员会"),
    (12, "区卫生健康局"),
    (13, "区行政审批服务局"),
]


@pytest.fixture
def directory() -> UnitDirectory:
    return UnitDirectory(UNITS, [("发改委", 11), ("区 人社部门", 3)])


def test_directory_exact_match_ignores_spaces_and_full_width(directory: UnitDirectory) -> None:
    assert directory.resolve("区财政局").unit_id == 7
    resolution = directory.resolve(" 区\u3000财政局 ")
    assert (resolution.unit_id, resolution.how, resolution.suggestions) == (7, "exact", ())


def test_directory_alias_match(directory: UnitDirectory) -> None:
    resolution = directory.resolve("发改委")
    assert (resolution.unit_id, resolution.how) == (11, "alias")
    assert directory.resolve("区人社部门").how == "alias"


@pytest.mark.parametrize(
    ("abbreviation", "full_name_id"),
    [("区住建局", 1), ("区发改局", 2), ("区人社局", 3), ("区市场监管局", 4), ("区卫健局", 12)],
)
def test_directory_suggests_full_name_for_abbreviation(
    directory: UnitDirectory, abbreviation: str, full_name_id: int
) -> None:
    resolution = directory.resolve(abbreviation)
    assert resolution.unit_id is None  # suggestions are never applied automatically
    assert resolution.how == "none"
    assert resolution.suggestions[0].unit_id == full_name_id
    assert resolution.suggestions[0].name == dict(UNITS)[full_name_id]
    assert len(resolution.suggestions) <= 5
    scores = [s.score for s in resolution.suggestions]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("name", ["某某公司", "区局", ""])
def test_directory_unrelated_name_gets_no_suggestion(directory: UnitDirectory, name: str) -> None:
    assert directory.resolve(name).suggestions == ()


def test_directory_caches_lookups(directory: UnitDirectory) -> None:
    assert directory.resolve("区住建局") is directory.resolve("区住建局")


def test_directory_is_fast_for_many_lookups() -> None:
    import time

    syllables = "住房城乡建设发展改革人力资源社会保障市场监督管理财政公安教育卫生健康自然规划"
    units = [
        (i, "区" + syllables[i % 30 : i % 30 + 2 + i % 5] + ("局", "委员会", "中心")[i % 3])
        for i in range(500)
    ]
    directory = UnitDirectory(units, [])
    started = time.process_time()  # CPU, not the wall: other processes' load does not count
    for i in range(2000):
        directory.resolve("区" + syllables[(i * 7) % 30 : (i * 7) % 30 + 2] + "局" + str(i % 300))
    assert time.process_time() - started < 10


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("序号", "code"),
        ("改革攻坚任务", "title"),
        ("事项名称", "title"),
        ("政策文件名称", "title"),
        ("具体目标", "content"),
        ("政策条款摘要", "content"),
        ("任务来源", "source"),
        ("执行单位", "lead_unit"),
        ("配合单位", "supporting_units"),
        ("主要责任人", "principal_owner"),
        ("分管责任人", "leader_in_charge"),
        ("责任领导", "leader_in_charge"),
        ("具体责任人", "specific_owner"),
        ("完成时限", "deadline"),
        ("类别", "category"),
        ("指标名称", "target_metric"),
        ("目标值", "target_value"),
        ("现状值", "current_value"),
        ("基线值", "baseline"),
        ("备注", "note"),
        ("完成\n时限", "deadline"),
        ("牵头单位（部门）", "lead_unit"),
        ("计划完成时间", "deadline"),
        ("所属领域", "category"),
        ("考核指标", "target_metric"),
    ],
)
def test_match_header(text: str, field: str) -> None:
    assert match_header(text) == field


@pytest.mark.parametrize(
    "text", ["目标办理时限（工作日）", "现申请材料（件）", "文号", "发布单位", "联系电话", "", None]
)
def test_match_header_leaves_unknown_columns_unmapped(text: object) -> None:
    assert match_header(text) is None


def test_responsible_unit_means_supporting_when_lead_column_exists() -> None:
    mapping = map_headers(["序号", "工作任务", "牵头单位", "责任单位", "完成时限"])
    assert mapping.fields["lead_unit"] == 2
    assert mapping.fields["supporting_units"] == 3


def test_responsible_unit_is_lead_without_lead_column() -> None:
    mapping = map_headers(["序号", "工作任务", "责任单位", "完成时限"])
    assert mapping.fields["lead_unit"] == 2
    assert "supporting_units" not in mapping.fields


def test_duplicate_field_first_column_wins_and_other_is_extra() -> None:
    mapping = map_headers(["序号", "任务名称", "工作任务", "完成时限", None])
    assert mapping.fields == {"code": 0, "title": 1, "deadline": 3}
    assert mapping.extra == {2: "工作任务"}


def test_content_column_stands_in_for_missing_title() -> None:
    mapping = map_headers(["序号", "工作内容", "责任单位", "完成时限"])
    assert mapping.fields["title"] == 1
    assert "content" not in mapping.fields


def test_find_header_row_skips_title_and_filler_rows() -> None:
    rows = [
        ["某区改革攻坚任务清单", None, None, None],
        ["填报单位：区营商环境建设办公室　填报日期：2020年5月25日", None, None, None],
        ["序号", "改革攻坚任务", "责任单位", "完成时限"],
        [1, "任务", "区财政局", "6月底前"],
    ]
    assert find_header_row(rows) == 2
    assert find_header_row(rows[:2]) is None


def test_find_header_row_only_scans_first_rows() -> None:
    rows = [[None]] * 15 + [["序号", "任务名称", "责任单位", "完成时限"]]
    assert find_header_row(rows) is None
    assert find_header_row(rows, max_scan=16) == 15


def test_sample_header_rows_map_to_fields() -> None:
    expected = {
        "reform-tasks.xlsx": (
            2,
            {
                "code": 0,
                "title": 1,
                "content": 2,
                "source": 3,
                "lead_unit": 4,
                "principal_owner": 5,
                "leader_in_charge": 6,
                "specific_owner": 7,
                "deadline": 8,
                "note": 9,
            },
        ),
        "service-items.xlsx": (
            1,
            {
                "code": 0,
                "category": 1,
                "title": 2,
                "lead_unit": 3,
                "deadline": 10,
                "specific_owner": 11,
            },
        ),
        "policies.xlsx": (0, {"code": 0, "title": 1, "content": 3, "lead_unit": 5}),
        "campaign-targets.xlsx": (
            1,
            {
                "code": 0,
                "title": 1,
                "content": 2,
                "lead_unit": 3,
                "supporting_units": 4,
                "leader_in_charge": 5,
                "target_metric": 6,
                "target_value": 7,
                "current_value": 8,
                "deadline": 9,
            },
        ),
    }
    for filename, (header_index, fields) in expected.items():
        (sheet,) = read_workbook(SAMPLES / filename)
        assert find_header_row(sheet.rows) == header_index, filename
        assert map_headers(sheet.rows[header_index]).fields == fields, filename


def test_service_items_unmapped_columns_are_kept_as_extra() -> None:
    (sheet,) = read_workbook(SAMPLES / "service-items.xlsx")
    extra = map_headers(sheet.rows[1]).extra
    assert extra[4] == "现办理时限（工作日）"
    assert extra[5] == "目标办理时限（工作日）"
    assert set(extra) == {4, 5, 6, 7, 8, 9}


# --- sample workbooks ----------------------------------------------------------------------


def test_reform_tasks_sample() -> None:
    (sheet,) = parse_workbook(SAMPLES / "reform-tasks.xlsx")
    assert sheet.header_row_index == 2
    assert len(sheet.rows) == 294
    assert len(sheet.categories) == 17
    first = sheet.categories[0]
    assert (first.code, first.name, first.order) == ("一", "深化工程建设项目审批制度改革", 0)
    last = sheet.categories[-1]
    assert (last.code, last.name, last.order) == ("十七", "营造亲清政商关系", 16)
    assert all(row.values.get("lead_unit") for row in sheet.rows)
    assert all(row.category for row in sheet.rows)
    assert {row.category for row in sheet.rows} == {c.name for c in sheet.categories}

    row = sheet.rows[0]
    assert row.row_number == 5
    assert row.category == "深化工程建设项目审批制度改革"
    assert row.values["title"] == "完善工程建设项目帮办代办服务"
    assert row.values["deadline"] == "2020年10月"
    assert sheet.rows[-1].category == "营造亲清政商关系"

    lead_marked = next(r for r in sheet.rows if "（牵头）" in r.values["lead_unit"])
    lead, _ = pick_lead(split_units(lead_marked.values["lead_unit"]))
    assert lead is not None and lead.marked_lead

    # Category 1 has 14 rows, as its heading says.
    assert sum(r.category == first.name for r in sheet.rows) == 14
    # Every deadline in the sample is understood.
    assert all(
        parse_deadline(r.values.get("deadline"), default_year=2020).understood for r in sheet.rows
    )


def test_reform_tasks_sample_flags_merged_category_rows() -> None:
    (sheet,) = read_workbook(SAMPLES / "reform-tasks.xlsx")
    # Title row plus 17 category rows (0-based indexes).
    assert len(sheet.merged_across) == 18
    assert {0, 3} <= sheet.merged_across
    assert sheet.rows[4][0] == 1  # integral values are ints


def test_service_items_sample() -> None:
    (sheet,) = parse_workbook(SAMPLES / "service-items.xlsx")
    assert len(sheet.rows) == 162
    assert len(sheet.categories) == 15
    assert sheet.categories[0].name == "新生儿出生"
    assert [c.order for c in sheet.categories] == list(range(15))
    assert all(row.category == row.values["category"] for row in sheet.rows)
    assert sheet.rows[0].extra["现办理时限（工作日）"] == 7
    assert all(
        parse_deadline(r.values.get("deadline"), default_year=2020).understood for r in sheet.rows
    )


def test_policies_sample() -> None:
    (sheet,) = parse_workbook(SAMPLES / "policies.xlsx")
    assert sheet.header_row_index == 0
    assert len(sheet.rows) == 120
    assert sheet.categories == []
    row = sheet.rows[0]
    assert row.row_number == 2
    assert row.category is None
    assert row.values["lead_unit"] == "区财政局"
    assert row.extra["文号"] == "青西新管发〔2018〕1号"
    assert row.extra["发布单位"] == "区发展改革局"


def test_campaign_targets_sample() -> None:
    (sheet,) = parse_workbook(SAMPLES / "campaign-targets.xlsx")
    assert len(sheet.rows) == 10
    for row in sheet.rows:
        for field in ("target_metric", "target_value", "current_value", "supporting_units"):
            assert row.values.get(field) not in (None, ""), (row.row_number, field)
    first = sheet.rows[0]
    assert first.values["target_value"] == 65
    assert [m.name for m in split_units(first.values["supporting_units"])] == [
        "区大数据管理中心",
        "区司法局",
    ]


# --- built workbooks -----------------------------------------------------------------------


def test_merged_down_unit_cell_fills_every_row() -> None:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.append(["序号", "工作任务", "牵头单位", "完成时限"])
        sheet.append([1, "任务一", "区财政局", "6月底前"])
        sheet.append([2, "任务二", None, "9月底前"])
        sheet.append([3, "任务三", None, "年底前"])
        sheet.append([4, "任务四", "区税务局", "长期坚持"])
        sheet.merge_cells("C2:C4")

    (parsed,) = parse_workbook(_xlsx(build))
    assert [row.values.get("lead_unit") for row in parsed.rows] == [
        "区财政局",
        "区财政局",
        "区财政局",
        "区税务局",
    ]


def test_one_sheet_per_category_uses_sheet_names() -> None:
    def build(workbook: openpyxl.Workbook) -> None:
        workbook.active.title = "工程建设"
        for index, name in enumerate(["工程建设", "不动产登记", "企业开办"]):
            sheet = workbook.active if index == 0 else workbook.create_sheet(name)
            sheet.append([f"{name}任务清单"])
            sheet.merge_cells("A1:D1")
            sheet.append(["序号", "任务名称", "责任单位", "完成时限"])
            sheet.append([1, f"{name}任务一", "区财政局", "6月底前"])
            sheet.append([2, f"{name}任务二", "区税务局", "年底前"])
        workbook.create_sheet("说明").append(["本表由区营商环境建设办公室汇总"])

    parsed = parse_workbook(_xlsx(build))
    assert [sheet.name for sheet in parsed] == ["工程建设", "不动产登记", "企业开办"]
    for order, sheet in enumerate(parsed):
        assert [(c.name, c.order) for c in sheet.categories] == [(sheet.name, order)]
        assert len(sheet.rows) == 2
        assert all(row.category == sheet.name for row in sheet.rows)


def test_single_sheet_without_categories_gets_no_sheet_category() -> None:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.title = "Sheet1"
        sheet.append(["序号", "任务名称", "责任单位", "完成时限"])
        sheet.append([1, "任务一", "区财政局", "6月底前"])

    (parsed,) = parse_workbook(_xlsx(build))
    assert parsed.categories == []
    assert parsed.rows[0].category is None


def test_category_rows_without_merge_notes_and_skipped_rows() -> None:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.append(["重点任务清单"])
        sheet.append(["序号", "工作任务", "责任单位", "完成时限", "备注"])
        sheet.append(["第一部分 简政放权（2项）"])
        sheet.append([1.0, "  任务一  ", "区财政局", "6月底前", None])
        sheet.append([None, None, None, None, None])
        sheet.append([None, "任务二", "区税务局", "9月底前", "  "])
        sheet.append(["（二）放管结合"])
        sheet.append([3, "任务三", "区司法局", "年底前", "需市级支持"])
        sheet.append([4, None, None, None, None])  # pre-numbered empty template row
        sheet.append(["序号", "工作任务", "责任单位", "完成时限", "备注"])  # repeated header
        sheet.append(["注：本表由区营商环境建设办公室汇总。"])
        sheet.append([5, "不应读取", "区财政局", "6月底前", None])

    (parsed,) = parse_workbook(_xlsx(build))
    assert [(c.code, c.name, c.order) for c in parsed.categories] == [
        ("一", "简政放权", 0),
        ("二", "放管结合", 1),
    ]
    assert [(r.row_number, r.category, r.values.get("title")) for r in parsed.rows] == [
        (4, "简政放权", "任务一"),
        (6, "简政放权", "任务二"),
        (8, "放管结合", "任务三"),
    ]
    assert parsed.rows[0].values["code"] == 1
    assert parsed.rows[2].values["note"] == "需市级支持"
    assert "note" not in parsed.rows[1].values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、深化工程建设项目审批制度改革（14项）", ("一", "深化工程建设项目审批制度改革")),
        ("（二）放管结合", ("二", "放管结合")),
        ("第三部分 优化服务(共5项)：", ("三", "优化服务")),
        ("十四、深化政务服务“一网通办”（10项）", ("十四", "深化政务服务“一网通办”")),
        ("一网通办", (None, "一网通办")),
    ],
)
def test_clean_category_heading(text: str, expected: tuple[str | None, str]) -> None:
    assert clean_category(text) == expected


def test_read_workbook_strips_trailing_empty_rows_and_columns() -> None:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.append(["序号", "任务名称", "责任单位", None, None])
        sheet.append([1, "任务一", "区财政局"])
        sheet["F10"] = "   "

    (sheet,) = read_workbook(_xlsx(build))
    assert sheet.rows == [["序号", "任务名称", "责任单位"], [1, "任务一", "区财政局"]]


def test_unmapped_headers_are_kept_as_extra_values() -> None:
    sheet = SheetData(
        name="Sheet1",
        rows=[
            ["序号", "任务名称", "责任单位", "完成时限", "文号", "文号"],
            [1, "任务一", "区财政局", "6月底前", "甲〔2020〕1号", "乙〔2020〕2号"],
        ],
    )
    parsed = parse_sheet(sheet)
    assert parsed.headers == ["序号", "任务名称", "责任单位", "完成时限", "文号", "文号"]
    assert parsed.rows[0].extra == {"文号": "甲〔2020〕1号", "文号#2": "乙〔2020〕2号"}


def test_parse_sheet_without_header_raises() -> None:
    with pytest.raises(HeaderNotFoundError):
        parse_sheet(SheetData(name="说明", rows=[["本表说明"]]))


def test_read_workbook_rejects_non_xlsx() -> None:
    with pytest.raises(WorkbookError):
        read_workbook(io.BytesIO(b"not a workbook"))


def test_two_header_rows_name_the_columns_by_the_lower_one() -> None:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.append(["序号", "工作任务", "责任单位", None, "完成时限"])
        sheet.append([None, None, "牵头单位", "配合单位", None])
        sheet.append([1, "推行容缺受理", "区财政局", "区税务局", "6月底前"])
        for merge in ("A1:A2", "B1:B2", "C1:D1", "E1:E2"):
            sheet.merge_cells(merge)

    (parsed,) = parse_workbook(_xlsx(build))

    assert parsed.headers == ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]
    assert [row.values for row in parsed.rows] == [
        {
            "code": 1,
            "title": "推行容缺受理",
            "lead_unit": "区财政局",
            "supporting_units": "区税务局",
            "deadline": "6月底前",
        }
    ]


def test_a_category_row_right_under_the_header_is_a_category_even_if_it_names_a_field() -> None:
    # 一、政务服务方面 holds 方面 (a word for the category column): merged across the sheet
    # right under the header, it must not be taken for a second header row.
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.append(["序号", "检查内容", "责任单位", "检查方式"])
        sheet.append(["一、政务服务方面（2项）"])
        sheet.append([1, "是否公开办事指南", "区行政审批服务局", "查阅资料"])
        sheet.append([2, "是否实行容缺受理", "区行政审批服务局", "实地检查"])
        sheet.merge_cells("A2:D2")

    (parsed,) = parse_workbook(_xlsx(build))

    assert parsed.headers == ["序号", "检查内容", "责任单位", "检查方式"]
    assert [(c.code, c.name) for c in parsed.categories] == [("一", "政务服务方面")]
    assert [(r.values["code"], r.category) for r in parsed.rows] == [
        (1, "政务服务方面"),
        (2, "政务服务方面"),
    ]
