"""Recording callback results: the rules of issue 5's follow-up (回访)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.distribute.conftest import EVIL, LI, WANG, valid_id
from tests.followup.conftest import (
    AUDITOR,
    CADRE,
    CALL,
    CALLER_EAST,
    CALLER_WEST,
    CID,
    NOW,
    OPS,
    PLAN,
    Followup,
)
from warmth.callbacks import CallbackRecord, record_callback
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.store.callbacks import (
    AlreadyConcluded,
    NotSampled,
    open_case_deadlines,
    open_verification_cases,
)
from warmth.store.schema import callback_attempts, callbacks, verification_cases

DAY = timedelta(days=1)


def record(f: Followup, who: str, result: str, at: datetime = CALL, **kw: Any) -> CallbackRecord:
    by = kw.pop("by", CALLER_EAST)
    return record_callback(f.engine, CID, who, result, by=by, at=at, now=NOW, **kw)


def test_reached_concludes_the_callback(everyone: Followup) -> None:
    r = record(everyone, WANG, "reached", note="已收到，表示感谢")
    assert (r.recorded, r.day, r.outcome, r.concluded_now, r.case_id) == (
        True, "2026-12-22", "reached", True, None,
    )  # fmt: skip
    row = everyone.callback(WANG)
    assert (row.status, row.outcome) == ("reached", "reached")
    [attempt] = everyone.events(EventType.CALLBACK_ATTEMPTED)
    assert attempt.payload == {
        "day": "2026-12-22", "result": "reached", "note": "已收到，表示感谢",
        "district": "东湖区", "community": "梅园一社区",
    }  # fmt: skip
    assert attempt.idempotency_key == f"{CID}:{everyone.key(WANG)}:callback:2026-12-22:reached"
    assert attempt.actor == "caller.east"
    [done] = everyone.events(EventType.CALLBACK_CONCLUDED)
    assert done.payload == {"outcome": "reached", "district": "东湖区", "community": "梅园一社区"}


def test_three_unreachable_calls_on_different_days_conclude_unreachable(everyone: Followup) -> None:
    first = record(everyone, WANG, "unreachable")
    assert first.outcome is None and not first.concluded_now
    assert everyone.callback(WANG).status == "attempted"
    record(everyone, WANG, "unreachable", CALL + DAY)
    third = record(everyone, WANG, "联系不上", CALL + 2 * DAY)
    assert third.outcome == "unreachable" and third.concluded_now and third.case_id is None
    assert everyone.count(EventType.CALLBACK_ATTEMPTED) == 3
    assert [e.payload["outcome"] for e in everyone.events(EventType.CALLBACK_CONCLUDED)] == [
        "unreachable"
    ]


def test_unreachable_twice_on_the_same_day_counts_once(everyone: Followup) -> None:
    record(everyone, WANG, "unreachable")
    again = record(everyone, WANG, "unreachable", CALL + timedelta(hours=5))  # same day
    assert again.recorded is False
    record(everyone, WANG, "unreachable", CALL + DAY)
    still = record(everyone, WANG, "unreachable", CALL + DAY + timedelta(hours=1))
    assert still.outcome is None
    assert everyone.count(EventType.CALLBACK_ATTEMPTED) == 2
    assert everyone.count(EventType.CALLBACK_CONCLUDED) == 0
    # the day is the plan's (Asia/Shanghai): 23:30 UTC on the 23rd is already the 24th there
    late = record(everyone, WANG, "unreachable", datetime(2026, 12, 23, 23, 30, tzinfo=UTC))
    assert late.day == "2026-12-24" and late.outcome == "unreachable"


def test_not_received_opens_a_verification_case_due_after_the_window(everyone: Followup) -> None:
    r = record(everyone, LI, "not-received", note="说没收到礼包")
    deadline = CALL + PLAN.cases.verification_window
    assert r.outcome == "not_received" and r.case_id is not None
    assert r.case_deadline == deadline
    [opened] = everyone.events(EventType.VERIFICATION_OPENED)
    assert opened.payload == {
        "case_id": r.case_id, "reason": "not_received", "district": "东湖区",
        "street": "梅园街道", "community": "梅园二社区", "deadline": deadline.isoformat(),
    }  # fmt: skip
    assert opened.idempotency_key == f"{CID}:verification:{r.case_id}:opened"
    assert open_verification_cases(everyone.engine, CID, ["东湖区"]) == [r.case_id]
    assert open_verification_cases(everyone.engine, CID, ["西山区"]) == []
    with everyone.engine.connect() as conn:  # a connection works as well as an engine
        [due] = open_case_deadlines(conn, CID)
        row = conn.execute(select(verification_cases)).one()
    assert (due.case_id, due.deadline, due.district, due.community) == (
        r.case_id, deadline, "东湖区", "梅园二社区",
    )  # fmt: skip
    assert (row.status, row.reason, row.note, row.opened_by) == (
        "open", "not_received", "说没收到礼包", "caller.east",
    )  # fmt: skip


def test_a_complaint_opens_a_case_too(everyone: Followup) -> None:
    r = record(everyone, LI, "投诉", CALL + DAY)
    assert r.outcome == "complaint" and r.case_deadline == CALL + DAY + timedelta(days=7)


def test_a_repeated_record_changes_nothing(everyone: Followup) -> None:
    first = record(everyone, LI, "not_received")
    with everyone.engine.connect() as conn:
        before = conn.execute(select(callback_attempts)).all()
    again = record(everyone, LI, "not_received", CALL + timedelta(hours=3), note="再说一次")
    assert again.recorded is False and again.concluded_now is False
    assert (again.outcome, again.case_id, again.case_deadline) == (
        "not_received", first.case_id, first.case_deadline,
    )  # fmt: skip
    with everyone.engine.connect() as conn:
        assert conn.execute(select(callback_attempts)).all() == before
    for type_ in (EventType.CALLBACK_ATTEMPTED, EventType.CALLBACK_CONCLUDED,
                  EventType.VERIFICATION_OPENED):  # fmt: skip
        assert everyone.count(type_) == 1


def test_after_the_conclusion_a_new_result_is_refused(everyone: Followup) -> None:
    record(everyone, WANG, "reached")
    with pytest.raises(AlreadyConcluded, match="concluded as reached"):
        record(everyone, WANG, "complaint", CALL + DAY)
    with pytest.raises(AlreadyConcluded, match="回访已办结"):
        record(everyone, WANG, "unreachable")
    assert record(everyone, WANG, "reached").recorded is False  # the identical repeat
    assert everyone.count(EventType.CALLBACK_ATTEMPTED) == 1
    assert everyone.count(EventType.VERIFICATION_OPENED) == 0


def test_only_sampled_households_are_called(everyone: Followup) -> None:
    with everyone.engine.begin() as conn:  # take WANG out of the sample
        conn.execute(callbacks.delete().where(callbacks.c.person_key == everyone.key(WANG)))
    with pytest.raises(NotSampled, match="not in the callback sample"):
        record(everyone, WANG, "reached")
    with pytest.raises(NotFound, match="no household with ID number"):
        record(everyone, valid_id(99), "reached")
    with pytest.raises(Rejected, match="unknown result"):
        record(everyone, LI, "maybe")


def test_who_may_record(everyone: Followup) -> None:
    with pytest.raises(Rejected, match=r"outside caller\.west's jurisdiction"):
        record(everyone, WANG, "reached", by=CALLER_WEST)
    with pytest.raises(Rejected, match="needs the caller or ops role"):
        record(everyone, WANG, "reached", by=CADRE)
    with pytest.raises(Rejected, match="an auditor reads but changes nothing"):
        record(everyone, WANG, "reached", by=AUDITOR)
    assert everyone.count(EventType.ACCESS_REFUSED) == 3
    assert record(everyone, EVIL, "reached", by=CALLER_WEST).recorded
    assert record(everyone, WANG, "reached", by=OPS).recorded  # city ops


def test_a_call_before_the_draw_or_in_the_future_is_refused(everyone: Followup) -> None:
    with pytest.raises(Rejected, match="was drawn on 2026-12-21"):
        record(everyone, WANG, "reached", datetime(2026, 12, 20, 4, tzinfo=UTC))
    with pytest.raises(Rejected, match="in the future"):
        record(everyone, WANG, "reached", NOW + DAY)
    with pytest.raises(Rejected, match="needs a time zone"):
        record(everyone, WANG, "reached", datetime(2026, 12, 22, 10))
    assert everyone.count(EventType.CALLBACK_ATTEMPTED) == 0
