"""Pure parsing layer for importing task lists (清单) from spreadsheets; no database access."""

from .deadlines import ParsedDeadline, parse_deadline
from .headers import HeaderMapping, find_header_row, map_headers, match_header
from .units import Resolution, Suggestion, UnitDirectory, UnitMention, pick_lead, split_units
from .workbook import (
    HeaderNotFoundError,
    ParsedCategory,
    ParsedRow,
    ParsedSheet,
    SheetData,
    WorkbookError,
    parse_sheet,
    parse_workbook,
    read_workbook,
)

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
