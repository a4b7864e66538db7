"""The import's steps that need no database, each a module, in pipeline order.

    safety      bytes → judged (refused with a reason, or an Inspection of what they are)
    workbook    .xlsx → a grid of cleaned values per sheet (SheetData, rows.py)
    docx        .docx → its tables as grids, or its text
    sheets      a grid → header found, columns mapped (headers.py), categorised rows
    plan        a plan's text (with brackets.py) → the same categorised rows (ParsedSheet)
    checking    rows → task drafts with errors and warnings (fields.py, cells.py, drafts.py)
    numbering   every draft a number unique in its list

Units (units.py) and deadlines (deadlines.py) are read by the checks; unit names are
resolved against the directory by ``campaigns.services.import_steps``.
"""

from .deadlines import ParsedDeadline, parse_deadline
from .headers import HeaderMapping, find_header_row, map_headers, match_header
from .rows import HeaderNotFoundError, ParsedCategory, ParsedRow, ParsedSheet, SheetData
from .sheets import parse_sheet
from .units import Resolution, Suggestion, UnitDirectory, UnitMention, pick_lead, split_units
from .workbook import WorkbookError, parse_workbook, read_workbook

__all__ = [
    "HeaderMapping",
    "HeaderNotFoundError",
    "ParsedCategory",
    "ParsedDeadline",
    "ParsedRow",
    "ParsedSheet",
    "Resolution",
    "SheetData",
    "Suggestion",
    "UnitDirectory",
    "UnitMention",
    "WorkbookError",
    "find_header_row",
    "map_headers",
    "match_header",
    "parse_deadline",
    "parse_sheet",
    "parse_workbook",
    "pick_lead",
    "read_workbook",
    "split_units",
]
