"""When follow-up work is reminded and escalated (pure instants)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warmth.domain.casework import OpenWork, due_in, next_instant

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
OFFSETS = [timedelta(days=3), timedelta(days=1), timedelta(hours=2)]
DAY = timedelta(days=1)


def work(opened: datetime = T0, window: timedelta = timedelta(days=7)) -> OpenWork:
    return OpenWork(
        kind="verification",
        id="V1",
        opened_at=opened,
        deadline=opened + window,
        district="东湖区",
        community="东湖区/梅园街道/梅园一社区",
        owner=None,
        label="核实 V1",
    )


def walk(w: OpenWork, until: datetime) -> list[tuple[datetime, int]]:
    """Sweep the way the workflow does: at each next instant, from the opening on."""
    since, out = w.opened_at, []
    while True:
        at = next_instant([w], OFFSETS, DAY, since)
        if at is None or at > until:
            return out
        out += [(at, d.escalation) for d in due_in([w], OFFSETS, DAY, since, at)]
        since = at


def test_reminders_at_each_offset_then_escalations_every_interval() -> None:
    w = work()
    deadline = w.deadline
    assert walk(w, deadline + timedelta(days=2, hours=1)) == [
        (deadline - timedelta(days=3), 0),
        (deadline - DAY, 0),
        (deadline - timedelta(hours=2), 0),
        (deadline, 1),
        (deadline + DAY, 2),
        (deadline + 2 * DAY, 3),
    ]


def test_offsets_before_the_work_was_opened_are_skipped() -> None:
    w = work(window=timedelta(hours=30))  # opened 30 h before its deadline
    assert [esc for _, esc in walk(w, w.deadline)] == [0, 0, 1]  # 1 d and 2 h, then due


def test_a_late_sweep_sends_one_message_not_a_burst() -> None:
    w = work()
    due = due_in([w], OFFSETS, DAY, w.opened_at, w.deadline - timedelta(hours=1))
    assert [d.escalation for d in due] == [0]
    late = due_in([w], OFFSETS, DAY, w.opened_at, w.deadline + timedelta(days=3, hours=1))
    assert [d.escalation for d in late] == [4]  # the latest escalation only


def test_a_repeated_window_gives_the_same_answer_and_an_empty_one_nothing() -> None:
    w = work()
    at = w.deadline - DAY
    first = due_in([w], OFFSETS, DAY, w.opened_at, at)
    assert first == due_in([w], OFFSETS, DAY, w.opened_at, at)
    assert due_in([w], OFFSETS, DAY, at, at + timedelta(hours=1)) == []


def test_nothing_open_means_no_next_instant() -> None:
    assert next_instant([], OFFSETS, DAY, T0) is None


def test_a_long_list_is_cut_to_the_first_items_and_counted() -> None:
    from zoneinfo import ZoneInfo

    from warmth.domain.casework import Due
    from warmth.followup_sweep import MAX_LINES, _summary

    items = [Due(work(), 0) for _ in range(MAX_LINES + 5)]
    text = _summary(items, ZoneInfo("Asia/Shanghai"))
    assert len(text.splitlines()) == MAX_LINES + 1
    assert text.splitlines()[-1].startswith(f"……共 {MAX_LINES + 5} 项")
