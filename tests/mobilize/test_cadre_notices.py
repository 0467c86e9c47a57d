"""Cadres told their households (包保责任告知): one message each, once per list."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.followup import FollowupActivities
from tests.mobilize.helpers import (
    AT,
    CADRES,
    CAMPAIGN,
    EAST,
    ONE,
    OPS,
    PLAN,
    SECRET,
    TWO,
    cadre_id,
    loads,
    mobilize_district,
)
from warmth import staff
from warmth.cadre_notices import notify_cadres
from warmth.contracts import DistrictInput
from warmth.domain.phases import Phase
from warmth.notify import ChannelError, Recipient
from warmth.store.outbox import sent_messages


class Recording:
    name = "recording"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[list[str], str]] = []

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        if self.fail:
            raise ChannelError("gateway down", channel=self.name, retryable=True)
        self.sent.append(([r.id for r in recipients], text))


def now() -> datetime:
    return AT


def test_each_cadre_hears_of_their_households_by_community_once(
    engine: Engine, setup: Path
) -> None:
    mobilize_district(engine, EAST)
    channel = Recording()
    out = notify_cadres(engine, channel, PLAN, CAMPAIGN, EAST, now)
    expected = {**loads(engine, ONE), **loads(engine, TWO)}
    assert (out.cadres, out.sent, out.failed) == (4, 4, [])
    assert sorted(ids[0] for ids, _ in channel.sent) == sorted(str(k) for k in expected)
    zhao = cadre_id(engine, "赵敏")
    (text,) = [t for ids, t in channel.sent if ids == [zhao]]
    assert f"{TWO}：{expected[zhao]} 户" in text and ONE not in text
    # The caller (回访员) is not a cadre; a repeated activity sends nothing again.
    assert cadre_id(engine, "钱七") not in {ids[0] for ids, _ in channel.sent}
    again = notify_cadres(engine, channel, PLAN, CAMPAIGN, EAST, now)
    assert (again.sent, len(channel.sent)) == (0, 4)
    assert notify_cadres(engine, channel, PLAN, CAMPAIGN, "西山区", now).cadres == 0


def test_a_changed_list_is_told_again_and_the_cadre_off_duty_is_not(
    engine: Engine, setup: Path
) -> None:
    mobilize_district(engine, EAST)
    channel = Recording()
    notify_cadres(engine, channel, PLAN, CAMPAIGN, EAST, now)
    zhang = cadre_id(engine, "张伟")
    staff.deactivate_staff(engine, CAMPAIGN, zhang, actor=OPS, at=AT)
    mobilize_district(engine, EAST)  # zhang's households go to the other two of ONE
    channel.sent.clear()
    out = notify_cadres(engine, channel, PLAN, CAMPAIGN, EAST, now)
    told = {ids[0] for ids, _ in channel.sent}
    assert told == {cadre_id(engine, "李娜"), cadre_id(engine, "王强")} and out.sent == 2
    assert zhang not in told  # and 赵敏, whose list did not change, hears nothing new


def test_a_failing_channel_is_recorded_and_a_retry_sends_only_what_failed(
    engine: Engine, setup: Path
) -> None:
    mobilize_district(engine, EAST)
    out = notify_cadres(engine, Recording(fail=True), PLAN, CAMPAIGN, EAST, now)
    assert out.sent == 0 and len(out.failed) == len(CADRES) - 1
    failed = [m for m in sent_messages(engine, CAMPAIGN) if m["kind"] == "cadre_assignment"]
    assert {m["state"] for m in failed} == {"failed"} and len(failed) == 4
    channel = Recording()
    assert notify_cadres(engine, channel, PLAN, CAMPAIGN, EAST, now).sent == 4
    assert notify_cadres(engine, channel, PLAN, CAMPAIGN, EAST, now).sent == 0


def test_the_activity_retries_failures_then_reports_them_and_heartbeats_per_message(
    engine: Engine, setup: Path
) -> None:
    mobilize_district(engine, EAST)
    acts = FollowupActivities(ActivityContext(engine=engine, person_key_secret=SECRET),
                              Recording(fail=True))  # fmt: skip
    inp = DistrictInput(campaign_id=CAMPAIGN, district=EAST, phase=Phase.MOBILIZE)
    env = ActivityEnvironment()
    beats: list[object] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    with pytest.raises(ApplicationError, match="4 cadre notice"):
        env.run(acts.notify_cadres, inp)  # retried by Temporal while attempts remain
    assert len(beats) == 4
    env.info = dataclasses.replace(env.info, attempt=5)
    last = env.run(acts.notify_cadres, inp)
    assert (last.cadres, last.sent, last.failed) == (4, 0, 4)  # counted by the campaign
