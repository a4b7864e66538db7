"""Insert and update many rows in one statement per table, without model instances.

Django's ``bulk_create`` builds a model instance per row and prepares every value through its
field (most of the time of a 10,000-row import), and on SQLite splits the rows into batches of
999 parameters. Its ``bulk_update`` writes ``SET col = CASE WHEN id = 1 THEN … WHEN id = 2 …``,
which PostgreSQL walks for every row (10,000 rows: 100 million comparisons), and batching it
makes the query count grow with the rows.

Here new rows go to PostgreSQL through COPY (``copying.py``: text PostgreSQL parses itself,
sent a chunk at a time, so a generator of rows is never held whole). Otherwise the values
travel as JSON, which Python writes and the databases read in C: on PostgreSQL (updates) one
JSON array per column, made a typed array and unnested beside the others (psycopg2 would
otherwise adapt every element in Python); on SQLite one JSON document of rows read with
``json_each``. The rows are then inserted with ``INSERT … SELECT`` or joined
with ``UPDATE … FROM`` (SQLite 3.33+). A column with the same value on every row is sent
once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import count, repeat
from operator import add, itemgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router

from campaigns.services.copying import copy_rows


def _connection(model: type[models.Model]):
    return connections[router.db_for_write(model)]


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _sqlite_converter(field: models.Field, connection):
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else _json_text(v)  # json_extract gives back this text
    if isinstance(field, models.DateTimeField):
        return lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField | models.TimeField):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(field, models.DecimalField):
        return lambda v: None if v is None else str(v)
    return lambda v: v


def _same(values: list[Any]) -> bool:
    first = values[0]
    return all(value == first and type(value) is type(first) for value in values)


def _row_source(
    connection, fields: Sequence[models.Field], columns: Sequence[list[Any]]
) -> tuple[list[str], str, list[Any], list[Any]]:
    """Where the values come from: (expression per field, subquery, their parameters).

    A column with the same value on every row (the list, the time, the status …) is passed
    once as a parameter instead of as an array.
    """
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    expressions: list[str] = []
    expression_params: list[Any] = []
    varying: list[tuple[int, models.Field]] = []
    count = len(columns[0])
    for index, field in enumerate(fields):
        column = columns[index]
        if count > 1 and not field.primary_key and _same(column):
            value = column[0]
            if postgres:
                expressions.append(f"%s::{field.db_type(connection)}")
                expression_params.append(
                    None
                    if value is None
                    else (_json_text(value) if isinstance(field, models.JSONField) else value)
                )
            else:
                expressions.append("%s")
                expression_params.append(_sqlite_converter(field, connection)(value))
        else:
            expressions.append(f"v.{quote(field.column)}")
            varying.append((index, field))
    names = [quote(f.column) for _i, f in varying]
    if postgres:
        # Each column is one JSON array (json.dumps is C, and PostgreSQL parses JSON fast),
        # turned into a typed array in order and unnested beside the others.
        arrays = []
        documents = []
        for index, field in varying:
            if isinstance(field, models.JSONField):
                arrays.append(
                    "ARRAY(SELECT CASE WHEN json_typeof(e) = 'null' THEN NULL ELSE e::jsonb END "
                    "FROM json_array_elements(%s::json) WITH ORDINALITY AS t(e, n) ORDER BY n)"
                )
            else:
                arrays.append(
                    "ARRAY(SELECT e FROM json_array_elements_text(%s::json) WITH ORDINALITY "
                    f"AS t(e, n) ORDER BY n)::{field.db_type(connection)}[]"
                )
            documents.append(_json_text(columns[index]))
        source = f"SELECT * FROM unnest({', '.join(arrays)}) AS v({', '.join(names)})"
        return expressions, source, expression_params, documents
    converted = [
        list(map(_sqlite_converter(field, connection), columns[index])) for index, field in varying
    ]
    document = json.dumps(
        [list(row) for row in zip(*converted, strict=True)] if converted else [[]] * count,
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    )
    picks = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(names))
    return expressions, f"SELECT {picks} FROM json_each(%s)", expression_params, [document]


def _column(rows: Sequence[dict[str, Any]], name: str, defaults: dict[str, Any]) -> list[Any]:
    if name in defaults:
        return [defaults[name]] * len(rows)
    try:
        return [row[name] for row in rows]
    except KeyError:
        return [row.get(name) for row in rows]


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> int:
    """INSERT ``rows`` (attname → value) in one statement; return how many.

    Fields a row leaves out take their default; the primary key is left to the database
    unless the rows give it (see ``reserve_ids``).
    """
    if not rows:
        return 0
    connection = _connection(model)
    quote = connection.ops.quote_name
    given = set(rows[0]).union(*rows[1:]) if len(rows) > 1 else set(rows[0])
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in given)
    ]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in given}
    # A field only some rows give is None on the others (callers give every field or none).
    columns = [_column(rows, f.attname, defaults) for f in fields]
    if connection.vendor == "postgresql":
        copy_rows(connection, model._meta.db_table, fields, zip(*columns, strict=True))
        return len(rows)
    expressions, source, expression_params, source_params = _row_source(connection, fields, columns)
    names = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
            f"SELECT {', '.join(expressions)} FROM ({source}) AS v",
            expression_params + source_params,
        )
    return len(rows)


def stream_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT ``rows`` (each the values of the fields ``names``, in order) in one statement,
    without holding them all, and return how many: on PostgreSQL a generator is COPY'd a
    chunk at a time; SQLite takes them as ``insert_rows`` does. The other fields take their
    default (the primary key: the database's, unless ``names`` gives it)."""
    connection = _connection(model)
    if connection.vendor != "postgresql":
        return insert_rows(model, [dict(zip(names, row, strict=True)) for row in rows])
    given = [model._meta.get_field(name) for name in names]
    rest = [
        f
        for f in model._meta.concrete_fields
        if f.attname not in names and f.name not in names and not f.primary_key
    ]
    fields = [*given, *rest]
    defaults = tuple(f.get_default() for f in rest)
    # Counted and given their defaults in C (zip with a counter, map of tuple addition): a
    # Python call or two per row less than an iterator class and a generator (25,000 rows
    # through the three COPYs of a 10,000-row confirm).
    counter = count()
    counted = map(itemgetter(0), zip(rows, counter, strict=False))  # the counter: endless
    with_defaults = map(add, counted, repeat(defaults)) if defaults else counted
    copy_rows(connection, model._meta.db_table, fields, with_defaults)  # type: ignore[arg-type]
    return next(counter)


def bulk_update_values(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]
) -> int:
    """Write ``fields`` of every object in ``objs`` (matched by primary key) in one statement."""
    if not objs or not fields:
        return 0
    connection = _connection(model)
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.pk, *(_concrete_field(model, name) for name in fields)]
    values = [[getattr(obj, f.attname) for obj in objs] for f in columns]
    expressions, source, expression_params, source_params = _row_source(connection, columns, values)
    table = quote(meta.db_table)
    assignments = ", ".join(
        f"{quote(f.column)} = {expression}"
        for f, expression in zip(columns[1:], expressions[1:], strict=True)
    )
    pk = quote(meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM ({source}) AS v WHERE {table}.{pk} = v.{pk}",
            expression_params + source_params,
        )
        return cursor.rowcount


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` primary keys for rows about to be inserted, in one query.

    With the keys known beforehand, rows that point at the new rows (supporting units,
    events) are built before anything is written, and every table takes one INSERT.
    PostgreSQL hands them out from the table's sequence; SQLite, whose transactions here
    take the write lock at BEGIN (see settings), continues after the highest key it used.
    """
    if count <= 0:
        return []
    connection = _connection(model)
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once (a materialised CTE): named inside ``nextval``,
            # ``pg_get_serial_sequence`` — volatile — ran for every key, nine tenths of the
            # statement (50,000 keys: 166 ms of the server's time, 23 ms so). Each key is still
            # ``nextval``'s, as any INSERT takes one: safe against every other writer.
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
                "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({quote(pk)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def _concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A field with a column of its own (not a reverse relation), as an UPDATE writes."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} has no column to update")
    return field
