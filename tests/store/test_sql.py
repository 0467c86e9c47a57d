"""``insert_values`` stores exactly what a Core insert of the same rows stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from warmth.store.engine import open_store_engine
from warmth.store.schema import households
from warmth.store.sql import insert_ignore, insert_values

AT = datetime(2026, 11, 20, 8, 30, 15, 123456, tzinfo=UTC)
COLUMNS = ("campaign_id", "person_key", "name", "id_number", "district", "street", "community")
JSON_COLUMNS = ("categories", "sources", "household_size", "hazards", "extra", "registered_at")


def rows(campaign: str) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for i in range(6):
        out.append(
            (
                campaign,
                f"k{i}",
                "张三",
                "310112195006010011",
                "东湖区",
                "梅园街道",
                "梅园一社区",
                ["低保对象"] if i % 2 else ["低保对象", "独居老人"],
                [{"unit": "民政科", "categories": ["低保对象"], "import_id": "i", "row": i}],
                i + 1,
                [1] if i == 3 else ([1.0] if i == 4 else ([True] if i == 5 else [])),
                {} if i % 3 else {"自定义": "x"},
                AT,
            )
        )
    return out


def dump(path: Path, campaign: str) -> list[tuple[object, ...]]:
    engine = open_store_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT * FROM households WHERE campaign_id = :c ORDER BY person_key"),
            {"c": campaign},
        ).all()
    engine.dispose()
    return [tuple(r) for r in found]


def test_insert_values_matches_a_core_insert(tmp_path: Path) -> None:
    engine = open_store_engine(f"sqlite:///{tmp_path / 's.db'}")
    columns = (*COLUMNS, *JSON_COLUMNS)
    with engine.begin() as conn:
        conn.execute(households.insert(), [dict(zip(columns, r, strict=True)) for r in rows("a")])
        insert_values(conn, households, columns, rows("b"), repeated=("hazards", "registered_at"))
        # Already present: skipped with ignore_existing, like insert_ignore.
        insert_ignore(conn, households, [dict(zip(columns, r, strict=True)) for r in rows("c")])
        again = [(*r[:2], "李四", *r[3:]) for r in rows("c")]
        insert_values(conn, households, columns, again, ignore_existing=True)
    engine.dispose()
    a, b, c = (dump(tmp_path / "s.db", x) for x in "abc")
    assert len(a) == 6
    assert [r[1:] for r in a] == [r[1:] for r in b] == [r[1:] for r in c]
    assert {r[13] for r in b} == {"[]", "[1]", "[1.0]", "[true]"}  # hazards, told apart
