"""Small SQL helpers that differ by dialect (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

T = TypeVar("T")


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose primary key is already present."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
        conn.execute(pg, list(rows))
    else:
        lite = sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
        conn.execute(lite, list(rows))


_FETCH = 20_000


def driver_connection(conn: Connection) -> Any:
    """The DB-API connection under ``conn``, in its transaction (bulk work on SQLite)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None, "the connection is closed"
    return raw


def iter_rows(conn: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` as plain tuples, streamed.

    On SQLite the compiled query runs on the DB-API cursor in the caller's transaction:
    no SQLAlchemy row or result processing per row, so select plain columns (text,
    numbers; ``cast(json_column, Text)`` for JSON) and bind plain values (strings,
    numbers). Elsewhere SQLAlchemy streams them (``yield_per``).
    """
    if conn.dialect.name != "sqlite":
        for row in conn.execute(query.execution_options(yield_per=_FETCH)):
            yield tuple(row)
        return
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    cursor = driver_connection(conn).cursor()
    try:
        cursor.execute(str(compiled), [params[name] for name in compiled.positiontup or ()])
        while rows := cursor.fetchmany(_FETCH):
            yield from rows
    finally:
        cursor.close()


def rows_in(
    conn: Connection, template: str, values: Sequence[Any], *, before: Sequence[Any] = ()
) -> Iterator[tuple[Any, ...]]:
    """SQLite only: rows of ``template`` for ``values``, in chunks of :data:`IN_CHUNK`.

    ``template`` is plain SQL with ``?`` placeholders for ``before`` and one ``{}`` where
    the ``IN`` list of placeholders goes. It runs on the DB-API connection in the
    caller's transaction: built through SQLAlchemy, each IN list was compiled and its
    values coerced one by one, which cost more than the lookup itself (1.4 of 2.8 s
    for 250,000 ledger keys, measured here).
    """
    raw = driver_connection(conn)
    full = template.format(",".join("?" * IN_CHUNK))
    for i in range(0, len(values), IN_CHUNK):
        part = values[i : i + IN_CHUNK]
        sql = full if len(part) == IN_CHUNK else template.format(",".join("?" * len(part)))
        yield from raw.execute(sql, (*before, *part))


IN_CHUNK = 500
"""Values per ``IN (...)`` list."""


def fetch_all(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of ``query`` as a plain tuple (see :func:`iter_rows`)."""
    return list(iter_rows(conn, query))


def insert_values(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_existing: bool = False,
    repeated: Collection[str] = (),
) -> None:
    """Insert rows given as value tuples in ``columns`` order (bulk writes).

    The same statement and the same stored values as ``conn.execute(table.insert(),
    [dict(zip(columns, row)) …])`` (or :func:`insert_ignore` with
    ``ignore_existing``): on SQLite the statement is compiled once, each value goes
    through its column type's own bind processor (JSON serialisation, date-times)
    and the rows go to the driver's ``executemany`` as tuples, without SQLAlchemy's
    per-row parameter handling. Other dialects take the generic Core path.

    ``repeated`` names columns whose values repeat across rows (a list of
    categories, a time stamp): their processed form is computed once per distinct
    value, told apart by ``repr`` (which, unlike ``==``, separates ``1``, ``1.0``
    and ``True``). Only for values made of built-in types.
    """
    if not rows:
        return
    names = list(columns)
    if conn.dialect.name != "sqlite":
        dicts = [dict(zip(names, row, strict=True)) for row in rows]
        if ignore_existing:
            insert_ignore(conn, table, dicts)
        else:
            conn.execute(table.insert(), dicts)
        return
    stmt = sqlite.insert(table)
    if ignore_existing:
        keys = [c.name for c in table.primary_key.columns]
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    compiled = stmt.compile(dialect=conn.dialect, column_keys=names)
    if list(compiled.positiontup or ()) != names:  # pragma: no cover - a guard, never seen
        raise RuntimeError(f"unexpected parameter order for {table.name}: {compiled.positiontup}")
    processors = [
        (i, p)
        for i, name in enumerate(names)
        if (p := bind_processor(conn, table.c[name])) is not None
    ]
    params: list[tuple[Any, ...]]
    if processors:
        # Column by column: a processor runs over one column's values (once per distinct
        # value for ``repeated``), then the columns are zipped back into rows.
        columns_ = list(zip(*rows, strict=True))
        for i, process in processors:
            values = columns_[i]
            if names[i] in repeated:
                processed = _processed_once(process, values)
                columns_[i] = tuple([processed[id(v)] for v in values])
            else:
                columns_[i] = tuple(map(process, values))
        params = list(zip(*columns_, strict=True))
    else:
        params = [tuple(row) for row in rows]
    conn.exec_driver_sql(str(compiled), params)


def bind_processor(conn: Connection, column: Any) -> Callable[[Any], Any] | None:
    """How ``column``'s type turns a value into what the driver stores (None: as it is)."""
    dialect = conn.dialect
    process: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process


def _processed_once(process: Callable[[Any], Any], values: Sequence[Any]) -> dict[int, Any]:
    """``process(v)`` of each value, by ``id(v)``, computed once per distinct value.

    The values stay alive for the whole insert, so an object's id is a safe first key:
    a payload shared by thousands of rows is looked at once, not repr'd per row.
    """
    by_repr: dict[str, Any] = {}
    out: dict[int, Any] = {}
    for value in {id(v): v for v in values}.values():
        key = repr(value)
        found = by_repr.get(key, by_repr)
        if found is by_repr:
            found = by_repr[key] = process(value)
        out[id(value)] = found
    return out


def retrying(engine: Engine, work: Callable[[Connection], T], attempts: int = 3) -> T:
    """Run ``work`` in a transaction; retry when a concurrent writer won a unique key."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return work(conn)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk work on many small acyclic objects.

    An import or a registration batch keeps thousands of rows (dicts, tuples,
    strings) alive at once, a bank-file export or a report's ledger fold hundreds of
    thousands; the collector would walk them, and the objects of every loaded module,
    again and again to find cycles that are not there (measured here: a 150,000-row
    bank export 4.6 instead of 7.6 CPU s; about a sixth of a 500,000-event fold).
    Reference counting still frees everything; the collector is switched back on
    afterwards if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
