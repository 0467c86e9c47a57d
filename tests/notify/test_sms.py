"""The SMS channel against a real HTTP gateway stand-in on 127.0.0.1, and the settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.notify.conftest import HttpReceiver
from warmth.notify import (
    ChannelError,
    LogChannel,
    NotifySettings,
    Recipient,
    SmsChannel,
    SmtpChannel,
    build_channel,
    compose,
)

PEOPLE = [
    Recipient(id="hh-1", name="赵阿姨", phone="13800138000"),
    Recipient(id="hh-2", name="钱大爷"),  # no mobile: skipped
    Recipient(id="hh-3", name="孙奶奶", phone="13900139000"),
]
NOTICE = compose(
    "recipient_notice",
    {"campaign": "寒冬送温暖", "items": ["节日礼包", "健康包"], "amount": "500"},
)


def test_one_request_per_mobile_with_the_key_header(http_receiver: HttpReceiver) -> None:
    http_receiver.default = (202, '{"accepted": true}')
    channel = SmsChannel(
        f"{http_receiver.url}/sms/send",
        "key-123",
        key_header="X-Gateway-Key",
        templates={"recipient_notice": "SMS_2024_001"},
        sign="某区民政局",
    )
    channel.send(PEOPLE, "recipient_notice", NOTICE.text, NOTICE.subject)
    assert [r.path for r in http_receiver.requests] == ["/sms/send", "/sms/send"]
    assert all(r.headers["x-gateway-key"] == "key-123" for r in http_receiver.requests)
    assert [r.body for r in http_receiver.requests] == [
        {
            "phone": phone,
            "text": NOTICE.text,
            "template": "SMS_2024_001",
            "kind": "recipient_notice",
            "sign": "某区民政局",
        }
        for phone in ("13800138000", "13900139000")
    ]
    assert "慰问金 500 元" in NOTICE.text


def test_settings_build_the_sms_channel(http_receiver: HttpReceiver) -> None:
    settings = NotifySettings(
        channel="sms",
        sms_url=f"{http_receiver.url}/sms",
        sms_api_key="k-9",
    )
    assert "k-9" not in repr(settings) and settings.limiter() is None
    channel = build_channel(settings)
    assert channel.name == "sms"
    channel.send(PEOPLE[:1], "case_deadline", "短信正文")
    [req] = http_receiver.requests
    assert req.headers["x-api-key"] == "k-9"
    assert req.body == {
        "phone": "13800138000",
        "text": "短信正文",
        "template": "case_deadline",
        "kind": "case_deadline",
    }


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (429, True), (400, False)])
def test_gateway_errors_raise(http_receiver: HttpReceiver, status: int, retryable: bool) -> None:
    http_receiver.answer(status, '{"error": "no"}')
    with pytest.raises(ChannelError) as caught:
        SmsChannel(f"{http_receiver.url}/sms").send(PEOPLE, "recipient_notice", "x")
    assert caught.value.retryable is retryable
    assert len(http_receiver.requests) == 1  # stops at the first failure


def test_nobody_with_a_mobile_is_permanent(http_receiver: HttpReceiver) -> None:
    with pytest.raises(ChannelError) as caught:
        SmsChannel(f"{http_receiver.url}/sms").send(PEOPLE[1:2], "recipient_notice", "x")
    assert caught.value.retryable is False
    assert http_receiver.requests == []


def test_settings_default_to_the_log_channel_and_check_themselves() -> None:
    assert isinstance(build_channel(NotifySettings()), LogChannel)
    smtp = build_channel(NotifySettings(channel="smtp", smtp_host="mail.example.cn", smtp_port=587))
    assert isinstance(smtp, SmtpChannel) and (smtp.host, smtp.port) == ("mail.example.cn", 587)
    for bad in (
        {"channel": "webhook"},
        {"channel": "sms"},
        {
            "channel": "webhook",
            "webhook_url": "http://x",
            "webhook_kind": "wecom",
            "webhook_secret": "s",
        },
        {"smtp_starttls": True, "smtp_ssl": True},
        {"smtp_password": "p"},
        {"smtp_user": "u", "smtp_password": "密码"},
        {"channel": "email"},
        {"rate_per_minute": 0},
        {"smpt_host": "typo"},
    ):
        with pytest.raises(ValidationError):
            NotifySettings.model_validate(bad)
    assert NotifySettings(rate_per_minute=6, rate_burst=2).limiter() is not None
