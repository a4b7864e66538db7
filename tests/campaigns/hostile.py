"""Hostile and broken files, built in memory: (file name, builder, words of the refusal)."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl

from tests.campaigns.conftest import sample

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def rewrite_zip(
    data: bytes, changes: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    """A copy of a zip with some entries replaced (None drops one) or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = changes.get(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def small_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["序号", "工作任务", "牵头单位", "完成时限"])
    book.active.append([1, "推行容缺受理", "区财政局", "6月底前"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_xml_of(data: bytes, part: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(part)


def sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""

XXE_WORKBOOK = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&xxe;</workbook>"""


def lying_zip() -> bytes:
    """A zip whose central directory declares 1,000 bytes for an entry that inflates to 2 MB."""
    data = rewrite_zip(small_xlsx(), {}, {"xl/media/blob.bin": b"\0" * 2_000_000})
    position = data.rfind(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack("<H", data[position + 28 : position + 30])[0]
        name = data[position + 46 : position + 46 + name_length]
        if name == b"xl/media/blob.bin":
            return data[: position + 24] + struct.pack("<I", 1000) + data[position + 28 :]
        position = data.rfind(b"PK\x01\x02", 0, position)
    raise AssertionError("entry not found")


def encrypted_entry() -> bytes:
    data = bytearray(small_xlsx())
    position = data.find(b"PK\x01\x02")
    data[position + 8] |= 0x1  # the central directory's "encrypted" flag
    return bytes(data)


def sparse(ref: str) -> bytes:
    xml = sheet_xml(small_xlsx()).replace(
        b"</sheetData>", f'<row r="5"><c r="{ref}" t="n"><v>1</v></c></row></sheetData>'.encode()
    )
    return rewrite_zip(small_xlsx(), {"xl/worksheets/sheet1.xml": xml})


HOSTILE = {
    "not a workbook": (
        "list.xlsx",
        lambda: b"just some text, not a workbook",
        "扩展名是 Office 文档",
    ),
    "truncated": ("list.xlsx", lambda: sample("reform-tasks.xlsx")[:12000], "不完整或已损坏"),
    "password-protected": (
        "list.xlsx",
        lambda: OLE2
        + b"\0" * 500
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 500,
        "设有打开密码",
    ),
    "old .xls": (
        "list.xls",
        lambda: OLE2 + b"\0" * 500 + "Workbook".encode("utf-16-le") + b"\0" * 500,
        "旧版 Excel 工作簿（.xls",
    ),
    "old .doc": (
        "plan.doc",
        lambda: OLE2 + b"\0" * 500 + "WordDocument".encode("utf-16-le"),
        "旧版 Word 文档",
    ),
    "binary .xlsb": (
        "list.xlsb",
        lambda: rewrite_zip(small_xlsx(), {}, {"xl/workbook.bin": b"\0"}),
        ".xlsb",
    ),
    "zip bomb by ratio": (
        "list.xlsx",
        lambda: rewrite_zip(small_xlsx(), {}, {"xl/media/zeros.bin": b"\0" * 3_000_000}),
        "解压后为压缩大小的",
    ),
    "lying zip header": ("list.xlsx", lying_zip, "不完整或已损坏"),
    "encrypted zip entry": ("list.xlsx", encrypted_entry, "设有密码"),
    "billion laughs": (
        "list.xlsx",
        lambda: rewrite_zip(small_xlsx(), {"xl/worksheets/sheet1.xml": BILLION_LAUGHS}),
        "声明了 XML 实体",
    ),
    "external entity": (
        "list.xlsx",
        lambda: rewrite_zip(small_xlsx(), {"xl/workbook.xml": XXE_WORKBOOK}),
        "声明了 XML 实体",
    ),
    "cell at XFD1048576": ("list.xlsx", lambda: sparse("XFD1048576"), "超出第51,000行或CV列"),
    "a column far right": ("list.xlsx", lambda: sparse("ZZ5"), "超出第51,000行或CV列"),
    "PDF": ("list.pdf", lambda: b"%PDF-1.7\n...", "PDF"),
    "web page as .xls": (
        "list.xls",
        lambda: b"<html><body><table><tr><td>1</td></tr></table>",
        "网页",
    ),
    "empty": ("list.xlsx", lambda: b"", "文件为空"),
    "zip that is no office file": (
        "list.zip",
        lambda: rewrite_zip(small_xlsx(), {"xl/workbook.xml": None}),
        "压缩包",
    ),
}
