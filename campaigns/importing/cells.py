"""Cell values → text, JSON and numbers, as the checks need them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from .rows import CellValue

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def cell_text(value: CellValue) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if type(value) is int:  # a number such as 12 (not a bool): the isinstance tests below
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_json(value: CellValue) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return cell_text(value) if not isinstance(value, dt.time | dt.timedelta) else str(value)
    return value


def cell_number(value: CellValue) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "")
        match = _NUMBER.search(text)
        if not match:
            return None
        number = Decimal(match[0])
    try:
        return number.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
