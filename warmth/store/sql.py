"""Small SQL helpers that differ by dialect (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy.dialects import postgresql, sqlite


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
    raw = conn.connection.dbapi_connection
    assert raw is not None, "the connection is closed"
    cursor = raw.cursor()
    try:
        cursor.execute(str(compiled), [params[name] for name in compiled.positiontup or ()])
        while rows := cursor.fetchmany(_FETCH):
            yield from rows
    finally:
        cursor.close()


def fetch_all(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of ``query`` as a plain tuple (see :func:`iter_rows`)."""
    return list(iter_rows(conn, query))


def insert_ignore_tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """:func:`insert_ignore` of tuples in ``columns`` order; on SQLite through the DB-API.

    SQLite gets the values as SQLAlchemy would bind them (each column type's bind
    processor, applied here once per distinct value object: pass the same object for a
    value repeated on every row, such as a time), in one ``executemany`` in the caller's
    transaction.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        insert_ignore(conn, table, [dict(zip(columns, r, strict=True)) for r in rows])
        return
    processors = [
        (n, p)
        for n, name in enumerate(columns)
        if (p := table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
        is not None
    ]
    for n, p in processors:
        distinct = {id(r[n]): r[n] for r in rows}
        bound = {key: p(value) for key, value in distinct.items()}
        rows = [(*r[:n], bound[id(r[n])], *r[n + 1 :]) for r in rows]
    keys = ", ".join(c.name for c in table.primary_key.columns)
    raw = conn.connection.dbapi_connection
    assert raw is not None, "the connection is closed"
    raw.executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)})"
        f" VALUES ({', '.join('?' * len(columns))}) ON CONFLICT ({keys}) DO NOTHING",
        rows,
    )
