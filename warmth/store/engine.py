"""Opening the store: engine creation and schema migration (Alembic)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

from warmth.store import jsontext

_MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout and write-locking transactions.

    (And a larger page cache and fewer automatic WAL checkpoints: see below.)

    SQLite allows one writer: ``BEGIN IMMEDIATE`` takes the write lock when a
    transaction starts, so two batches never interleave a read-check-write.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": 60, "check_same_thread": False},
            json_serializer=jsontext.dumps,
            json_deserializer=jsontext.loads,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before the activity that made it reports success
            # to Temporal. With NORMAL a power cut could lose the last commits (up to a
            # checkpoint's worth) that Temporal already counts as done: a batch of issues
            # gone with the workflow past it. Measured: 1.5-6 ms per commit here.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=60000")
            # Bulk work (a roster import, registration batches) touches more index
            # pages than the default 2 MB cache holds, and with the default automatic
            # checkpoint every 4 MB of WAL a 100,000-row import checkpoints (and syncs
            # the database file) some forty times. A 64 MB cache per connection (used
            # only as it fills) and a checkpoint every 64 MB of WAL keep both in check.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA wal_autocheckpoint=16384")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url, pool_pre_ping=True, json_serializer=jsontext.dumps, json_deserializer=jsontext.loads
    )


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; safe at every start-up)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Workers starting together must not race to create the same tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7233001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store_engine(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine
