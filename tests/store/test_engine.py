"""The SQLite store's connection settings that correctness depends on."""

from __future__ import annotations

from sqlalchemy import Engine


def test_every_commit_is_synced_before_it_returns(engine: Engine) -> None:
    # An activity reports success to Temporal after its transaction commits: with
    # synchronous=NORMAL (WAL) a power cut could still lose that commit, and with it a
    # batch of issues the workflow has moved past. FULL is 2.
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
