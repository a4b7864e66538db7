"""Queries compiled once per process: a page's statement whose shape never changes (the same
columns, joins and conditions; only a unit's id, a user's id or a list of keys differs) is
built and compiled by the ORM once, and each request runs its SQL with its own values.

Building a queryset and compiling it costs Django 300–2,000 function calls (a task table's
rows, with their light, last report and open instructions, about 1 ms of CPU; a unit's page
made 17 such queries). Cloning a queryset built once (``tasks.selectors.table_of_mine``) saves
the building, not the compiling: here neither is done again.

A value that differs from one request to the next is a ``Slot``: compiled as one parameter,
filled in when the statement runs (``among_slot`` for a list of values, sent as one array,
``= ANY(%s)``). Anything else the queryset holds (today's date in a light, a status) is part of
the statement: callers key their cache by it (``functools.lru_cache`` over a builder taking
it). The rows come back as the queryset would give them (``values_list``: tuples; ``values``:
dicts), through the same converters.

On PostgreSQL only (an array is one parameter there); elsewhere ``run`` evaluates the
queryset built with the values themselves, so the results are the same on SQLite.
"""

import contextlib
import functools
import itertools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, InterfaceError, OperationalError, connections, router
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import F, Lookup, Q, QuerySet
from django.db.models.expressions import Expression
from django.db.models.query import (  # type: ignore[attr-defined]  # not in the stubs
    FlatValuesListIterable,
    ValuesIterable,
    get_related_populators,
    prefetch_related_objects,
)
from django.db.models.sql import UpdateQuery
from django.db.transaction import mark_for_rollback_on_error

from config.replica import read_alias


class Slot(Expression):
    """A value given each time a prepared statement runs (one parameter)."""

    def __init__(self, name: str, output_field=None):
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", [self]

    def get_group_by_cols(self):
        return []


class _AmongSlot(Lookup):
    lookup_name = "among_slot"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


def among(field: str, value) -> Q:
    """``field`` among ``value``: one array parameter when compiling (``value`` a Slot), the
    values themselves (``field__in``) when a queryset is built with them."""
    return among_slot(field, value) if isinstance(value, Slot) else Q(**{f"{field}__in": value})


def among_slot(field: str, slot: Slot) -> Q:
    """``field`` among the values of ``slot`` (a list), sent as one array (PostgreSQL)."""
    return Q(_AmongSlot(F(field), slot))


class Statement:
    """A statement compiled once: its SQL with the slots' places, and what reads its rows."""

    def __init__(self, sql: str, params, *, converters=None, names=(), width=None, kind="tuple"):
        self.sql = sql
        self.name = f"qingdan_{next(_numbers)}"  # its server-side name (``execute_prepared``)
        self.preparable = True
        self.kind = kind  # what a row of the queryset was: "tuple", "dict" or "flat"
        self.params = list(params)
        self.slots = [i for i, p in enumerate(self.params) if isinstance(p, Slot)]
        self.converters = converters or {}
        self.names = list(names)
        self.width = width

    @classmethod
    def of(cls, queryset: QuerySet, *, tail: str = "") -> "Statement":
        """``queryset`` compiled (``tail`` added to its SQL, e.g. ``LIMIT %s OFFSET %s``,
        whose values ``rows`` takes as ``extra``)."""
        query = queryset.query
        compiler = query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        return cls(
            sql + tail,
            params,
            converters=compiler.get_converters(fields),
            names=list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select],
            # Columns the ORM adds to sort by and drops from the rows (``execute_sql``).
            width=compiler.col_count if compiler.has_extra_select else None,
            kind=_kind(queryset),
        )

    def _filled(self, values: dict[str, Any], extra: tuple = ()) -> list:
        params = list(self.params)
        for i in self.slots:
            params[i] = values[params[i].name]
        params.extend(extra)
        return params

    def write(self, values: dict[str, Any], alias: str) -> int:
        """Run a statement that writes (``PreparedUpdate``) on ``alias``: the rows changed."""
        connection = connections[alias]
        params = self._filled(values)
        with connection.cursor() as cursor:
            if not execute_prepared(self, cursor, connection, params):
                cursor.execute(self.sql, params)
            return cursor.rowcount

    def rows(self, values: dict[str, Any], extra: tuple = ()) -> list[tuple]:
        params = self._filled(values, extra)
        # Where this moment's reads go (``config.replica``): the SQL is the same on either.
        connection = connections[read_alias()]
        with connection.cursor() as cursor:
            if not execute_prepared(self, cursor, connection, params):
                cursor.execute(self.sql, params)
            found = cursor.fetchall()
        if self.width is not None:
            found = [row[: self.width] for row in found]
        if not self.converters:
            return found
        converters = list(self.converters.items())
        converted = []
        for row in found:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def dicts(self, values: dict[str, Any]) -> list[dict]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows(values)]


_numbers = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered(sql: str) -> str:
    """Django's SQL (``%s`` for a parameter, ``%%`` for a percent sign) as PostgreSQL's
    ``PREPARE`` reads it: ``$1``, ``$2`` … and ``%``."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def execute_prepared(statement: "Statement", cursor, connection, params: list) -> bool:
    """``statement`` run as a server-side prepared statement on ``connection`` (prepared the
    first time this connection runs it): parsed, analyzed and rewritten once per connection,
    not once per request. On 我的任务 PostgreSQL's backend spent 11.6 ms of CPU on its
    eleven reads run as text, 4.9 ms prepared (README "Load and faults"). False (run it as
    text) where that is off (``PREPARED_STATEMENTS``: not through PgBouncer's transaction
    pooling), where something watches what is sent (``execute_wrapper``), or where the
    server refused to prepare it. What the debug cursor logs is the same SQL as unprepared."""
    if not (settings.PREPARED_STATEMENTS and statement.preparable) or connection.execute_wrappers:
        return False
    raw = cursor.cursor  # psycopg2's: the statements below are not the ORM's
    if not _prepared_on(connection, raw, statement):
        return False
    execute = f"EXECUTE {statement.name}"
    if params:
        execute += f"({', '.join(['%s'] * len(params))})"
    connection.validate_no_broken_transaction()
    logged = (
        cursor.debug_sql(raw.mogrify(statement.sql, params).decode(), params)
        if isinstance(cursor, CursorDebugWrapper)
        else contextlib.nullcontext()
    )
    with logged, connection.wrap_database_errors:
        raw.execute(execute, params)
    return True


def _prepared_on(connection, raw, statement: "Statement") -> bool:
    """Whether ``statement`` is prepared on ``connection``'s current session (prepared now if
    not: a new session, after a reconnection, starts with none)."""
    session = getattr(connection, "qingdan_prepared", None)
    if session is None or session[0] is not connection.connection:
        names: set[str] = set()
        session = connection.qingdan_prepared = (connection.connection, names)
    if statement.name in session[1]:
        return True
    inside = connection.in_atomic_block  # a refusal must not break the transaction
    try:
        with connection.wrap_database_errors:
            if inside:
                raw.execute("SAVEPOINT qingdan_prepare")
            raw.execute(f"PREPARE {statement.name} AS {_numbered(statement.sql)}")
    except DatabaseError as refused:
        if isinstance(refused, OperationalError | InterfaceError):
            raise  # the connection's trouble, not the statement's
        # A parameter whose type the server cannot tell: this statement is run as text.
        if inside:
            raw.execute("ROLLBACK TO SAVEPOINT qingdan_prepare")
            raw.execute("RELEASE SAVEPOINT qingdan_prepare")
        statement.preparable = False
        return False
    if inside:
        raw.execute("RELEASE SAVEPOINT qingdan_prepare")
    session[1].add(statement.name)
    return True


def _kind(queryset: QuerySet) -> str:
    if issubclass(queryset._iterable_class, ValuesIterable):
        return "dict"
    return "flat" if issubclass(queryset._iterable_class, FlatValuesListIterable) else "tuple"


def prepares() -> bool:
    """Whether statements are prepared here (PostgreSQL) or querysets built each time."""
    return connections[read_alias()].vendor == "postgresql"


class Slots(dict):
    """What a builder reads its values from when compiling: a ``Slot`` of any name."""

    def __missing__(self, name: str) -> Slot:
        return Slot(name)


class Prepared:
    """A builder of a ``values()`` / ``values_list()`` queryset, ``build(*key, values)``:
    ``key`` what its statement holds (a reach, today's date: hashable), ``values`` what each
    run gives (``values["unit"]``: a ``Slot`` when compiling). On PostgreSQL compiled once per
    key and process; elsewhere built with the values each time."""

    def __init__(self, build: Callable[..., QuerySet], maxsize: int = 16):
        self.build = build
        self.statement = functools.lru_cache(maxsize=maxsize)(self._compile)

    def _compile(self, *key) -> Statement | None:
        try:
            return Statement.of(self.build(*key, Slots()))
        except EmptyResultSet:  # conditions nothing meets (``pk__in=[]``): no query, no rows
            return None

    def rows(self, *key, **values) -> list:
        """The rows, as the queryset gives them (tuples, dicts, or one value a row for a
        ``flat`` list)."""
        if not prepares():
            return list(self.build(*key, values))
        statement = self.statement(*key)
        if statement is None:
            return []
        if statement.kind == "dict":
            return statement.dicts(values)
        found = statement.rows(values)
        return [row[0] for row in found] if statement.kind == "flat" else found


def prepared(maxsize: int = 16) -> Callable[[Callable[..., QuerySet]], Prepared]:
    """``@prepared()`` over a builder: see ``Prepared``."""

    def decorator(build: Callable[..., QuerySet]) -> Prepared:
        return Prepared(build, maxsize)

    return decorator


class _ModelStatement:
    """A model queryset compiled once: its statement, and what makes its rows into objects as
    ``ModelIterable`` does (the columns of each model, the related objects' populators, the
    annotations), worked out by the same compile."""

    def __init__(self, queryset: QuerySet):
        if queryset._known_related_objects or queryset._fields is not None:  # type: ignore[attr-defined]
            raise ValueError("a plain model queryset only")
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.statement = Statement(
            sql,
            params,
            converters=compiler.get_converters(fields),
            width=compiler.col_count if compiler.has_extra_select else None,
        )
        self.select, self.klass_info = compiler.select, compiler.klass_info
        self.annotations = list(compiler.annotation_col_map.items())
        self.model = self.klass_info["model"]
        select_fields = self.klass_info["select_fields"]
        self.span = (select_fields[0], select_fields[-1] + 1)
        self.init_list = [f[0].target.attname for f in self.select[slice(*self.span)]]
        self.prefetch = queryset._prefetch_related_lookups  # type: ignore[attr-defined]

    def objects(self, values: dict[str, Any]) -> list:
        db = read_alias()
        populators = get_related_populators(self.klass_info, self.select, db)
        start, end = self.span
        found = []
        for row in self.statement.rows(values):
            obj = self.model.from_db(db, self.init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        if self.prefetch and found:
            prefetch_related_objects(found, *self.prefetch)
        return found


class PreparedModels:
    """``Prepared`` for a queryset of model instances (``select_related`` objects, annotations
    and deferred columns as the queryset gives them; its ``prefetch_related`` done as
    ``QuerySet`` does it, by Django): ``build(*key, values)`` compiled once per key and
    process on PostgreSQL; elsewhere built with the values each time."""

    def __init__(self, build: Callable[..., QuerySet], maxsize: int = 16):
        self.build = build
        self.statement = functools.lru_cache(maxsize=maxsize)(self._compile)

    def _compile(self, *key) -> _ModelStatement | None:
        try:
            return _ModelStatement(self.build(*key, Slots()))
        except EmptyResultSet:  # conditions nothing meets (``pk__in=[]``): no query, no rows
            return None

    def objects(self, *key, **values) -> list:
        if not prepares():
            return list(self.build(*key, values))
        statement = self.statement(*key)
        return statement.objects(values) if statement is not None else []


class PreparedUpdate:
    """``build(values)`` → (the rows' queryset, their new values as ``update()`` takes them);
    ``update(**values)``: the rows changed, on PostgreSQL by ``update()``'s statement compiled
    once per process (a report marking its round items: 1.8 ms of CPU each time), elsewhere
    by ``update()``. One table, no join (Django would select the keys first, and the
    statement keep them); a slot in the new values is sent as given, not converted."""

    def __init__(self, build: Callable[[Any], tuple[QuerySet, dict[str, Any]]]):
        self.build = build
        self.statement = functools.lru_cache(maxsize=1)(self._compile)

    def _compile(self) -> tuple[Statement | None, str]:
        queryset, changes = self.build(Slots())
        query: Any = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        query.annotations = {}  # as ``update()``: an update sets no annotation
        alias = queryset._db or router.db_for_write(queryset.model)  # type: ignore[attr-defined]
        if query.related_updates or query.count_active_tables() > 1:
            raise ValueError("PreparedUpdate: one table's columns and conditions only")
        try:
            sql, params = query.get_compiler(alias).as_sql()
        except EmptyResultSet:  # conditions nothing meets: no statement, no row changed
            return None, alias
        return Statement(sql, params), alias

    def update(self, **values) -> int:
        statement, alias = self.statement()
        if connections[alias].vendor != "postgresql":
            queryset, changes = self.build(values)
            return queryset.update(**changes)
        if statement is None:
            return 0
        with mark_for_rollback_on_error(using=alias):  # as ``update()``
            return statement.write(values, alias)


class _Captured(Exception):
    """Raised by ``_count_statement``'s wrapper: the SQL is written, nothing is sent."""


def _count_statement(queryset: QuerySet) -> Statement:
    """The statement of ``queryset.count()``, exactly as Django writes it (its aggregation
    query is built inside ``count()``, so it is caught on its way to the database)."""
    seen: list[tuple[str, Any]] = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, params))
        raise _Captured

    connection = connections[queryset.db]
    # Not logged as a query (a test's CaptureQueriesContext would count it once per process:
    # nothing is sent, but the debug cursor logs what it was asked, even when refused).
    logged, connection.force_debug_cursor = connection.force_debug_cursor, False
    try:
        with connection.execute_wrapper(capture), contextlib.suppress(_Captured):
            queryset.count()
    finally:
        connection.force_debug_cursor = logged
    (sql, params), *more = seen
    if more:
        raise ValueError("count() sent more than one statement")
    return Statement(sql, params, kind="flat")


class PreparedCount:
    """A builder of a queryset, ``build(values)``, whose ``count()`` every request asks (the
    bell's unread notices): on PostgreSQL its statement is compiled once per process."""

    def __init__(self, build: Callable[[Any], QuerySet]):
        self.build = build
        self.statement = functools.lru_cache(maxsize=1)(lambda: _count_statement(build(Slots())))

    def count(self, **values) -> int:
        if not prepares():
            return self.build(values).count()
        return self.statement().rows(values)[0][0]


class PreparedObject:
    """A builder of a queryset of at most one model object, ``build(values)``
    (``select_related`` allowed: the signed-in person with their unit). ``get(**values)`` is
    that object or None; on PostgreSQL it is ``PreparedModels``' one row (compiled once per
    process, made into objects as Django's ``ModelIterable`` makes them)."""

    def __init__(self, build: Callable[[Any], QuerySet]):
        self.build = build
        self.models = PreparedModels(build, maxsize=1)

    def get(self, **values):
        if not prepares():
            queryset = self.build(values)
            try:
                return queryset.get()
            except queryset.model.DoesNotExist:
                return None
        found = self.models.objects(**values)
        if len(found) > 1:
            raise found[0].MultipleObjectsReturned(f"{len(found)} rows for {values}")
        return found[0] if found else None
