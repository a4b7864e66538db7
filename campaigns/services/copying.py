"""PostgreSQL's COPY for ``bulk.insert_rows``: many rows into a table in one statement.

The values are written as COPY's text format (a tab between columns, a line per row, NULL as
``\\N``, backslash, tab and line breaks escaped) by Python's C string routines, a column at a
time, and PostgreSQL parses them with its own input functions: for 10,000 tasks this is the
cheapest way in (what the benchmark measures as the limit: the rows read and COPY'd). Triggers
and constraints apply as for an INSERT.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice, repeat
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from operator import is_
from typing import Any

from django.db import models


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder for every value (``json.dumps`` with options builds a new one per call).
_JSON = json.JSONEncoder(ensure_ascii=False, default=_json_default, separators=(",", ":"))
# What ``_JSON.encode`` runs for each value, made once: ``encode`` and ``iterencode`` make
# it again on every call (two Python calls and a new C encoder per value, 40,000 values in
# a 10,000-row check and confirm). Mapped over a column it encodes every value in C, the same
# text as ``_JSON.encode`` gives (``markers=None``: no test for circular values, which rows
# of plain data never hold). None where CPython's ``_json`` is missing.
_C_ENCODER = (
    None
    if c_make_encoder is None
    else c_make_encoder(None, _json_default, encode_basestring, None, ":", ",", False, False, True)
)


def _json_texts(values: Sequence[Any]) -> list[str]:
    """Each value as ``_JSON.encode`` writes it (a None as ``null``: ``_encoded`` makes it
    COPY's NULL after)."""
    if _C_ENCODER is None:
        return list(map(_JSON.encode, values))
    return list(map("".join, map(_C_ENCODER, values, repeat(0))))


def json_text(value: Any) -> str:
    """One value as ``_JSON.encode`` writes it (``_json_texts`` for one)."""
    if _C_ENCODER is None:
        return _JSON.encode(value)
    return "".join(_C_ENCODER(value, 0))


_TEXT_KINDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField"}


def _escaped(texts: list[str], *, json_text: bool) -> list[str]:
    """COPY's escapes, on the whole column at once (joined by NUL, which no text can hold)."""
    if not texts:
        return texts
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        raise ValueError("a text holds a NUL character, which the database cannot store")
    if "\\" not in joined and (
        json_text or ("\t" not in joined and "\n" not in joined and "\r" not in joined)
    ):  # nothing to escape (most chunks): the texts as they are, not split again
        return texts
    joined = joined.replace("\\", "\\\\")
    if not json_text:  # JSON has no raw tab or line break: they are escaped within it
        joined = joined.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return joined.split("\x00")


def _encoded(field: models.Field, values: Sequence[Any]) -> list[str]:
    first = values[0]
    if (
        len(values) > 1
        and values[-1] is first  # most columns differ here already: the whole check is rare
        and all(map(is_, values, repeat(first)))  # in C: a generator cost 0.1 s per 10,000
    ):
        # One object on every row (the list, the time, the actor, an empty JSON …): once.
        return _encoded(field, [first]) * len(values)
    kind = field.get_internal_type()
    if kind == "JSONField":
        texts = _escaped(_json_texts(values), json_text=True)
    elif kind in _TEXT_KINDS:
        texts = _escaped(["" if v is None else str(v) for v in values], json_text=False)
    elif kind in ("BooleanField", "NullBooleanField"):
        texts = ["t" if v else "f" for v in values]
    elif kind in ("DateField", "DateTimeField", "TimeField"):
        texts = ["" if v is None else v.isoformat() for v in values]
    else:  # integers, keys, decimals
        texts = ["" if v is None else str(v) for v in values]
    if None in values:
        return ["\\N" if v is None else t for v, t in zip(values, texts, strict=True)]
    return texts


#: Rows encoded and sent at a time: the text of all of them is never held at once.
CHUNK_ROWS = 1_000


class _Chunks:
    """A file for ``copy_expert``: each read gives the next chunk of rows as COPY text."""

    def __init__(self, chunks: Iterator[str]):
        self.chunks = chunks

    def read(self, size: int = -1) -> str:
        return next(self.chunks, "")

    readline = read


def copy_rows(
    connection, table: str, fields: Sequence[models.Field], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY ``rows`` (each the values of ``fields``, in order) into ``table``, in one
    statement; the rows may be a generator, consumed ``CHUNK_ROWS`` at a time."""

    def chunks() -> Iterator[str]:
        remaining = iter(rows)
        while batch := list(islice(remaining, CHUNK_ROWS)):
            columns = zip(*batch, strict=True)
            encoded = [
                _encoded(field, column) for field, column in zip(fields, columns, strict=True)
            ]
            yield "\n".join(map("\t".join, zip(*encoded, strict=True))) + "\n"

    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {quote(table)} ({names}) FROM STDIN", _Chunks(chunks()))
