"""Hostile and broken files are refused with a clear reason, before anything reads them, and
nothing is written."""

from __future__ import annotations

import pytest

from campaigns.importing.safety import Limits, inspect_upload
from campaigns.services.imports import tasklist_import
from tests.campaigns.conftest import counts, sample
from tests.campaigns.hostile import HOSTILE, rewrite_zip, sheet_xml, sheet_xml_of, small_xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_or_broken_file_is_refused_with_its_reason_and_nothing_is_written(
    campaign, coordinator, case
):
    filename, build, reason = HOSTILE[case]
    before = counts()

    report = tasklist_import(campaign=campaign, data=build(), filename=filename, by=coordinator)

    assert report.result is None
    assert len(report.errors) == 1
    assert reason in report.errors[0].message, report.errors[0].message
    assert report.as_json()["errors"][0]["row"] is None
    assert counts() == before


def test_a_file_declaring_more_than_the_allowed_unpacked_size_is_refused(campaign, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = rewrite_zip(small_xlsx(), {}, {"xl/media/blob.bin": bytes(range(256)) * 8000})

    report = tasklist_import(campaign=campaign, data=data, filename="a.xlsx")

    assert "解压后达" in report.errors[0].message


def test_a_file_with_too_many_parts_is_refused(campaign, settings):
    settings.IMPORT_MAX_ZIP_ENTRIES = 8

    report = tasklist_import(campaign=campaign, data=sample("policies.xlsx"), filename="a.xlsx")

    assert "个部件，最多允许8个" in report.errors[0].message


def test_more_rows_than_the_limit_are_refused_before_reading(campaign, settings):
    settings.IMPORT_MAX_ROWS = 290  # the sheet's 314 rows are within the headroom: rows are counted
    before = counts()

    report = tasklist_import(campaign=campaign, data=sample("reform-tasks.xlsx"), filename="a.xlsx")

    assert report.result is None
    assert "文件共有294项任务，一次最多导入290项" in report.errors[0].message
    assert counts() == before


def test_a_sheet_far_beyond_the_row_limit_is_refused_from_its_xml(campaign, settings):
    settings.IMPORT_MAX_ROWS = 10
    limits = Limits(max_rows=10)
    xml = sheet_xml(small_xlsx()).replace(
        b"</sheetData>",
        b"".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'.encode() for n in range(3, 1020))
        + b"</sheetData>",
    )
    data = rewrite_zip(small_xlsx(), {"xl/worksheets/sheet1.xml": xml})

    with pytest.raises(Exception, match="一次最多导入10项"):
        from django.utils import translation

        with translation.override("zh-hans"):
            inspect_upload(data, "a.xlsx", limits=limits)
    report = tasklist_import(campaign=campaign, data=data, filename="a.xlsx")
    assert "一次最多导入10项" in report.errors[0].message


def test_formula_cells_use_their_cached_values_and_say_so(campaign):
    import re

    xml = sheet_xml(small_xlsx())
    formula = '<c r="B2" t="str"><f>CONCAT("推行","容缺受理")</f><v>推行容缺受理</v></c>'
    xml = re.sub(rb'<c r="B2"[^>]*>.*?</c>', formula.encode(), xml)
    row = (
        '<row r="3"><c r="A3"><f>A2+1</f><v>2</v></c>'
        '<c r="B3" t="inlineStr"><is><t>任务</t></is></c>'
        '<c r="C3" t="inlineStr"><is><t>区财政局</t></is></c></row>'
    )
    xml = xml.replace(b"</sheetData>", row.encode() + b"</sheetData>")
    data = rewrite_zip(small_xlsx(), {"xl/worksheets/sheet1.xml": xml})
    assert b"<f>" in sheet_xml(data)

    report = tasklist_import(campaign=campaign, data=data, filename="f.xlsx")

    assert report.errors == []
    task_list = report.result.task_list
    assert task_list.tasks.get(code="1").title == "推行容缺受理"
    assert task_list.tasks.get(code="2").title == "任务"
    warnings = [issue.message for issue in report.plan.warnings]
    assert any("第2行“工作任务”列：该单元格是公式" in w for w in warnings), warnings
    assert any("第3行“序号”列：该单元格是公式" in w for w in warnings), warnings


def test_a_normal_large_workbook_is_not_mistaken_for_a_bomb():
    from benchmarks.generate import reform_workbook

    inspection = inspect_upload(reform_workbook(3000), "big.xlsx")

    assert inspection.kind == "xlsx"
    assert inspection.sheets[0].rows == 3000 + 3 + 17


def test_a_word_table_wider_than_allowed_is_refused(campaign):
    import io

    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "序号"
    buffer = io.BytesIO()
    document.save(buffer)
    data = rewrite_zip(
        buffer.getvalue(),
        {
            "word/document.xml": sheet_xml_of(buffer.getvalue(), "word/document.xml").replace(
                b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="1000000"/>', 1
            )
        },
    )

    report = tasklist_import(campaign=campaign, data=data, filename="a.docx")

    assert "文档中有表格超过" in report.errors[0].message


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"<worksheet><sheetData><row></sheetData></worksheet>", "不完整或已损坏"),
        (b"<?xml version='1.0'?><worksheet><sheetData/>", "不完整或已损坏"),
        (b'<worksheet><c t="s">&unknown;</c></worksheet>', "不完整或已损坏"),
        # Past the prolog check (it looks before the first element): the parser still refuses.
        (b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet>&e;</worksheet>', "声明了 XML 实体"),
    ],
)
def test_every_small_part_is_parsed_whole_for_damage_and_entities(content, reason):
    from campaigns.importing import zipparts
    from campaigns.importing.uploads import FileRefused

    with pytest.raises(FileRefused) as refused:
        zipparts._parse_plain(content)
    assert reason in str(refused.value.message)
    zipparts._parse_plain(b"<?xml version='1.0'?><worksheet><sheetData/></worksheet>")
    zipparts._parse_plain(sheet_xml(small_xlsx()))
