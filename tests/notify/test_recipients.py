"""Recipients, the directory that resolves ids, and sending in each recipient's language."""

from __future__ import annotations

import pytest
import structlog
from pydantic import ValidationError

from warmth.contracts import Approver
from warmth.notify import (
    LogChannel,
    MissingDataError,
    Recipient,
    StaticDirectory,
    dispatch,
)


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str, str, str]] = []

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        self.calls.append(([r.id for r in recipients], kind, text, subject))


def test_mobiles_are_normalised_and_addresses_checked() -> None:
    r = Recipient(id="x", phone="+86 138-0013-8000", email=" a@b.cn ", webhook="")
    assert (r.phone, r.email, r.webhook) == ("13800138000", "a@b.cn", None)
    assert Recipient(id="y").display_name == "y"
    for bad in ({"phone": "021-12345678"}, {"email": "no-at-sign"}, {"webhook": "ftp://x"}):
        with pytest.raises(ValidationError):
            Recipient(id="z", **bad)
    with pytest.raises(ValidationError):
        Recipient(id="z", language="fr")


def test_a_plan_backed_directory() -> None:
    supervisors = [
        Approver(id="mh-mzj", name="闵行区民政局分管领导", scope="闵行区"),
        Approver(id="mh-gumei", name="古美路街道分管领导", scope="闵行区/古美路街道"),
    ]
    contacts = {
        "mh-mzj": {"email": "mzj@mh.example.cn", "phone": "13800138000"},
        "consultant": {"name": "Dr. Smith", "language": "en", "email": "s@example.org"},
    }
    directory = StaticDirectory.from_people(supervisors, contacts)
    assert len(directory) == 3
    got = directory.resolve(["mh-mzj", "consultant", "mh-mzj", "nobody", "mh-gumei"])
    assert [(r.id, r.name, r.language) for r in got] == [
        ("mh-mzj", "闵行区民政局分管领导", "zh"),
        ("consultant", "Dr. Smith", "en"),
        ("nobody", "nobody", "zh"),  # unknown: a bare recipient, still logged
        ("mh-gumei", "古美路街道分管领导", "zh"),
    ]
    assert got[0].email == "mzj@mh.example.cn" and got[3].email is None
    strict = StaticDirectory.from_people(supervisors, strict=True)
    with pytest.raises(KeyError, match="nobody"):
        strict.resolve(["nobody"])


def test_dispatch_sends_one_message_per_language() -> None:
    directory = StaticDirectory(
        [
            Recipient(id="a", language="en"),
            Recipient(id="b", language="zh"),
            Recipient(id="c", language="zh"),
        ]
    )
    channel = Recorder()
    data = {"campaign": "寒冬送温暖", "phase": "followup", "deadline": "2025-02-28T17:00+08:00"}
    sent = dispatch(channel, directory, ["a", "b", "c"], "gate_reminder", data)
    assert [ids for ids, *_ in channel.calls] == [["b", "c"], ["a"]]
    zh, en = channel.calls
    assert zh[3] == "【寒冬送温暖】提醒：回访核查阶段待您审批"
    assert en[2].startswith(
        "[寒冬送温暖] The follow-up gate awaits your approval by 2025-02-28 17:00"
    )
    assert [m.subject for m, _ in sent] == [zh[3], en[3]]


def test_dispatch_sends_nothing_when_a_template_fails() -> None:
    channel = Recorder()
    with pytest.raises(MissingDataError):
        dispatch(channel, StaticDirectory(), ["a"], "gate_rejected", {"campaign": "c"})
    assert channel.calls == []


def test_the_log_channel_logs_ids_not_addresses() -> None:
    people = [Recipient(id="mh-mzj", email="mzj@mh.example.cn", phone="13800138000")]
    with structlog.testing.capture_logs() as logs:
        LogChannel().send(people, "gate_opened", "正文", "主题")
    assert logs == [
        {
            "event": "notification_sent",
            "log_level": "info",
            "channel": "log",
            "kind": "gate_opened",
            "recipients": ["mh-mzj"],
            "subject": "主题",
            "text": "正文",
        }
    ]
