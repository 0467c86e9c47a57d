"""Callback results (回访结果) and when a callback is concluded. Pure: no store, no clock.

A caller (回访员) phones a sampled household and records one result per call:

| result | Chinese | concludes? |
|---|---|---|
| ``reached`` | 已联系 | yes: ``reached`` |
| ``unreachable`` | 联系不上 | after ``attempts`` calls on different days: ``unreachable`` |
| ``not_received`` | 未收到 | yes, and a verification case (核实) is opened |
| ``complaint`` | 投诉 | yes, and a verification case (核实) is opened |

A call is a fact per (household, day, result): two unreachable calls on the same day
count once. The day is the call's date in the plan's time zone.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class CallbackResult(StrEnum):
    REACHED = "reached"
    UNREACHABLE = "unreachable"
    NOT_RECEIVED = "not_received"
    COMPLAINT = "complaint"

    @property
    def label_zh(self) -> str:
        return RESULT_ZH[self]

    @property
    def opens_case(self) -> bool:
        """A household saying it got nothing, or complaining, is verified (核实)."""
        return self in (CallbackResult.NOT_RECEIVED, CallbackResult.COMPLAINT)


_IGNORED = re.compile(r"[\s_\-\ufeff]+")


def _word(text: str) -> str:
    """Compare labels after NFKC, case folding and removal of spaces, ``_`` and ``-``."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text)).casefold()


RESULT_ZH = {
    CallbackResult.REACHED: "已联系",
    CallbackResult.UNREACHABLE: "联系不上",
    CallbackResult.NOT_RECEIVED: "未收到",
    CallbackResult.COMPLAINT: "投诉",
}
_RESULT_WORDS = {
    _word(word): result
    for result, words in (
        (CallbackResult.REACHED, ("已联系", "已回访", "reached")),
        (CallbackResult.UNREACHABLE, ("联系不上", "无法联系", "unreachable")),
        (CallbackResult.NOT_RECEIVED, ("未收到", "not_received", "not received")),
        (CallbackResult.COMPLAINT, ("投诉", "complaint")),
    )
    for word in words
}
RESULT_CHOICES = "已联系 reached、联系不上 unreachable、未收到 not_received、投诉 complaint"


def parse_result(text: str) -> CallbackResult | None:
    """A result from its Chinese label or English name (``not-received`` too); else None."""
    return _RESULT_WORDS.get(_word(text))


def call_day(at: datetime, zone: ZoneInfo) -> date:
    """The day of a call made at ``at`` (time-zone aware), in the plan's time zone."""
    if at.tzinfo is None:
        raise ValueError(f"the call time {at.isoformat()} needs a time zone")
    return at.astimezone(zone).date()


def conclusion(
    attempts: Iterable[tuple[str, CallbackResult]], unreachable_attempts: int
) -> CallbackResult | None:
    """The outcome the recorded ``(day, result)`` facts conclude, if any.

    Any result but ``unreachable`` concludes with itself (the first such one, in the
    order given); ``unreachable`` does once it is recorded on ``unreachable_attempts``
    different days.
    """
    unreachable_days: set[str] = set()
    for day, result in attempts:
        if result is not CallbackResult.UNREACHABLE:
            return result
        unreachable_days.add(day)
        if len(unreachable_days) >= unreachable_attempts:
            return CallbackResult.UNREACHABLE
    return None


def verification_case_id(campaign_id: str, person_key: str) -> str:
    """The id of the verification case a household's callback opens: one per household."""
    digest = hashlib.sha256(f"{campaign_id}\x00{person_key}\x00verification".encode())
    return "V" + digest.hexdigest()[:11].upper()
