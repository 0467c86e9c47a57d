"""The follow-up sweep on the store: what falls due in a window, one message per owner."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from tests.distribute.conftest import LI
from tests.followup.conftest import CALL, CALLER_EAST, CID, NOW, PLAN, SUP_EAST, Followup
from warmth.callbacks import record_callback
from warmth.followup_deadlines import move_work_deadline
from warmth.followup_sweep import sweep
from warmth.notify import Recipient
from warmth.store import urgent


class Recording:
    name = "recording"

    def __init__(self) -> None:
        self.sent: list[tuple[list[str], str]] = []

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        self.sent.append(([r.id for r in recipients], text))


def test_reminders_follow_a_moved_deadline_and_each_message_is_heartbeaten(
    everyone: Followup,
) -> None:
    case = record_callback(everyone.engine, CID, LI, "not_received", by=CALLER_EAST, at=CALL,
                           now=CALL).case_id  # fmt: skip
    assert case is not None
    # Before the deadline (call + 7 days): the 3-day and 1-day reminders fall due.
    window = (CALL, CALL + timedelta(days=6, minutes=1))
    beats: list[int] = []

    def run(channel: Recording, since: datetime, until: datetime) -> None:
        sweep(everyone.engine, channel, PLAN, CID, since, until, lambda: NOW,
              beat=lambda: beats.append(1))  # fmt: skip

    first = Recording()
    run(first, *window)
    assert [ids for ids, _ in first.sent] == [["li.east"]] and case in first.sent[0][1]
    assert len(beats) == 1  # one heartbeat per message

    move_work_deadline(everyone.engine, CID, "verification", case, CALL + timedelta(days=30),
                       "约定上门", by=SUP_EAST, at=CALL + timedelta(hours=1))  # fmt: skip
    later = Recording()
    run(later, CALL + timedelta(days=1), CALL + timedelta(days=8))  # the old deadline passes
    assert later.sent == []  # no reminder, no escalation by the old deadline
    run(later, CALL + timedelta(days=26), CALL + timedelta(days=27, minutes=1))
    assert [ids for ids, _ in later.sent] == [["li.east"]]  # the new 3-day reminder


def _raise_case(engine: Engine, case_id: str, asked_fen: int, raised_by: str) -> None:
    """An urgent case in 东湖区/梅园街道/梅园一社区, raised at CALL."""
    case = urgent.NewCase(
        case_id=case_id, person_key=f"p-{case_id}", name="王小明",
        id_number="11010519491231002X", phone=None, district="东湖区", street="梅园街道",
        community="梅园一社区", category="低保对象", asked_fen=asked_fen, reason="家中失火",
        raised_by=raised_by,
    )  # fmt: skip
    urgent.open_case(engine, CID, case, CALL)


def _swept(engine: Engine, since: timedelta, until: timedelta) -> list[tuple[list[str], str]]:
    """The messages of a sweep of (CALL + since, CALL + until]."""
    channel = Recording()
    sweep(engine, channel, PLAN, CID, CALL + since, CALL + until, lambda: NOW)
    return channel.sent


def test_urgent_cases_awaiting_a_decision_remind_the_level_awaited_then_the_city(
    everyone: Followup,
) -> None:
    engine, raised = everyone.engine, CALL
    _raise_case(engine, "U1", 500_000, raised_by="ops.city")
    assert PLAN.urgent is not None and PLAN.urgent.decision_window == timedelta(days=3)

    # A day before the decision is due, the district's supervisor is reminded.
    [(to, text)] = _swept(engine, timedelta(0), timedelta(days=2, minutes=1))
    assert to == ["li.east"] and "U1" in text and "5000.00 元" in text and "待区级审批" in text
    # The district approves above the threshold: the city's decision is awaited now.
    urgent.record_decision(engine, CID, "U1", level="district", approve=True,
                           amount_fen=400_000, comment="同意", by="li.east",
                           at=raised + timedelta(days=2, hours=1),
                           status_after="awaiting_city")  # fmt: skip
    [(to, text)] = _swept(engine, timedelta(days=2, minutes=1), timedelta(days=2, hours=23))
    assert to == ["chen.city"] and "待市级审批" in text  # the 2-hour reminder
    [(to, text)] = _swept(engine, timedelta(days=2, hours=23), timedelta(days=3, minutes=1))
    assert to == ["chen.city"] and "U1" in text  # the deadline passed: escalated
    urgent.record_decision(engine, CID, "U1", level="city", approve=True, amount_fen=400_000,
                           comment="同意", by="chen.city", at=raised + timedelta(days=3, hours=1),
                           status_after="approved")  # fmt: skip
    assert _swept(engine, timedelta(days=3, minutes=1), timedelta(days=40)) == []  # quiet


def test_a_case_not_decided_in_time_is_escalated_to_the_city(everyone: Followup) -> None:
    _raise_case(everyone.engine, "U2", 80_000, raised_by="ops.city")
    sent = _swept(everyone.engine, timedelta(days=2, hours=23), timedelta(days=3))
    assert [ids for ids, _ in sent] == [["chen.city"]]
    assert "待区级审批" in sent[0][1]


def test_nobody_is_asked_to_decide_a_case_they_may_not_decide(everyone: Followup) -> None:
    engine = everyone.engine
    _raise_case(engine, "U3", 600_000, raised_by="li.east")
    # li.east raised it and may not approve it: the city supervisor is asked instead.
    [(to, text)] = _swept(engine, timedelta(0), timedelta(days=2, minutes=1))
    assert to == ["chen.city"] and "待区级审批" in text
    # chen.city gave the district's approval; the city's own is now awaited, and the
    # label shows the amount the district approved, which bounds the city's decision.
    urgent.record_decision(engine, CID, "U3", level="district", approve=True,
                           amount_fen=450_000, comment="同意", by="chen.city",
                           at=CALL + timedelta(days=2, hours=1),
                           status_after="awaiting_city")  # fmt: skip
    [(to, text)] = _swept(engine, timedelta(days=2, minutes=1), timedelta(days=2, hours=23))
    assert "区级核定 4500.00 元，待市级审批" in text
    # Nobody else may give it in this plan: the one who would be asked is told anyway.
    assert to == ["chen.city"]
