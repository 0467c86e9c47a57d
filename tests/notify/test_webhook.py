"""Group robots (DingTalk, WeCom, Feishu) against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

import pytest

from tests.notify.conftest import FakeClock, HttpReceiver, free_port
from warmth.notify import (
    ChannelError,
    NotifySettings,
    RateLimiter,
    Recipient,
    WebhookChannel,
    build_channel,
    compose,
    dingtalk_sign,
    feishu_sign,
)

SECRET = "SEC0123456789abcdef-暖"  # DingTalk secrets start with SEC; any text signs
NOW = 1_734_680_000.25  # seconds since the epoch, the robots' clock

PEOPLE = [
    Recipient(id="bao-1", name="李梅", phone="13800138000"),
    Recipient(id="bao-2", name="张强", phone="+86 139-0013-9000"),
    Recipient(id="mh-office", name="办公室"),
]
MESSAGE = compose(
    "gate_escalation",
    {"campaign": "寒冬送温暖", "phase": "distribute", "deadline": "2025-01-20T18:00+08:00"},
)


def test_dingtalk_text_message_signed_in_the_url(http_receiver: HttpReceiver) -> None:
    url = f"{http_receiver.url}/robot/send?access_token=tok-1"
    channel = WebhookChannel("dingtalk", url, secret=SECRET, clock=lambda: NOW)
    channel.send(PEOPLE, "gate_escalation", MESSAGE.text, MESSAGE.subject)

    [req] = http_receiver.requests
    assert req.path == "/robot/send"
    assert req.query["access_token"] == ["tok-1"]
    assert req.headers["content-type"].startswith("application/json")
    assert req.body == {
        "msgtype": "text",
        "text": {"content": MESSAGE.text},
        "at": {"atMobiles": [], "isAtAll": False},
    }
    assert "组织发放阶段审批已逾期" in req.body["text"]["content"]
    # The receiver verifies the signature as DingTalk does, with the shared secret.
    [timestamp], [sign] = req.query["timestamp"], req.query["sign"]
    assert timestamp == str(int(NOW * 1000))
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert hmac.compare_digest(sign, expected)
    assert f"sign={quote_plus(expected)}" in req.raw_query  # URL-encoded on the wire


def test_dingtalk_signature_matches_a_published_vector() -> None:
    # The test vector of the `dingding` crate's signature.rs (docs.rs), URL-encoded.
    assert quote_plus(dingtalk_sign("secret", 1_700_000_000_000)) == (
        "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    )


def test_dingtalk_mentions_mobiles(http_receiver: HttpReceiver) -> None:
    channel = WebhookChannel("dingtalk", f"{http_receiver.url}/robot/send", mention=True)
    channel.send(PEOPLE, "gate_escalation", MESSAGE.text, MESSAGE.subject)
    [req] = http_receiver.requests
    assert "timestamp" not in req.query  # no secret, no signature
    assert req.body["at"] == {"atMobiles": ["13800138000", "13900139000"], "isAtAll": False}
    assert req.body["text"]["content"].endswith("@13800138000 @13900139000")


def test_wecom_text_message_unsigned(http_receiver: HttpReceiver) -> None:
    url = f"{http_receiver.url}/cgi-bin/webhook/send?key=k-123"
    channel = WebhookChannel("wecom", url, mention=True)
    assert channel.name == "wecom"
    channel.send(PEOPLE, "gate_escalation", MESSAGE.text, MESSAGE.subject)
    [req] = http_receiver.requests
    assert req.query == {"key": ["k-123"]}
    assert req.body == {
        "msgtype": "text",
        "text": {
            "content": MESSAGE.text,
            "mentioned_mobile_list": ["13800138000", "13900139000"],
        },
    }


def test_feishu_text_message_signed_in_the_body(http_receiver: HttpReceiver) -> None:
    http_receiver.default = (200, '{"code": 0, "msg": "success", "data": {}}')
    channel = WebhookChannel(
        "feishu", f"{http_receiver.url}/open-apis/bot/v2/hook/h-1", secret=SECRET, clock=lambda: NOW
    )
    channel.send(PEOPLE, "gate_escalation", MESSAGE.text, MESSAGE.subject)
    [req] = http_receiver.requests
    assert req.path == "/open-apis/bot/v2/hook/h-1"
    assert req.query == {}
    body = dict(req.body)
    timestamp, sign = body.pop("timestamp"), body.pop("sign")
    assert body == {"msg_type": "text", "content": {"text": MESSAGE.text}}
    assert timestamp == str(int(NOW))  # seconds
    # Feishu's check: the key is timestamp + "\n" + secret, the message is empty.
    expected = base64.b64encode(
        hmac.new(f"{timestamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert hmac.compare_digest(sign, expected)
    assert sign == feishu_sign(SECRET, int(NOW))


@pytest.mark.parametrize(
    ("kind", "answer", "retryable"),
    [
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}, True),
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, False),
        ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, True),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, False),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, False),
        ("feishu", {"code": 9499, "msg": "Bad Request", "data": {}}, True),
        ("feishu", {"StatusCode": 1, "StatusMessage": "failed"}, True),
    ],
)
def test_a_robot_error_code_raises(
    http_receiver: HttpReceiver, kind: str, answer: dict[str, object], retryable: bool
) -> None:
    http_receiver.answer(200, answer)
    channel = WebhookChannel(kind, f"{http_receiver.url}/hook")  # type: ignore[arg-type]
    with pytest.raises(ChannelError, match="robot error") as caught:
        channel.send(PEOPLE, "gate_escalation", MESSAGE.text, MESSAGE.subject)
    assert caught.value.retryable is retryable
    assert caught.value.channel == kind


def test_feishu_legacy_success_answer(http_receiver: HttpReceiver) -> None:
    http_receiver.answer(200, {"StatusCode": 0, "StatusMessage": "success"})
    WebhookChannel("feishu", f"{http_receiver.url}/hook").send(PEOPLE, "k", "text")


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (500, "upstream down", True),
        (429, '{"errcode": 130101}', True),
        (404, '{"errcode": 300001}', False),
        (200, "<html>proxy login</html>", True),
        (200, '{"ok": true}', True),
    ],
)
def test_http_failures_and_odd_answers_raise(
    http_receiver: HttpReceiver, status: int, body: str, retryable: bool
) -> None:
    http_receiver.answer(status, body)
    channel = WebhookChannel("dingtalk", f"{http_receiver.url}/robot/send")
    with pytest.raises(ChannelError) as caught:
        channel.send(PEOPLE, "gate_escalation", MESSAGE.text)
    assert caught.value.retryable is retryable


def test_an_unreachable_robot_is_retried() -> None:
    channel = WebhookChannel("wecom", f"http://127.0.0.1:{free_port()}/hook", timeout=2)
    with pytest.raises(ChannelError) as caught:
        channel.send(PEOPLE, "k", "text")
    assert caught.value.retryable is True


def test_recipients_own_robots_each_get_the_message(http_receiver: HttpReceiver) -> None:
    people = [
        Recipient(id="jc", name="江川路街道", webhook=f"{http_receiver.url}/street/jc"),
        Recipient(id="gm", name="古美路街道", webhook=f"{http_receiver.url}/street/gm"),
        Recipient(id="gm-2", name="古美路街道二", webhook=f"{http_receiver.url}/street/gm"),
    ]
    channel = WebhookChannel("wecom", f"{http_receiver.url}/city")
    channel.send(people, "gate_escalation", MESSAGE.text)
    assert [r.path for r in http_receiver.requests] == ["/street/jc", "/street/gm"]


def test_no_url_at_all_is_permanent() -> None:
    with pytest.raises(ChannelError) as caught:
        WebhookChannel("wecom", None).send(PEOPLE, "k", "text")
    assert caught.value.retryable is False


def test_the_robot_rate_limit_spaces_posts(http_receiver: HttpReceiver) -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock.now, sleep=clock.sleep)
    channel = WebhookChannel("wecom", f"{http_receiver.url}/hook", limiter=limiter)
    for i in range(4):
        channel.send(PEOPLE, "k", f"消息 {i}")
    assert [r.body["text"]["content"] for r in http_receiver.requests] == [
        "消息 0",
        "消息 1",
        "消息 2",
        "消息 3",
    ]
    assert clock.slept == pytest.approx([3.0, 3.0, 3.0])


def test_settings_build_a_signed_rate_limited_robot(http_receiver: HttpReceiver) -> None:
    settings = NotifySettings(
        channel="webhook",
        webhook_kind="dingtalk",
        webhook_url=f"{http_receiver.url}/robot/send?access_token=t",
        webhook_secret=SECRET,
    )
    assert SECRET not in repr(settings)
    limiter = settings.limiter()
    assert limiter is not None and limiter.per_minute == 20
    channel = build_channel(settings)
    assert channel.name == "dingtalk"
    channel.send(PEOPLE, "k", "text")
    [req] = http_receiver.requests
    assert set(req.query) == {"access_token", "timestamp", "sign"}


def test_wecom_refuses_a_secret() -> None:
    with pytest.raises(ValueError, match="not signed"):
        WebhookChannel("wecom", "http://127.0.0.1/hook", secret="x")
