"""The workbook's clean grid (CleanSheetData) is walked without stripping every cell again:
the walk must find what the general walk finds in the same rows."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from campaigns.importing.rows import SheetData
from campaigns.importing.sheets import CleanSheetData, parse_sheet
from campaigns.importing.workbook import read_workbook

HEADER = ["序号", "改革攻坚任务", "具体目标", "责任单位", "完成时限", "文号", "备注"]


def _workbook() -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某区改革任务清单"])
    sheet.merge_cells("A1:G1")
    sheet.append(HEADER)
    sheet.append(["一、深化改革（3项）"])
    sheet.merge_cells("A3:G3")
    sheet.append([1.0, "  任务一 ", "'=目标", "区财政局", dt.datetime(2020, 6, 30), "甲1号", None])
    sheet.append([2, "任务二", "  '=目标", "区司法局", "6月底前", "   ", ""])
    sheet.append(["（二）优化服务"])
    sheet.append([None, "任务三", None, "区商务局"])
    sheet.append(HEADER)  # the header printed again on a new page
    sheet.append([3, None, None, None, None, "只有文号"])  # no title, no code: skipped
    sheet.append([4, "任务四", None, "区税务局", None, None, "备注"])
    sheet.append([5, "任务五"])
    sheet.merge_cells("D10:D11")  # merged down: the unit repeated below
    sheet.append([None, None, None, None, None, None, None, "  "])
    sheet.append(["注：以上任务按季度报送"])
    sheet.append([6, "注释之后的任务"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_workbook_is_read_as_a_clean_grid() -> None:
    (sheet,) = read_workbook(_workbook())
    assert isinstance(sheet, CleanSheetData)
    assert {len(row) for row in sheet.rows} == {len(HEADER)}  # the blank H12 is not a column
    assert sheet.rows[3][:3] == [1, "任务一", "=目标"]  # the export's quote undone
    assert sheet.rows[4][2] == "'=目标"  # spaces before the quote: not the export's escaping
    assert sheet.rows[4][5:] == [None, None]
    assert sheet.merged_across == {0, 2}
    for row in sheet.rows:
        for value in row:
            assert not isinstance(value, str) or (value and value == value.strip())


def test_the_clean_walk_finds_what_the_general_walk_finds() -> None:
    (clean,) = read_workbook(_workbook())
    general = SheetData(
        name=clean.name,
        rows=[list(row) for row in clean.rows],
        merged_across=set(clean.merged_across),
        formula_cells=clean.formula_cells,
    )
    fast, slow = parse_sheet(clean), parse_sheet(general)
    assert fast == slow
    assert [row.values["title"] for row in fast.rows] == [
        "任务一",
        "任务二",
        "任务三",
        "任务四",
        "任务五",
    ]
    assert [category.name for category in fast.categories] == ["深化改革", "优化服务"]
    assert fast.rows[0].extra == {"文号": "甲1号"}
    assert fast.rows[1].values["content"] == "'=目标"
    assert fast.rows[3].values["note"] == "备注"
    assert fast.rows[4].values["lead_unit"] == "区税务局"  # merged down from the row above


def test_a_merged_range_with_an_empty_top_left_empties_the_cells_below() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "任务名称", "责任单位", None])
    sheet.append([1, "任务一", "区财政局", None])
    sheet.append([2, "任务二", "区司法局", "x"])
    sheet["D3"] = "x"
    sheet.merge_cells("D2:D3")  # openpyxl keeps D3's value in the file
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    (read,) = read_workbook(buffer)
    assert read.rows == [
        ["序号", "任务名称", "责任单位"],
        [1, "任务一", "区财政局"],
        [2, "任务二", "区司法局"],
    ]
