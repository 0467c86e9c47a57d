"""Jinja2 templates per kind, in Chinese and English, strict about their data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources

import pytest

from warmth.notify import (
    KINDS,
    LANGUAGES,
    MissingDataError,
    TemplateError,
    compose,
    render,
    subject,
)

CJK = re.compile(r"[\u4e00-\u9fff]")

GATE = {"campaign": "Warm Winter", "phase": "survey", "deadline": "2024-12-20T18:00+08:00"}
REPORT = {
    "campaign": "Warm Winter",
    "jurisdiction": "Minhang",
    "summary": "12 households waiting\n3 CO alarms to fit",
}
SAMPLES: dict[str, Mapping[str, object]] = {
    "budget_overrun": {"campaign": "Warm Winter", "shortfall": "city short 10000 yuan"},
    "submission_reminder": {
        "campaign": "Warm Winter",
        "deadline": "2024-12-05T18:00:00+08:00",
        "missing": "East: Meiyuan/Meiyuan No. 1",
    },
    "gate_opened": GATE,
    "gate_reminder": GATE,
    "gate_escalation": GATE,
    "gate_rejected": {**GATE, "districts": "Jiangchuan, Gumei"},
    "delivery_reminder": REPORT,
    "rectification_reminder": REPORT,
    "verification_reminder": REPORT,
    "urgent_reminder": REPORT,
    "case_deadline": REPORT,
    "weekly_dispatch": REPORT,
    "recipient_notice": {"campaign": "Warm Winter", "items": "holiday package", "amount": "500"},
    "cadre_assignment": {
        "campaign": "Warm Winter",
        "jurisdiction": "East",
        "households": "12",
        "communities": "Plum 1|8\nPlum 2|4",
    },
}


def test_every_kind_has_a_template_in_each_language_and_nothing_else() -> None:
    assert set(SAMPLES) == set(KINDS)
    folder = resources.files("warmth.notify") / "texts"
    for language in LANGUAGES:
        names = {p.name for p in (folder / language).iterdir() if p.name.endswith(".txt.j2")}
        assert names == {f"{kind}.txt.j2" for kind in KINDS}, language


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_renders_a_subject_and_a_body(kind: str, language: str) -> None:
    message = compose(kind, SAMPLES[kind], language)
    assert message.subject and "\n" not in message.subject
    assert (
        message.text and not message.text.startswith("\n") and message.text == message.text.strip()
    )
    assert "Warm Winter" in message.subject and "Warm Winter" in message.text
    if language == "zh":
        assert CJK.search(message.text) and CJK.search(message.subject)
    else:  # the English texts hold no Chinese of their own
        assert not CJK.search(message.text) and not CJK.search(message.subject)
    assert render(kind, SAMPLES[kind], language) == message.text
    assert subject(kind, SAMPLES[kind], language) == message.subject


def test_the_gate_texts_in_chinese_and_english() -> None:
    data = {"campaign": "寒冬送温暖", "phase": "排摸准备", "deadline": "2024-12-20T10:00:00+00:00"}
    zh = compose("gate_opened", data, "zh")
    assert zh.subject == "【寒冬送温暖】排摸准备阶段待审批"
    assert zh.text == "【寒冬送温暖】排摸准备阶段工作已完成，请于 2024年12月20日 18:00 前审批。"
    en = compose("gate_opened", data, "en")
    assert en.subject == "[寒冬送温暖] The survey phase awaits approval"
    assert en.text == (
        "[寒冬送温暖] The survey phase is done and awaits your approval by 2024-12-20 18:00."
    )


def test_the_display_time_zone_is_configurable() -> None:
    data = {**GATE, "deadline": "2024-12-20T10:00:00+00:00"}
    assert "2024-12-20 10:00" in render("gate_opened", data, "en", time_zone="UTC")
    naive = {**GATE, "deadline": "2024-12-20T09:30"}  # naive: already local time
    assert "2024年12月20日 09:30" in render("gate_opened", naive, "zh")
    odd = {**GATE, "deadline": "下周一中午"}  # not ISO: shown as written
    assert "下周一中午" in render("gate_opened", odd, "zh")


def test_lists_are_joined_and_enumerated() -> None:
    rejected = {**GATE, "campaign": "寒冬送温暖", "districts": ["江川路街道", "古美路街道"]}
    assert render("gate_rejected", rejected, "zh").endswith("江川路街道、古美路街道。")
    assert "Jiangchuan, Gumei" in render(
        "gate_rejected", {**GATE, "districts": ["Jiangchuan", "Gumei"]}, "en"
    )
    weekly = {
        **REPORT,
        "summary": ["走访 1,200 户", "", "发放礼包 800 份"],
        "deadline": "2024-12-23",
    }
    text = render("weekly_dispatch", weekly, "zh")
    assert text.splitlines()[1:] == [
        "· 走访 1,200 户",
        "· 发放礼包 800 份",
        "请于 2024年12月23日 前报送本周进展表。",
    ]


def test_optional_pending_districts_in_reminders() -> None:
    assert "待审批" not in render("gate_reminder", {**GATE, "campaign": "寒冬"}, "zh")
    text = render("gate_reminder", {**GATE, "districts": "江川路街道"}, "zh")
    assert text.splitlines()[-1] == "待审批：江川路街道"


@pytest.mark.parametrize(
    ("amount", "cash"), [("500", True), ("1,100.00元", True), ("0", False), ("", False)]
)
def test_the_recipient_sms_mentions_cash_only_when_there_is_some(amount: str, cash: bool) -> None:
    data = {"campaign": "寒冬送温暖", "items": ["节日礼包", "健康包"], "amount": amount}
    text = render("recipient_notice", data, "zh")
    assert text.startswith("【寒冬送温暖】您好，节日礼包、健康包已为您发放")
    assert ("慰问金" in text) is cash


def test_a_missing_key_names_the_key_and_the_kind() -> None:
    with pytest.raises(MissingDataError) as caught:
        render("gate_rejected", GATE, "zh")
    err = caught.value
    assert (err.key, err.kind, err.language) == ("districts", "gate_rejected", "zh")
    assert str(err) == (
        "notification template zh/gate_rejected needs data key 'districts' "
        "(given: campaign, deadline, phase)"
    )
    with pytest.raises(MissingDataError, match=r"'summary'.*given: campaign, jurisdiction"):
        render("weekly_dispatch", {"campaign": "c", "jurisdiction": "j"}, "en")
    assert isinstance(err, ValueError)  # permanent: retrying the same data cannot help


def test_unknown_kinds_and_languages_are_errors() -> None:
    with pytest.raises(TemplateError, match="unknown notification kind 'gate_opend'"):
        render("gate_opend", GATE, "zh")
    with pytest.raises(TemplateError, match="unknown language 'fr'"):
        render("gate_opened", GATE, "fr")
