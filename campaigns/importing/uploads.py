"""What judging an upload gives: the limits it is judged by, the verdict, or the refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

from config.xlsx import column_letter as letter_of

__all__ = [
    "DEFAULT_LIMITS",
    "ROW_HEADROOM",
    "FileRefused",
    "Inspection",
    "Limits",
    "SheetScan",
    "column_letter",
]

# Room above max_rows for title, header, category and note rows.
ROW_HEADROOM = 1000


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
    """0 → A, 25 → Z, 26 → AA: the letter of a column counted from 0, as the importer counts."""
    return letter_of(index + 1)
