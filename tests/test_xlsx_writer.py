"""config.xlsx: the small writer behind 本周应报送, read back by openpyxl and by calamine (what
uploads are read with)."""

import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from config.xlsx import SheetWriter, Style, column_letter


def test_column_letters():
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def written() -> bytes:
    sheet = SheetWriter("表 <一> & 二")
    grey = sheet.style(Style(fill="EDEFF2", wrap=True, top=True))
    bold = sheet.style(Style(bold=True))
    assert sheet.style(Style(bold=True)) == bold, "a style is added once"
    sheet.column(2, 30)
    sheet.column(3, 12, hidden=True)
    sheet.row(["标题"], bold)
    sheet.row(["a<b & c>d", 7, 2.5, None, "", True], grey)
    sheet.row(["控制\x01字符\x1f去掉", "a<b & c>d", -3], [0, bold, grey], height=30)
    sheet.merge(1, 1, 1, 3)
    sheet.freeze(2, 2)
    sheet.whole_number_between("B2:B3", 0, 100, title="进度", error="0—100 <整数>")
    return sheet.save()


def test_openpyxl_reads_back_values_styles_and_layout():
    book = openpyxl.load_workbook(io.BytesIO(written()))
    sheet = book.active
    assert sheet.title == "表 <一> & 二"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["标题", None, None, None, None, None],
        ["a<b & c>d", 7, 2.5, None, None, True],
        ["控制字符去掉", "a<b & c>d", -3, None, None, None],
    ]
    assert sheet["A1"].font.bold
    for cell in sheet[2]:
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "FFEDEFF2"
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"
    assert sheet["A3"].fill.fill_type is None and sheet["B3"].font.bold
    assert sheet.column_dimensions["B"].width == 30
    assert sheet.column_dimensions["C"].hidden
    assert sheet.row_dimensions[3].height == 30
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:C1"}
    assert sheet.freeze_panes == "B2"
    (check,) = sheet.data_validations.dataValidation
    assert (check.type, check.formula1, check.formula2, str(check.sqref)) == (
        "whole",
        "0",
        "100",
        "B2:B3",
    )
    assert check.error == "0—100 <整数>"


def test_calamine_reads_back_the_values():
    rows = CalamineWorkbook.from_filelike(io.BytesIO(written())).get_sheet_by_index(0).to_python()
    assert rows[1][:3] == ["a<b & c>d", 7, 2.5]
    assert rows[2][:3] == ["控制字符去掉", "a<b & c>d", -3]


def test_a_value_of_another_type_is_refused():
    sheet = SheetWriter("x")
    with pytest.raises(TypeError):
        sheet.row([object()])
