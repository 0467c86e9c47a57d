"""The follow-up sweep on the store: what falls due in a window, one message per owner."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.distribute.conftest import LI
from tests.followup.conftest import CALL, CALLER_EAST, CID, NOW, PLAN, SUP_EAST, Followup
from warmth.callbacks import record_callback
from warmth.followup_deadlines import move_work_deadline
from warmth.followup_sweep import sweep
from warmth.notify import Recipient


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
