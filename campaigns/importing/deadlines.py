"""Understand the free-form deadline cells found in government task lists.

Deadline columns mix real date cells, Excel serial numbers and Chinese phrases such as
``2020年6月底前``, ``9月底``, ``年底前``, ``三季度末`` or ``长期坚持``.  ``parse_deadline``
turns any of them into a :class:`ParsedDeadline`; anything it cannot read with confidence is
reported as not understood so the caller can warn instead of guessing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ONGOING_KEYWORDS", "ParsedDeadline", "date_phrases", "parse_deadline"]

#: Phrases meaning "no fixed end date" (the task is kept up continuously or recurs).
ONGOING_KEYWORDS: tuple[str, ...] = (
    "长期",
    "持续",
    "常态化",
    "长效",
    "常年",
    "经常性",
    "定期",
    "滚动",
    "每年",
    "每季度",
    "每月",
    "每周",
)

# Excel serial numbers accepted as dates: 1950-01-01 .. 2100-12-31.
_SERIAL_MIN = 18264
_SERIAL_MAX = 73415
_EXCEL_EPOCH = dt.date(1899, 12, 30)

_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Day of month for the part-of-month words; None means the last day.
_MONTH_PART_DAY: dict[str | None, int | None] = {
    None: None,
    "底": None,
    "末": None,
    "下旬": None,
    "上旬": 10,
    "初": 10,
    "中旬": 20,
    "中": 15,
}


@dataclass(frozen=True)
class ParsedDeadline:
    """Outcome of reading one deadline cell.

    ``text`` is the cell as written (``YYYY-MM-DD`` for date cells); ``understood`` is False
    when the text could not be read, in which case ``date`` is None and the caller should warn.
    """

    date: dt.date | None
    ongoing: bool
    text: str
    understood: bool


def _last_day(year: int, month: int) -> dt.date:
    """Return the last day of a month (raises ValueError for an invalid month)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} out of range")
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_date(year: int, month: int, part: str | None) -> dt.date:
    """Return the date a 'month (+ part of month)' phrase stands for."""
    day = _MONTH_PART_DAY.get(part)
    if day is None:
        return _last_day(year, month)
    return dt.date(year, month, day)


def _quarter_end(year: int, quarter: int) -> dt.date:
    """Return the last day of a calendar quarter."""
    return _last_day(year, quarter * 3)


_Handler = Callable[[re.Match[str], int], dt.date]

_MONTH_PART = r"(底|末|上旬|中旬|下旬|初|中)?"
# "年内" after a count ("1年内", "两年内", "每年") is a duration or a recurrence, not a year end.
_NOT_COUNTED = r"(?<![\d一二三四五六七八九十两几半每])"

# Ordered most specific first; the first pattern found anywhere in the text wins.
_PATTERNS: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (  # 2020年9月30日 / 2020.9.30 / 2020-09-30 / 2020/9/30
        re.compile(r"(?<!\d)(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})(?:日|号)?(?!\d)"),
        lambda m, y: dt.date(int(m[1]), int(m[2]), int(m[3])),
    ),
    (  # 20200930
        re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"),
        lambda m, y: dt.date(int(m[1]), int(m[2]), int(m[3])),
    ),
    (  # 2020年6月底 / 2020年6月 / 2020.6 / 2020年6月中旬
        re.compile(r"(?<!\d)(\d{4})[年.\-/](\d{1,2})(?!\d)月?份?" + _MONTH_PART),
        lambda m, y: _month_date(int(m[1]), int(m[2]), m[3]),
    ),
    (  # 2021年上半年
        re.compile(r"(?<!\d)(\d{4})年?(上|下)半年(?:底|末)?"),
        lambda m, y: dt.date(int(m[1]), 6 if m[2] == "上" else 12, 30 if m[2] == "上" else 31),
    ),
    (  # 2021年第三季度 / 2021年三季度末
        re.compile(r"(?<!\d)(\d{4})年?第?([一二三四1-4])季度(?:末|底)?"),
        lambda m, y: _quarter_end(int(m[1]), _CN_QUARTER[m[2]]),
    ),
    (  # 2021年Q3 / 2021Q3
        re.compile(r"(?<!\d)(\d{4})年?[Qq]([1-4])(?!\d)"),
        lambda m, y: _quarter_end(int(m[1]), int(m[2])),
    ),
    (  # 9月30日
        re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})(?:日|号)?(?!\d)"),
        lambda m, y: dt.date(y, int(m[1]), int(m[2])),
    ),
    (  # 6月底 / 6月 / 6月份 / 6月上旬
        re.compile(r"(?<!\d)(\d{1,2})月份?" + _MONTH_PART),
        lambda m, y: _month_date(y, int(m[1]), m[2]),
    ),
    (  # 上半年 / 下半年
        re.compile(r"(上|下)半年(?:底|末)?"),
        lambda m, y: dt.date(y, 6 if m[1] == "上" else 12, 30 if m[1] == "上" else 31),
    ),
    (  # 第三季度 / 三季度末
        re.compile(r"第?([一二三四1-4])季度(?:末|底)?"),
        lambda m, y: _quarter_end(y, _CN_QUARTER[m[1]]),
    ),
    (  # Q3
        re.compile(r"(?<![A-Za-z])[Qq]([1-4])(?!\d)"),
        lambda m, y: _quarter_end(y, int(m[1])),
    ),
    (  # 2020年底 / 2020年内 / 2020年度 / 2020年
        re.compile(r"(?<!\d)(\d{4})年度?(?:底|末|内)?"),
        lambda m, y: dt.date(int(m[1]), 12, 31),
    ),
    (  # 年中
        re.compile(_NOT_COUNTED + r"(?:今|本|当)?年中"),
        lambda m, y: dt.date(y, 6, 30),
    ),
    (  # 年底 / 年末 / 年内 / 年度内 / 本年度 / 全年
        re.compile(_NOT_COUNTED + r"(?:(?:今|本|当)?年度?(?:底|末|内)|本年度|全年)"),
        lambda m, y: dt.date(y, 12, 31),
    ),
)

_WHITESPACE = re.compile(r"\s+")
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")


def _normalise(text: str) -> str:
    """Fold full-width characters (digits, punctuation, spaces) and drop all whitespace."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def _find_date(text: str) -> tuple[re.Match[str], _Handler] | None:
    """Return the first (most specific) date expression in ``text``."""
    for pattern, handler in _PATTERNS:
        match = pattern.search(text)
        if match:
            return match, handler
    return None


_BEFORE = re.compile(r"(?:以前|之前|前)")


def date_phrases(text: str) -> list[str]:
    """Every date expression in a sentence, in order, with a following 前 kept.

    "编制方案，2021年6月底前完成。" → ["2021年6月底前"]. A plan's sentence names its deadline
    this way when its bracket does not; with two or more, the caller cannot tell which.
    """
    text = _normalise(text)
    phrases = []
    position = 0
    while position < len(text):
        earliest = None
        for pattern, _handler in _PATTERNS:
            match = pattern.search(text, position)
            if (
                match
                and match.end() > match.start()
                and (earliest is None or match.start() < earliest.start())
            ):
                earliest = match
        if earliest is None:
            break
        end = earliest.end()
        before = _BEFORE.match(text, end)
        if before:
            end = before.end()
        phrases.append(text[earliest.start() : end])
        position = end
    return phrases


def _from_serial(number: float, original: str) -> ParsedDeadline:
    """Read an Excel serial day number (or a bare year) as a deadline."""
    if _SERIAL_MIN <= number <= _SERIAL_MAX:
        day = _EXCEL_EPOCH + dt.timedelta(days=int(number))
        return ParsedDeadline(day, False, day.isoformat(), True)
    if float(number).is_integer() and 1900 <= number <= 2100:
        return ParsedDeadline(dt.date(int(number), 12, 31), False, original, True)
    return ParsedDeadline(None, False, original, False)


def parse_deadline(value: object, *, default_year: int) -> ParsedDeadline:
    """Interpret one deadline cell; phrases without a year use ``default_year``."""
    if value is None:
        return ParsedDeadline(None, False, "", True)
    if isinstance(value, dt.datetime):
        day = value.date()
        return ParsedDeadline(day, False, day.isoformat(), True)
    if isinstance(value, dt.date):
        return ParsedDeadline(value, False, value.isoformat(), True)
    if isinstance(value, bool):
        return ParsedDeadline(None, False, str(value), False)
    if isinstance(value, int | float):
        original = str(int(value)) if float(value).is_integer() else str(value)
        return _from_serial(value, original)

    original = str(value).strip()
    text = _normalise(original)
    if not text:
        return ParsedDeadline(None, False, "", True)
    if _SERIAL_TEXT.match(text):
        return _from_serial(float(text), original)

    ongoing = any(keyword in text for keyword in ONGOING_KEYWORDS)
    found = _find_date(text)
    if found is None:
        return ParsedDeadline(None, ongoing, original, ongoing)
    match, handler = found
    # A second date expression ("6月底前完成初稿，年底前完成") makes the cell ambiguous.
    if _find_date(text[: match.start()]) or _find_date(text[match.end() :]):
        return ParsedDeadline(None, ongoing, original, False)
    try:
        day = handler(match, default_year)
    except ValueError:
        return ParsedDeadline(None, ongoing, original, False)
    return ParsedDeadline(day, ongoing, original, True)
