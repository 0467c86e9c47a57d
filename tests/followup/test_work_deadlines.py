"""Moving one case's or task's deadline (改期): who may, what is kept, what the sweep sees."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.distribute.conftest import WANG
from tests.followup.conftest import (
    AUDITOR,
    CADRE,
    CALL,
    CALLER_EAST,
    CID,
    NOW,
    OPS_STREET,
    SUP_EAST,
    Followup,
)
from tests.followup.test_cases import opened
from warmth.callbacks import resolve_verification_case
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.followup_deadlines import move_work_deadline
from warmth.reports.statistics import compute
from warmth.store.casework import open_work
from warmth.store.hazards import record_visit_hazard


def deadline_of(f: Followup, ident: str) -> object:
    return next(w.deadline for w in open_work(f.engine, CID) if w.id == ident)


def test_a_supervisor_moves_a_case_deadline_and_each_move_is_kept(everyone: Followup) -> None:
    east, _west = opened(everyone)
    first = deadline_of(everyone, east)
    later = NOW + timedelta(days=20)
    moved = move_work_deadline(
        everyone.engine, CID, "verification", east, later, "与群众约定回访时间", by=SUP_EAST, at=NOW
    )
    assert (moved.previous, moved.to, moved.moved) == (first, later, True)
    assert deadline_of(everyone, east) == later  # what the sweep reminds and escalates by
    again = move_work_deadline(
        everyone.engine, CID, "verification", east, later, "重复提交", by=SUP_EAST, at=NOW
    )
    assert not again.moved
    # Back and forth: every move is a fact of its own.
    for to in (NOW + timedelta(days=9), later):
        move_work_deadline(
            everyone.engine, CID, "verification", east, to, "调整", by=SUP_EAST, at=NOW
        )
    events = everyone.events(EventType.DEADLINE_MOVED)
    assert [e.idempotency_key.rsplit(":", 1)[1] for e in events] == ["1", "2", "3"]
    assert events[0].payload["reason"] == "与群众约定回访时间" and events[0].actor == "li.east"
    assert events[0].payload["previous"] == first.isoformat()  # type: ignore[attr-defined]
    assert deadline_of(everyone, east) == later


def test_a_naive_time_is_the_plans_and_the_past_or_no_reason_is_refused(
    everyone: Followup,
) -> None:
    east, _ = opened(everyone)
    naive = (NOW + timedelta(days=3)).replace(tzinfo=None)  # 08:00 Shanghai = 00:00 UTC
    moved = move_work_deadline(
        everyone.engine, CID, "verification", east, naive.replace(hour=8, minute=0), "延期",
        by=SUP_EAST, at=NOW,
    )  # fmt: skip
    assert (moved.to.hour, moved.to.minute) == (0, 0)
    with pytest.raises(Rejected, match="not in the future"):
        move_work_deadline(
            everyone.engine, CID, "verification", east, NOW - timedelta(hours=1), "x",
            by=SUP_EAST, at=NOW,
        )  # fmt: skip
    with pytest.raises(Rejected, match="needs a reason"):
        move_work_deadline(
            everyone.engine, CID, "verification", east, NOW + timedelta(days=5), "  ",
            by=SUP_EAST, at=NOW,
        )  # fmt: skip
    with pytest.raises(NotFound):
        move_work_deadline(
            everyone.engine, CID, "verification", "V-NONE", NOW + timedelta(days=5), "x",
            by=SUP_EAST, at=NOW,
        )  # fmt: skip
    resolve_verification_case(everyone.engine, CID, east, "已核实", by=SUP_EAST, at=NOW)
    with pytest.raises(Rejected, match="its deadline stays"):
        move_work_deadline(
            everyone.engine, CID, "verification", east, NOW + timedelta(days=5), "x",
            by=SUP_EAST, at=NOW,
        )  # fmt: skip
    assert len(everyone.events(EventType.DEADLINE_MOVED)) == 1


@pytest.mark.parametrize("user", [AUDITOR, CADRE, CALLER_EAST])
def test_only_ops_or_supervisors_of_the_place_move_a_deadline(
    everyone: Followup, user: object
) -> None:
    _east, west = opened(everyone)
    before = deadline_of(everyone, west)
    for who in (user, SUP_EAST, OPS_STREET):  # the last two: another district
        with pytest.raises(Rejected, match="may not move the deadline"):
            move_work_deadline(
                everyone.engine, CID, "verification", west, NOW + timedelta(days=30), "x",
                by=who, at=NOW,  # type: ignore[arg-type]
            )  # fmt: skip
    assert deadline_of(everyone, west) == before
    refused = everyone.events(EventType.ACCESS_REFUSED)
    assert len(refused) == 3 and not everyone.events(EventType.DEADLINE_MOVED)


def test_a_hazard_task_deadline_moves_the_same_way(everyone: Followup) -> None:
    task = record_visit_hazard(
        everyone.engine, CID, everyone.key(WANG), "用气", "燃气管老化", "cadre.east", CALL
    ).task
    moved = move_work_deadline(
        everyone.engine, CID, "rectification", task.task_id, NOW + timedelta(days=14),
        "等待燃气公司上门", by=OPS_STREET, at=NOW,
    )  # fmt: skip
    assert moved.moved and deadline_of(everyone, task.task_id) == NOW + timedelta(days=14)
    (event,) = everyone.events(EventType.DEADLINE_MOVED)
    assert event.stream.endswith(everyone.key(WANG)) and event.payload["kind"] == "rectification"


def test_reports_judge_overdue_by_the_moved_deadline(everyone: Followup) -> None:
    east, _west = opened(everyone)
    task = record_visit_hazard(
        everyone.engine, CID, everyone.key(WANG), "用电", "电线老化", "cadre.east", CALL
    ).task

    def overdue(as_of: datetime) -> tuple[int, int]:
        stats = compute(everyone.engine, CID, as_of=as_of)
        east_row = next(r for r in stats.verification if r.district == "东湖区")
        hazards = next(r for r in stats.hazards if r.district == "东湖区")
        return east_row.overdue, hazards.overdue

    assert overdue(NOW + timedelta(days=30)) == (1, 1)
    for kind, ident in (("verification", east), ("rectification", task.task_id)):
        move_work_deadline(
            everyone.engine, CID, kind, ident, NOW + timedelta(days=40), "延期",  # type: ignore[arg-type]
            by=SUP_EAST, at=NOW,
        )  # fmt: skip
    assert overdue(NOW + timedelta(days=30)) == (0, 0)
    assert overdue(NOW + timedelta(days=41)) == (1, 1)
