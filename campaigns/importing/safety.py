"""Refuse hostile or broken uploads before any parser reads them.

Everything here works on the raw bytes and the zip's central directory, so a file is judged
before calamine (or python-docx) allocates anything for it:

* what the file really is, whatever its name says: .xlsx, .docx, plain text, or something we
  refuse with a reason a coordinator can act on (an old .xls, a password-protected workbook,
  a PDF, a web page saved as .xls, a truncated or damaged file);
* zip bombs: the declared uncompressed size, the number of entries and each entry's
  compression ratio are checked before anything is inflated, and inflating never goes past
  the declared size (``zipfile`` stops there and checks the CRC);
* XML entity tricks: no part may declare a DTD or entities; small parts are also parsed with
  defusedxml, which refuses them too;
* sheets whose extent would make a dense grid explode (more rows or columns than allowed,
  counted from the sheet XML, not from its self-declared dimension);
* formula cells are found and reported: the importer uses their cached values.

This module says what the bytes are; a zip (.xlsx, .docx) is judged part by part in
``zipparts.py``; the limits and the verdict (Inspection) are defined in ``uploads.py``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .uploads import (
    DEFAULT_LIMITS,
    ROW_HEADROOM,
    FileRefused,
    Inspection,
    Limits,
    SheetScan,
    column_letter,
)
from .zipparts import inspect_zip

__all__ = [
    "DEFAULT_LIMITS",
    "ROW_HEADROOM",
    "FileRefused",
    "Inspection",
    "Limits",
    "SheetScan",
    "column_letter",
    "inspect_upload",
]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def inspect_upload(
    data: bytes, filename: str = "", *, limits: Limits = DEFAULT_LIMITS
) -> Inspection:
    """Say what ``data`` is, or raise FileRefused with the reason it cannot be imported."""
    name = filename.lower()
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > limits.max_bytes:
        raise FileRefused(
            _("The file is %(size)s MB; files of at most %(limit)s MB can be imported.")
            % {"size": round(len(data) / 1024 / 1024, 1), "limit": limits.max_bytes // 1024 // 1024}
        )
    if data.startswith(OLE2_MAGIC):
        _refuse_ole2(data, name)
    if data.startswith(ZIP_MAGICS):
        return inspect_zip(data, name, limits)
    if data.startswith(b"%PDF"):
        raise FileRefused(
            _(
                "This is a PDF file. Import the list as Excel (.xlsx), or paste the text of the plan."
            )
        )
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table", b"<meta")):
        raise FileRefused(
            _(
                "This is a web page (HTML or XML) saved with a spreadsheet's name, not a real "
                "Excel workbook. Open it in Excel or WPS and save it as .xlsx."
            )
        )
    if name.endswith((".xlsx", ".xlsm", ".xls", ".docx", ".doc", ".et", ".wps")):
        raise FileRefused(
            _(
                "The file is named like an Office document but is not one (its name may have "
                "been changed, or it is damaged). Save it again as .xlsx or .docx."
            )
        )
    return Inspection(kind="text", text=_decode_text(data))


def _refuse_ole2(data: bytes, name: str) -> None:
    if _ENCRYPTED_STREAM in data:
        raise FileRefused(
            _(
                "The workbook is protected with a password, so it cannot be read. Remove the "
                "password in Excel (File › Info › Protect Workbook) and upload it again."
            )
        )
    if _WORD_STREAM in data or name.endswith(".doc"):
        raise FileRefused(
            _("This is an old Word document (.doc). Open it in Word or WPS and save it as .docx.")
        )
    raise FileRefused(
        _(
            "This is an old Excel workbook (.xls, Excel 97–2003). Open it in Excel or WPS and "
            "save it as .xlsx, then upload that file."
        )
    )


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            _("The file is neither an Excel workbook, a Word document nor plain text.")
        )
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("The text file is in an encoding that cannot be read; save it as UTF-8."))
