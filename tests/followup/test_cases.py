"""Verification cases (核实): listed within a jurisdiction, resolved once by the district."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.distribute.conftest import EVIL, LI, WANG
from tests.followup.conftest import (
    AUDITOR,
    CALL,
    CALLER_EAST,
    CALLER_WEST,
    CID,
    NOW,
    OPS,
    OPS_STREET,
    SUP_EAST,
    Followup,
)
from warmth.callbacks import (
    list_verification_cases,
    record_callback,
    resolve_verification_case,
)
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.store.callbacks import open_case_deadlines, open_verification_cases


def opened(f: Followup) -> tuple[str, str]:
    """A not-received case in 东湖区 (LI) and a complaint in 西山区 (EVIL)."""
    east = record_callback(f.engine, CID, LI, "not_received", by=CALLER_EAST, at=CALL, now=NOW)
    west = record_callback(
        f.engine, CID, EVIL, "complaint", by=CALLER_WEST, at=CALL + timedelta(days=1), now=NOW
    )
    assert east.case_id and west.case_id
    return east.case_id, west.case_id


def test_cases_are_listed_within_the_jurisdiction(everyone: Followup) -> None:
    east, west = opened(everyone)
    record_callback(everyone.engine, CID, WANG, "reached", by=CALLER_EAST, at=CALL, now=NOW)
    assert [c.case_id for c in list_verification_cases(everyone.engine, CID, by=OPS)] == [
        east, west,
    ]  # fmt: skip
    mine = list_verification_cases(everyone.engine, CID, by=SUP_EAST)
    assert [(c.case_id, c.district, c.reason) for c in mine] == [(east, "东湖区", "not_received")]
    assert [c.case_id for c in list_verification_cases(everyone.engine, CID, by=AUDITOR)] == [
        east, west,
    ]  # fmt: skip
    assert open_verification_cases(everyone.engine, CID, ["东湖区", "西山区"]) == [east, west]
    assert [d.case_id for d in open_case_deadlines(everyone.engine, CID, ["西山区"])] == [west]


def test_a_district_supervisor_resolves_once_and_the_gate_may_close(everyone: Followup) -> None:
    east, _west = opened(everyone)
    case, new = resolve_verification_case(
        everyone.engine, CID, east.lower(), "已补发礼包", by=SUP_EAST, at=NOW
    )
    assert new and (case.status, case.finding, case.resolved_by) == (
        "resolved", "已补发礼包", "li.east",
    )  # fmt: skip
    again, new_again = resolve_verification_case(
        everyone.engine, CID, east, "已补发礼包", by=SUP_EAST, at=NOW + timedelta(hours=1)
    )
    assert not new_again and again.resolved_at == NOW
    with pytest.raises(Rejected, match=r"was resolved by li\.east"):
        resolve_verification_case(everyone.engine, CID, east, "另一结论", by=OPS, at=NOW)
    [event] = everyone.events(EventType.VERIFICATION_RESOLVED)
    assert event.payload == {"case_id": east, "district": "东湖区", "finding": "已补发礼包"}
    assert event.idempotency_key == f"{CID}:verification:{east}:resolved"
    assert open_verification_cases(everyone.engine, CID, ["东湖区"]) == []
    assert len(open_verification_cases(everyone.engine, CID, ["西山区"])) == 1
    only_open = list_verification_cases(everyone.engine, CID, by=OPS, open_only=True)
    assert [c.district for c in only_open] == ["西山区"]


def test_who_may_resolve(everyone: Followup) -> None:
    east, west = opened(everyone)
    with pytest.raises(Rejected, match=r"西山区 is outside li\.east's jurisdiction"):
        resolve_verification_case(everyone.engine, CID, west, "x", by=SUP_EAST, at=NOW)
    with pytest.raises(Rejected, match=r"东湖区 is outside ops\.meiyuan's jurisdiction"):
        resolve_verification_case(everyone.engine, CID, east, "x", by=OPS_STREET, at=NOW)
    with pytest.raises(Rejected, match="needs the ops or supervisor role"):
        resolve_verification_case(everyone.engine, CID, east, "x", by=CALLER_EAST, at=NOW)
    with pytest.raises(Rejected, match="an auditor reads but changes nothing"):
        resolve_verification_case(everyone.engine, CID, east, "x", by=AUDITOR, at=NOW)
    with pytest.raises(Rejected, match="a finding is needed"):
        resolve_verification_case(everyone.engine, CID, east, "  ", by=OPS, at=NOW)
    with pytest.raises(NotFound, match="no verification case"):
        resolve_verification_case(everyone.engine, CID, "V000", "x", by=OPS, at=NOW)
    assert everyone.count(EventType.VERIFICATION_RESOLVED) == 0
    assert everyone.count(EventType.ACCESS_REFUSED) == 4
