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
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePosixPath

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

__all__ = [
    "DEFAULT_LIMITS",
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

# Parts at most this big are parsed in full with defusedxml; bigger ones (sheets, shared
# strings) have their prolog checked for a DTD, which is where entities would be declared.
_FULL_PARSE_MAX = 1024 * 1024
# Small entries may compress very well (a sheet of empty cells); the ratio only counts above this.
_RATIO_GRACE_BYTES = 1024 * 1024
# Room above max_rows for title, header, category and note rows.
ROW_HEADROOM = 1000

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_ROOT_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_ELEMENT_START = re.compile(rb"<(?![?!])")


def _greater_than(number: str, digits: str) -> str:
    """A regex matching any string of ``digits`` (no leading zero) that is greater than ``number``.

    Used to look for a cell or row reference beyond the allowed extent in one pass over the
    sheet XML, without collecting every reference.
    """
    low, high = digits[0], digits[-1]
    first = digits[1] if low == "0" else low
    choices = [f"[{first}-{high}][{low}-{high}]{{{len(number)},}}"]  # more places
    for position, char in enumerate(number):
        bigger = digits[digits.index(char) + 1 :]
        if bigger:
            rest = len(number) - position - 1
            choices.append(
                f"{re.escape(number[:position])}[{bigger[0]}-{high}][{low}-{high}]{{{rest}}}"
            )
    return "(?:" + "|".join(choices) + ")"


class _SheetPatterns:
    """Byte patterns for one namespace prefix and one set of limits (cached)."""

    _cache: dict[tuple[bytes, int, int], _SheetPatterns] = {}

    def __init__(self, prefix: bytes, max_row: int, max_column: int):
        p = re.escape(prefix)
        row_gt = _greater_than(str(max_row), "0123456789").encode()
        col_gt = _greater_than(column_letter(max_column - 1), "ABCDEFGHIJKLMNOPQRSTUVWXYZ").encode()
        self.row_open = b"<" + prefix + b"row"
        self.row_without_ref = re.compile(rb"<" + p + rb"row(?:/?>|\s(?!r=))")
        self.row_too_far = re.compile(rb"<" + p + rb"row r=\"" + row_gt + rb"\"")
        self.cell_without_ref = re.compile(rb"<" + p + rb"c(?:/?>|\s(?!r=))")
        self.cell_too_far = re.compile(
            rb"<" + p + rb"c r=\"(?:" + col_gt + rb"\d+|[A-Z]+" + row_gt + rb")\""
        )
        self.formula = re.compile(rb"<" + p + rb"f[\s/>]")
        self.formula_cell = re.compile(
            rb"<" + p + rb"c\s[^>]*?\br=\"([A-Z]{1,4})(\d{1,9})\"[^>]*>\s*<" + p + rb"f[\s/>]"
        )
        # The general forms, for sheets whose cells do not all start with their reference.
        self.any_row = re.compile(rb"<" + p + rb"row[\s/>]")
        self.any_cell = re.compile(rb"<" + p + rb"c[\s/>]")
        self.row_number = re.compile(rb"<" + p + rb"row\s[^>]*?\br=\"(\d{1,9})\"")
        self.cell_ref = re.compile(rb"<" + p + rb"c\s[^>]*?\br=\"([A-Z]{1,4})(\d{1,9})\"")

    @classmethod
    def get(cls, prefix: bytes, max_row: int, max_column: int) -> _SheetPatterns:
        key = (prefix, max_row, max_column)
        if key not in cls._cache:
            cls._cache[key] = cls(prefix, max_row, max_column)
        return cls._cache[key]


class FileRefused(ValueError):
    """The upload is refused; ``message`` says why, in words a coordinator can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    """How much an upload may hold. Defaults match the settings' defaults (IMPORT_*)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000
    max_columns: int = 100
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_entries: int = 1_000
    max_ratio: int = 100


DEFAULT_LIMITS = Limits()


@dataclass
class SheetScan:
    """What the sheet XML says about one worksheet, counted before it is parsed."""

    name: str
    visible: bool
    rows: int = 0
    max_row: int = 0
    max_column: int = 0
    # 0-based (row, column) of every formula cell, in sheet order.
    formula_cells: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Inspection:
    """The verdict on an upload that was not refused."""

    kind: str  # "xlsx", "docx" or "text"
    sheets: list[SheetScan] = field(default_factory=list)
    text: str = ""  # the decoded text of a text file


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_index(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number - 1


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
        return _inspect_zip(data, name, limits)
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


def _damaged() -> FileRefused:
    return FileRefused(
        _(
            "The file is incomplete or damaged (the upload may have been cut off). Open it in "
            "Excel or Word to check it, save it again and upload the new copy."
        )
    )


def _inspect_zip(data: bytes, name: str, limits: Limits) -> Inspection:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged() from exc
    names = {entry.filename for entry in entries}
    if "xl/workbook.bin" in names:
        raise FileRefused(
            _("This is a binary Excel workbook (.xlsb). Open it in Excel and save it as .xlsx.")
        )
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise FileRefused(_("The workbook is protected with a password, so it cannot be read."))
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "word/document.xml" in names:
        kind = "docx"
    else:
        raise FileRefused(
            _(
                "The file is a zip archive but neither an Excel workbook (.xlsx) nor a Word document (.docx)."
            )
        )

    # Zip bomb: judge the central directory before inflating a single byte.
    if len(entries) > limits.max_entries:
        raise FileRefused(
            _(
                "The file holds %(count)s parts; at most %(limit)s are allowed. It is not a normal %(kind)s file."
            )
            % {"count": len(entries), "limit": limits.max_entries, "kind": kind}
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_uncompressed_bytes:
        raise FileRefused(
            _(
                "Unpacked, the file would take %(size)s MB; at most %(limit)s MB are allowed "
                "(this is how zip bombs are built)."
            )
            % {
                "size": declared // 1024 // 1024,
                "limit": limits.max_uncompressed_bytes // 1024 // 1024,
            }
        )
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise FileRefused(_("The file is protected with a password, so it cannot be read."))
        if entry.file_size > _RATIO_GRACE_BYTES:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > limits.max_ratio:
                raise FileRefused(
                    _(
                        "A part of the file unpacks to %(ratio)s times its packed size; at most "
                        "%(limit)s is allowed (this is how zip bombs are built)."
                    )
                    % {"ratio": int(ratio), "limit": limits.max_ratio}
                )

    def read(entry: zipfile.ZipInfo) -> bytes:
        try:
            # ZipExtFile stops at the declared size and checks the CRC, so a lying header
            # cannot make this inflate more than was judged above.
            content = archive.read(entry)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise _damaged() from exc
        if entry.filename.endswith((".xml", ".rels", ".vml")) or entry.filename.startswith(
            "[Content_Types]"
        ):
            _check_xml(content)
        return content

    inspection = Inspection(kind=kind)
    sheets: dict[str, tuple[str, bool]] = {}
    if kind == "xlsx":
        by_name = {entry.filename: entry for entry in entries}
        book = read(by_name["xl/workbook.xml"])
        rels_entry = by_name.get("xl/_rels/workbook.xml.rels")
        rels = read(rels_entry) if rels_entry else None
        sheets = {part: (sheet, visible) for sheet, visible, part in _sheet_parts(book, rels)}
    scans: dict[str, SheetScan] = {}
    rows_so_far = 0
    for entry in entries:
        if entry.is_dir():
            continue
        content = read(entry)  # every part, so that damage anywhere is found now
        if entry.filename in sheets:
            sheet, visible = sheets[entry.filename]
            scan = _scan_sheet(sheet, visible, content, limits, rows_so_far)
            rows_so_far += scan.max_row if visible else 0
            scans[entry.filename] = scan
        del content
    inspection.sheets = [scans[part] for part in sheets if part in scans]
    return inspection


def _check_xml(content: bytes) -> None:
    """No DTD, no entity declarations; small parts are parsed with defusedxml as well."""
    text = content
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = content.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise _damaged() from exc
    start = _ELEMENT_START.search(text)
    prolog = text[: start.start()] if start else text
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise _entities()
    if len(content) <= _FULL_PARSE_MAX:
        try:
            SafeET.fromstring(content, forbid_dtd=True, forbid_entities=True)
        except DefusedXmlException as exc:
            raise _entities() from exc
        except SafeET.ParseError as exc:
            raise _damaged() from exc


def _entities() -> FileRefused:
    return FileRefused(
        _(
            "The file declares XML entities (a DTD), which real Office files never do; it is "
            "refused because such files are used to attack servers."
        )
    )


def _sheet_parts(book_xml: bytes, rels_xml: bytes | None) -> list[tuple[str, bool, str]]:
    """(sheet name, visible, part path) for every worksheet, in workbook order."""
    try:
        book = SafeET.fromstring(book_xml, forbid_dtd=True)
        rels = SafeET.fromstring(rels_xml, forbid_dtd=True) if rels_xml else None
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise _damaged() from exc
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id", "")] = str(PurePosixPath(path))
    sheets = []
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        part = targets.get(sheet.get(f"{{{_REL_NS}}}id", ""), "")
        visible = sheet.get("state", "visible") == "visible"
        sheets.append((sheet.get("name", ""), visible, part))
    return sheets


def _scan_sheet(
    name: str, visible: bool, xml: bytes, limits: Limits, rows_before: int
) -> SheetScan:
    """Refuse a sheet whose extent is too big, counted from its XML; find its formula cells.

    calamine builds a dense grid from the highest row and column any cell names, so one cell
    at XFD1048576 in an 11 KB file would ask for half a terabyte: every reference counts.
    The usual XML (each row and cell starting with its reference) is checked with a few
    searches; anything else takes the slower path that reads every reference.
    """
    max_rows = limits.max_rows + ROW_HEADROOM
    found = _ROOT_PREFIX.search(xml, 0, 4096)
    prefix = (found.group(1) or b"") if found else b""
    patterns = _SheetPatterns.get(prefix, max_rows, limits.max_columns)
    scan = SheetScan(name=name, visible=visible)
    scan.rows = xml.count(patterns.row_open)
    too_far = False
    if patterns.row_without_ref.search(xml) or patterns.cell_without_ref.search(xml):
        too_far = _extent_the_long_way(scan, xml, patterns, max_rows, limits.max_columns)
    else:
        too_far = bool(patterns.row_too_far.search(xml) or patterns.cell_too_far.search(xml))
        scan.max_row = scan.rows
    if too_far or scan.rows > max_rows or (visible and rows_before + scan.rows > max_rows):
        if scan.max_column > limits.max_columns:
            raise FileRefused(
                _(
                    "Sheet “%(sheet)s” uses %(count)s columns; at most %(limit)s are allowed. "
                    "Delete the empty columns at its right and save again."
                )
                % {"sheet": name, "count": scan.max_column, "limit": limits.max_columns}
            )
        raise FileRefused(
            _(
                "Sheet “%(sheet)s” reaches beyond row %(rows)s or column %(column)s; at most "
                "%(limit)s tasks can be imported at once. Delete the empty rows and columns "
                "around the table, or split the list into several files."
            )
            % {
                "sheet": name,
                "rows": f"{max_rows:,}",
                "column": column_letter(limits.max_columns - 1),
                "limit": f"{limits.max_rows:,}",
            }
        )
    if patterns.formula.search(xml):
        scan.formula_cells = [
            (int(number) - 1, _column_index(letters))
            for letters, number in patterns.formula_cell.findall(xml)
        ]
    return scan


def _extent_the_long_way(
    scan: SheetScan, xml: bytes, patterns: _SheetPatterns, max_rows: int, max_columns: int
) -> bool:
    """Read every row and cell reference; cells without one are placed one after another."""
    rows = [int(number) for number in patterns.row_number.findall(xml)]
    refs = patterns.cell_ref.findall(xml)
    scan.rows = len(patterns.any_row.findall(xml))
    scan.max_row = max(max(rows, default=0), scan.rows)
    scan.max_row = max(scan.max_row, max((int(n) for n in {n for _c, n in refs}), default=0))
    scan.max_column = max((_column_index(c) + 1 for c in {c for c, _n in refs}), default=0)
    widest = max(
        (len(patterns.any_cell.findall(chunk)) for chunk in patterns.any_row.split(xml)),
        default=0,
    )
    scan.max_column = max(scan.max_column, widest)
    return scan.max_row > max_rows or scan.max_column > max_columns
