"""Staff lists (工作人员名单): good rows imported, bad rows reported, re-import idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from warmth import staff
from warmth.auth.rules import User
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.roster.errors import RosterFileError
from warmth.roster.export import write_xlsx
from warmth.store import staff as staff_store
from warmth.store.campaigns import create_campaign
from warmth.store.ledger import events_of
from warmth.store.schema import staff as staff_table
from warmth.store.staff import StaffRole

from .helpers import (
    AT,
    AUDITOR,
    CAMPAIGN,
    OPS,
    OPS_EAST,
    PLAN,
    SECRET,
    SUPERVISOR,
    event_types,
    staff_file,
    write_csv,
)

GOOD = [
    ["张伟", "13800138001", "东湖区/梅园街道/梅园一社区", "包保人"],
    ["李娜", "13800138002", "东湖区/梅园街道/梅园一社区", "包保人、回访员"],
    ["王强", "138 0013 8003", "东湖区/梅园街道", "经办"],
    ["赵敏", "13800138004", "西山区/枫桥街道/枫桥二社区", "cadre"],
]


@pytest.fixture
def campaign(engine: Engine) -> str:
    create_campaign(engine, CAMPAIGN, PLAN, "ops", AT)
    return CAMPAIGN


def import_file(engine: Engine, path: Path, actor: User = OPS) -> staff.StaffImportReport:
    return staff.import_staff(engine, SECRET, CAMPAIGN, path, actor=actor, at=AT)


def test_good_rows_are_imported_and_bad_rows_reported_with_field_and_reason(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    bad = [
        ["", "13800138005", "东湖区/梅园街道/梅园一社区", "包保人"],  # 1 name
        ["钱七", "12345", "东湖区/梅园街道/梅园一社区", "包保人"],  # 2 phone
        ["孙八", "", "东湖区/梅园街道/梅园一社区", "包保人"],  # 3 phone missing
        ["周九", "13800138006", "东湖区/梅园街道/梅园一社区", "书记"],  # 4 role
        ["吴十", "13800138007", "东湖区/梅园街道/不存在社区", "包保人"],  # 5 community
        ["郑一", "13800138008", "东湖区/梅园街道", "包保人"],  # 6 cadre of a street
        ["冯二", "13800138009", "", "回访员"],  # 7 unit missing
        ["陈三", "13800138010", "南湖区/某街道/某社区", "回访员"],  # 8 district
    ]
    path = staff_file(tmp_path / "staff.csv", *GOOD, *bad)
    report = import_file(engine, path)
    assert (report.rows, report.accepted, report.rejected_rows) == (12, 4, 8)
    assert report.registered == 5  # 李娜 in two roles
    fields = {(e.row - len(GOOD), e.field) for e in report.rejected}
    assert fields == {
        (1, "name"),
        (2, "phone"),
        (3, "phone"),
        (4, "role"),
        (5, "unit"),
        (6, "unit"),
        (7, "unit"),
        (8, "unit"),
    }
    assert all(" / " in e.reason for e in report.rejected)  # bilingual
    assert all("1380013" not in e.reason for e in report.rejected)  # never the phone

    members = staff_store.list_staff(engine, CAMPAIGN)
    assert sorted((m.name, m.role.value, m.unit) for m in members) == [
        ("张伟", "cadre", "东湖区/梅园街道/梅园一社区"),
        ("李娜", "cadre", "东湖区/梅园街道/梅园一社区"),
        ("李娜", "caller", "东湖区/梅园街道/梅园一社区"),
        ("王强", "ops", "东湖区/梅园街道"),
        ("赵敏", "cadre", "西山区/枫桥街道/枫桥二社区"),
    ]
    assert {m.phone for m in members if m.name == "王强"} == {"13800138003"}  # normalised


def test_re_importing_the_same_list_changes_nothing(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    path = staff_file(tmp_path / "staff.csv", *GOOD)
    first = import_file(engine, path)
    before = event_types(engine)
    with engine.connect() as conn:
        rows_before = conn.execute(select(staff_table)).all()
    again = import_file(engine, path)
    # The same people in another file (reordered, phone formatted differently): same ids.
    other = staff_file(
        tmp_path / "other.csv",
        GOOD[1],
        ["张伟", "+86 138-0013-8001", "东湖区 / 梅园街道 / 梅园一社区", "包保人"],
    )
    third = import_file(engine, other)
    assert first.changed and not again.changed and not third.changed
    assert (again.registered, again.unchanged) == (0, 5)
    assert third.registered == 0
    after = event_types(engine)
    assert after[: len(before)] == before
    assert after[len(before) :] == [EventType.STAFF_IMPORTED]  # only the other file's fact
    with engine.connect() as conn:
        assert conn.execute(select(staff_table)).all() == rows_before
    assert before.count(EventType.STAFF_REGISTERED) == 5


def test_staff_ids_are_stable_and_reveal_nothing(engine: Engine, campaign: str) -> None:
    a = staff.staff_id(SECRET, CAMPAIGN, "东湖区/梅园街道/梅园一社区", "张伟", "13800138001")
    assert a == staff.staff_id(
        SECRET, CAMPAIGN, "东湖区/梅园街道/梅园一社区", "张伟", "13800138001"
    )
    assert a != staff.staff_id(
        b"other", CAMPAIGN, "东湖区/梅园街道/梅园一社区", "张伟", "13800138001"
    )
    assert a != staff.staff_id(SECRET, "c2", "东湖区/梅园街道/梅园一社区", "张伟", "13800138001")
    assert len(a) == 16 and "1380013" not in a


def test_the_ledger_and_repr_carry_no_name_or_phone(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    import_file(engine, staff_file(tmp_path / "staff.csv", *GOOD))
    with engine.connect() as conn:
        text = json.dumps([e.payload for e in events_of(conn, CAMPAIGN)], ensure_ascii=False)
    for name, phone, *_ in GOOD:
        assert name not in text and phone.replace(" ", "") not in text
    member = staff_store.list_staff(engine, CAMPAIGN)[0]
    assert member.phone not in repr(member) and member.name not in repr(member)
    assert "****" in member.masked()["phone"]


def test_separate_district_street_community_columns_in_xlsx(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    path = tmp_path / "staff.xlsx"
    write_xlsx(
        path,
        ["姓名", "联系电话", "区", "街道", "社区", "角色"],
        [
            ["张伟", 13800138001, "东湖区", "梅园街道", "梅园一社区", "包保人"],
            ["王强", "13800138003", "东湖区", "梅园街道", "", "经办"],
            ["孙八", "13800138005", "东湖区", "", "梅园一社区", "回访员"],
        ],
    )
    report = import_file(engine, path)
    assert (report.accepted, [(e.row, e.field) for e in report.rejected]) == (2, [(3, "unit")])
    units = {m.unit for m in staff_store.list_staff(engine, CAMPAIGN)}
    assert units == {"东湖区/梅园街道/梅园一社区", "东湖区/梅园街道"}


def test_a_unique_bare_community_name_is_enough(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    path = staff_file(tmp_path / "s.csv", ["张伟", "13800138001", "梅园一社区", "包保人"])
    report = import_file(engine, path)
    assert report.accepted == 1
    assert staff_store.list_staff(engine, CAMPAIGN)[0].unit == "东湖区/梅园街道/梅园一社区"


def test_english_headers_and_roles(engine: Engine, campaign: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv",
        ["name", "phone", "unit", "role"],
        ["Zhang Wei", "13800138001", "东湖区/梅园街道/梅园一社区", "Caller"],
    )
    assert import_file(engine, path).accepted == 1
    assert staff_store.list_staff(engine, CAMPAIGN)[0].role is StaffRole.CALLER


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["姓名", "联系电话", "单位"], "角色"),
        (["姓名", "联系电话", "角色"], "单位"),
        (["姓名", "单位", "角色", "备注"], "联系电话"),
    ],
)
def test_a_file_without_a_required_column_is_refused_whole(
    engine: Engine, campaign: str, tmp_path: Path, header: list[str], message: str
) -> None:
    path = write_csv(tmp_path / "s.csv", header, ["张伟"] * len(header))
    with pytest.raises(RosterFileError, match=message):
        import_file(engine, path)


def test_rows_outside_the_users_jurisdiction_are_rejected(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    report = import_file(engine, staff_file(tmp_path / "s.csv", *GOOD), actor=OPS_EAST)
    assert report.accepted == 3
    assert [(e.row, e.field) for e in report.rejected] == [(4, "unit")]
    assert "outside your jurisdiction" in report.rejected[0].reason


@pytest.mark.parametrize("actor", [SUPERVISOR, AUDITOR], ids=["supervisor", "auditor"])
def test_only_ops_import_staff_and_refusals_are_recorded(
    engine: Engine, campaign: str, tmp_path: Path, actor: User
) -> None:
    with pytest.raises(Rejected, match="may not import"):
        import_file(engine, staff_file(tmp_path / "s.csv", *GOOD), actor=actor)
    with engine.connect() as conn:
        refused = [e for e in events_of(conn, CAMPAIGN) if e.type == EventType.ACCESS_REFUSED]
    assert [e.payload["action"] for e in refused] == ["import staff"]
    assert staff_store.list_staff(engine, CAMPAIGN) == []


def test_deactivated_staff_come_back_when_a_new_list_names_them(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    path = staff_file(tmp_path / "s.csv", *GOOD)
    import_file(engine, path)
    lina = next(m for m in staff_store.list_staff(engine, CAMPAIGN) if m.name == "李娜")
    changed = staff.deactivate_staff(engine, CAMPAIGN, lina.staff_id, actor=OPS, at=AT)
    assert {m.role for m in changed} == {StaffRole.CADRE, StaffRole.CALLER}
    assert staff.deactivate_staff(engine, CAMPAIGN, lina.staff_id, actor=OPS, at=AT) == []
    on_duty = staff_store.list_staff(engine, CAMPAIGN, active_only=True)
    assert lina.staff_id not in {m.staff_id for m in on_duty}

    again = import_file(engine, staff_file(tmp_path / "again.csv", GOOD[1]))
    assert (again.reactivated, again.registered) == (2, 0)
    types = event_types(engine)
    assert types.count(EventType.STAFF_DEACTIVATED) == 2
    assert types.count(EventType.STAFF_REACTIVATED) == 2
    # Off duty once more: a file imported before does not undo it, a new list does.
    staff.deactivate_staff(engine, CAMPAIGN, lina.staff_id, actor=OPS, role=StaffRole.CADRE, at=AT)
    assert import_file(engine, path).reactivated == 0
    assert import_file(engine, staff_file(tmp_path / "again.csv", GOOD[1])).reactivated == 0
    newer = import_file(engine, staff_file(tmp_path / "newer.csv", GOOD[1], GOOD[0]))
    assert newer.reactivated == 1
    types = event_types(engine)
    assert types.count(EventType.STAFF_DEACTIVATED) == 3
    assert types.count(EventType.STAFF_REACTIVATED) == 3


def test_deactivating_outside_ones_jurisdiction_is_refused(
    engine: Engine, campaign: str, tmp_path: Path
) -> None:
    import_file(engine, staff_file(tmp_path / "s.csv", *GOOD))
    zhao = next(m for m in staff_store.list_staff(engine, CAMPAIGN) if m.name == "赵敏")
    with pytest.raises(Rejected, match="outside"):
        staff.deactivate_staff(engine, CAMPAIGN, zhao.staff_id, actor=OPS_EAST, at=AT)
    assert event_types(engine).count(EventType.ACCESS_REFUSED) == 1
